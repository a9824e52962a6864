import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { Discovery, requestRefusal, type NearbyFilters, type NearbyMine, type NearbyPerson, type ShareOptions } from "../discovery";
import { errorText } from "../errors";
import { t } from "../i18n";
import { Avatar, PaneHeader, Toggle } from "./common";
import { Dialog } from "./Dialog";

const GENDERS = ["female", "male", "other"] as const;

/** The browser's position, or a reason in words (denied, unavailable). */
function locate(): Promise<{ lat: number; lon: number }> {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) return reject(new Error(t("ct.nearby_unavailable")));
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      (e) => reject(new Error(e.code === e.PERMISSION_DENIED ? t("ct.nearby_denied") : t("ct.nearby_unavailable"))),
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
    );
  });
}

function OptIn({ onShare, busy }: { onShare: (o: ShareOptions) => void; busy: boolean }) {
  const [gender, setGender] = useState<string>("");
  const [year, setYear] = useState("");
  const [showGender, setShowGender] = useState(false);
  const [showAge, setShowAge] = useState(false);
  return (
    <form
      class="card stack"
      onSubmit={(e) => {
        e.preventDefault();
        const birth = Number(year);
        onShare({
          gender: gender || undefined,
          birth_year: year && Number.isFinite(birth) ? birth : undefined,
          show_gender: showGender && !!gender,
          show_age: showAge && !!year,
        });
      }}
      data-testid="nearby-optin"
    >
      <p>{t("ct.nearby_intro")}</p>
      <p class="muted small">{t("ct.nearby_shared")}</p>
      <label class="field">
        <span>{t("ct.gender")}</span>
        <select value={gender} onChange={(e) => setGender((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {GENDERS.map((g) => (
            <option key={g} value={g}>
              {t(`ct.gender_${g}`)}
            </option>
          ))}
        </select>
      </label>
      {gender ? <Toggle label={t("ct.show_gender")} checked={showGender} onChange={setShowGender} /> : null}
      <label class="field">
        <span>{t("ct.birth_year")}</span>
        <input type="number" inputMode="numeric" min={1900} max={new Date().getFullYear()} value={year} onInput={(e) => setYear((e.target as HTMLInputElement).value)} />
      </label>
      {year ? <Toggle label={t("ct.show_age")} checked={showAge} onChange={setShowAge} /> : null}
      <button class="btn primary wide" type="submit" disabled={busy} data-testid="nearby-share">
        {busy ? t("ct.nearby_locating") : t("ct.nearby_start")}
      </button>
    </form>
  );
}

function SayHi({ client, person, onClose }: { client: Client; person: NearbyPerson; onClose: () => void }) {
  const [greeting, setGreeting] = useState(t("ct.hi_default"));
  const [error, setError] = useState<string | null>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    try {
      const req = await new Discovery(client.api).sayHi(person.user.id, greeting.trim());
      if (req.chat_id) void client.refreshChat(req.chat_id);
      else client.store.upsertRequest({ ...req, user: person.user });
      client.store.emit();
      client.toast(t("ct.hi_sent", { name: person.user.name }));
      onClose();
    } catch (err) {
      setError(requestRefusal(err));
    }
  };
  return (
    <Dialog title={t("ct.say_hi")} onClose={onClose} testId="hi-dialog">
      <form class="stack" onSubmit={send}>
        <label class="field">
          <span>{t("friends.greeting")}</span>
          <input type="text" maxLength={200} value={greeting} onInput={(e) => setGreeting((e.target as HTMLInputElement).value)} data-autofocus data-testid="hi-greeting" />
        </label>
        {error ? <p class="form-error" role="alert">{error}</p> : null}
        <button class="btn primary wide" type="submit" data-testid="hi-send">
          {t("ct.say_hi")}
        </button>
      </form>
    </Dialog>
  );
}

/** People nearby (opt in): share a rough position, see who is around, say hi. */
export function Nearby({ client }: { client: Client }) {
  const api = new Discovery(client.api);
  const [mine, setMine] = useState<NearbyMine | null>(null);
  const [people, setPeople] = useState<NearbyPerson[] | null>(null);
  const [filters, setFilters] = useState<NearbyFilters>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [hi, setHi] = useState<NearbyPerson | null>(null);
  const load = async (f = filters) => {
    try {
      const res = await api.nearby(f);
      setMine(res.me);
      setPeople(res.people);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    api
      .myPosition()
      .then((m) => {
        setMine(m);
        if (m.sharing) void load();
      })
      .catch((e) => setError(errorText(e)));
  }, []);
  const share = async (opts: ShareOptions) => {
    setBusy(true);
    setError(null);
    try {
      const pos = await locate();
      setMine(await api.share(pos.lat, pos.lon, opts));
      await load();
    } catch (e) {
      setError(e instanceof Error && !("code" in e) ? e.message : errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const clear = async () => {
    try {
      await api.clearPosition();
      setMine({ sharing: false, listed: mine?.listed ?? true });
      setPeople(null);
      client.toast(t("ct.nearby_cleared"));
    } catch (e) {
      client.toast(errorText(e));
    }
  };
  const filter = (patch: NearbyFilters) => {
    const next = { ...filters, ...patch };
    setFilters(next);
    void load(next);
  };
  const age = (v: string) => (v === "" ? undefined : Math.max(0, Math.min(150, Number(v))));
  return (
    <div class="page">
      <PaneHeader title={t("ct.nearby")} back="/friends" />
      <div class="page-body">
        {error ? <p class="form-error" role="alert" data-testid="nearby-error">{error}</p> : null}
        {mine && !mine.sharing ? <OptIn onShare={(o) => void share(o)} busy={busy} /> : null}
        {mine?.sharing ? (
          <>
            <div class="card stack">
              {mine.expires_at ? <p class="muted small">{t("ct.nearby_until", { time: new Date(mine.expires_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) })}</p> : null}
              {!mine.listed ? <p class="muted small">{t("ct.nearby_hidden")}</p> : null}
              <div class="filters">
                <label class="field">
                  <span>{t("ct.gender")}</span>
                  <select value={filters.gender ?? ""} onChange={(e) => filter({ gender: (e.target as HTMLSelectElement).value || undefined })} data-testid="nearby-gender">
                    <option value="">{t("ct.gender_any")}</option>
                    {GENDERS.map((g) => (
                      <option key={g} value={g}>
                        {t(`ct.gender_${g}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label class="field">
                  <span>{t("ct.min_age")}</span>
                  <input type="number" min={0} max={150} value={filters.min_age ?? ""} onChange={(e) => filter({ min_age: age((e.target as HTMLInputElement).value) })} />
                </label>
                <label class="field">
                  <span>{t("ct.max_age")}</span>
                  <input type="number" min={0} max={150} value={filters.max_age ?? ""} onChange={(e) => filter({ max_age: age((e.target as HTMLInputElement).value) })} />
                </label>
              </div>
              <div class="button-row">
                <button class="btn" onClick={() => void load()} data-testid="nearby-refresh">
                  {t("ct.nearby_refresh")}
                </button>
                <button class="btn danger" onClick={() => void clear()} data-testid="nearby-clear">
                  {t("ct.nearby_clear")}
                </button>
              </div>
            </div>
            {people && !people.length ? <p class="empty">{t("ct.nearby_none")}</p> : null}
            <ul class="request-list">
              {(people ?? []).map((p) => (
                <li class="request-row" key={p.user.id} data-testid="nearby-person">
                  <Avatar id={p.user.id} name={p.user.name} size={40} />
                  <div class="request-main">
                    <strong>{p.user.name}</strong>
                    <span class="muted">
                      {[p.distance, p.gender ? t(`ct.gender_${p.gender as (typeof GENDERS)[number]}`) : "", p.age !== undefined ? t("ct.age", { n: p.age }) : ""].filter(Boolean).join(" · ")}
                    </span>
                    <div class="request-actions">
                      {client.store.state.friends[p.user.id] ? null : (
                        <button class="btn primary small" onClick={() => setHi(p)} data-testid="say-hi">
                          {t("ct.say_hi")}
                        </button>
                      )}
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
      {hi ? <SayHi client={client} person={hi} onClose={() => setHi(null)} /> : null}
    </div>
  );
}
