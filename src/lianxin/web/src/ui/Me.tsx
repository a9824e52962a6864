import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { relative } from "../format";
import { LANGS, getLang, setLang, t, type Lang } from "../i18n";
import type { Device } from "../types";
import { Avatar, Icon, PaneHeader } from "./common";
import { Confirm } from "./Dialog";
import { MyQr } from "./MyQr";

/** The Me tab's sidebar on a wide window: my card and the settings pages, which open
 * in the main pane (a phone shows the whole Me page in the tab instead). */
export function MeMenu({ client, active }: { client: Client; active: string }) {
  const me = client.store.state.me;
  const item = (route: string, href: string, icon: string, label: string, testId: string) => (
    <a class={`quick${active === route ? " active" : ""}`} href={href} aria-current={active === route ? "page" : undefined} data-testid={testId}>
      <span class="quick-icon">
        <Icon name={icon} />
      </span>
      {label}
    </a>
  );
  return (
    <section class="list-section" aria-label={t("me.title")}>
      <header class="sidebar-header">
        <h1>{t("me.title")}</h1>
      </header>
      <div class="scroll">
        {me ? (
          <div class="me-head me-card">
            <Avatar id={me.id} name={me.name} size={48} />
            <div>
              <h2>{me.name}</h2>
              <div class="muted small">
                {t("me.handle")}: {me.handle ?? t("me.handle_none")}
              </div>
            </div>
          </div>
        ) : null}
        <div class="quick-actions">
          {item("me", "#/me", "device", t("me.profile"), "me-profile-link")}
          {item("privacy", "#/privacy", "select", t("ct.privacy"), "me-privacy-link")}
        </div>
      </div>
    </section>
  );
}

/** My profile, QR code, language, devices and sign-out: in the Me tab on a phone, in the
 * main pane (`inPane`) on a wide window. */
export function MePage({ client, inPane = false }: { client: Client; inPane?: boolean }) {
  const me = client.store.state.me;
  const [name, setName] = useState(me?.name ?? "");
  const [handle, setHandle] = useState(me?.handle ?? "");
  const [bio, setBio] = useState(me?.bio ?? "");
  const [devices, setDevices] = useState<Device[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Device | null>(null);

  useEffect(() => {
    setName(me?.name ?? "");
    setHandle(me?.handle ?? "");
    setBio(me?.bio ?? "");
  }, [me?.name, me?.handle, me?.bio]);
  const loadDevices = () =>
    client.api
      .devices()
      .then(setDevices)
      .catch(() => {});
  useEffect(() => {
    void loadDevices();
  }, []);

  if (!me) return null;
  const changed = name.trim() !== me.name || handle.trim() !== (me.handle ?? "") || bio.trim() !== (me.bio ?? "");
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const fields: { name?: string; handle?: string; bio?: string } = {};
      if (name.trim() !== me.name) fields.name = name.trim();
      if (handle.trim() && handle.trim() !== (me.handle ?? "")) fields.handle = handle.trim();
      if (bio.trim() !== (me.bio ?? "")) fields.bio = bio.trim();
      const updated = await client.api.updateMe(fields);
      client.store.state.me = updated;
      client.store.setUsers([updated]);
      client.toast(t("me.saved"));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const signOutDevice = async (id: number) => {
    try {
      await client.api.signOutDevice(id);
      client.toast(t("me.device_signed_out"));
      await loadDevices();
    } catch (err) {
      client.toast(errorText(err));
    }
  };
  const body = (
      <div class={`scroll me-page${inPane ? " page-body" : ""}`} data-testid="me-page">
        <div class="me-head">
          <Avatar id={me.id} name={me.name} size={64} />
          <div>
            <h2 data-testid="my-name">{me.name}</h2>
            <div class="muted" data-testid="my-handle">
              {t("me.handle")}: {me.handle ?? t("me.handle_none")}
            </div>
            <div class="muted small">
              {t("me.phone")}: {me.phone}
            </div>
          </div>
        </div>
        <form class="card" onSubmit={save}>
          <label class="field">
            <span>{t("me.name")}</span>
            <input type="text" maxLength={64} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required />
          </label>
          <label class="field">
            <span>{t("me.handle")}</span>
            <input
              type="text"
              maxLength={32}
              value={handle}
              placeholder={t("me.handle_none")}
              onInput={(e) => setHandle((e.target as HTMLInputElement).value)}
              data-testid="handle-input"
            />
            <small class="muted">{t("me.handle_hint")}</small>
          </label>
          <label class="field">
            <span>{t("me.bio")}</span>
            <input type="text" maxLength={200} value={bio} onInput={(e) => setBio((e.target as HTMLInputElement).value)} />
          </label>
          {error ? (
            <p class="form-error" role="alert">
              {error}
            </p>
          ) : null}
          <button class="btn primary" type="submit" disabled={busy || !changed || !name.trim()}>
            {t("me.save")}
          </button>
        </form>
        <MyQr client={client} />
        <a class="card settings-link" href="#/privacy" data-testid="privacy-link">
          {t("ct.privacy")}
        </a>
        <div class="card">
          <label class="field">
            <span>{t("me.language")}</span>
            <select value={getLang()} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)} data-testid="lang">
              {LANGS.map((l) => (
                <option value={l.code} key={l.code}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div class="card">
          <h2 class="section-title">{t("me.devices")}</h2>
          <ul class="device-list">
            {devices.map((d) => (
              <li class="device-row" key={d.id} data-testid="device">
                <Icon name="device" />
                <span class="device-main">
                  <strong>{d.name}</strong>
                  <span class="muted small">{d.current ? t("me.this_device") : d.last_active_at ? t("me.last_active", { when: relative(d.last_active_at) }) : ""}</span>
                </span>
                {d.current ? null : (
                  <button class="btn small" type="button" onClick={() => setRevoking(d)} data-testid="device-sign-out">
                    {t("me.sign_out_device")}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {devices.length > 1 ? (
            <button
              class="btn"
              type="button"
              onClick={() =>
                void client.api
                  .signOutOthers()
                  .then((r) => {
                    client.toast(t("me.sign_out_others_done", { n: r.signed_out.length }));
                    return loadDevices();
                  })
                  .catch((e) => client.toast(errorText(e)))
              }
            >
              {t("me.sign_out_others")}
            </button>
          ) : null}
        </div>
        {revoking ? (
          <Confirm
            title={t("me.sign_out_device")}
            text={t("me.sign_out_device_confirm", { name: revoking.name })}
            action={t("me.sign_out_device")}
            danger
            onClose={() => setRevoking(null)}
            onConfirm={() => void signOutDevice(revoking.id)}
          />
        ) : null}
        <button class="btn danger wide" type="button" onClick={() => void client.signOut()} data-testid="sign-out">
          {t("me.sign_out")}
        </button>
      </div>
  );
  if (inPane) {
    return (
      <div class="page" aria-label={t("me.title")}>
        <PaneHeader title={t("me.title")} />
        {body}
      </div>
    );
  }
  return (
    <section class="list-section" aria-label={t("me.title")}>
      <header class="sidebar-header">
        <h1>{t("me.title")}</h1>
      </header>
      {body}
    </section>
  );
}
