// Sharing what is not a file: my location (the browser's position, with an optional place name)
// and a contact card (one of my friends). Both send through the outbox like any message.
import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { t } from "../i18n";
import { formatCoord, mapUrl } from "../media";
import type { ChatSummary, SystemData } from "../types";
import { Avatar } from "./common";
import { Dialog } from "./Dialog";

const PLACE_MAX = 100; // the server's limit on a location's name

type Fix = { lat: number; lon: number; accuracy: number };
type Where = { state: "locating" } | { state: "denied" } | { state: "failed" } | ({ state: "found" } & Fix);

/** Six decimals (~0.1 m) is all a map needs; the server takes WGS 84 degrees. */
function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** The browser's position, asked once when the sheet opens (the permission prompt is the browser's). */
function usePosition(): Where {
  const [where, setWhere] = useState<Where>({ state: "locating" });
  useEffect(() => {
    if (!("geolocation" in navigator)) return setWhere({ state: "failed" });
    let live = true;
    navigator.geolocation.getCurrentPosition(
      (p) => live && setWhere({ state: "found", lat: round6(p.coords.latitude), lon: round6(p.coords.longitude), accuracy: p.coords.accuracy }),
      (e) => live && setWhere({ state: e.code === e.PERMISSION_DENIED ? "denied" : "failed" }),
      { enableHighAccuracy: false, timeout: 15_000, maximumAge: 60_000 },
    );
    return () => {
      live = false;
    };
  }, []);
  return where;
}

export function LocationSheet({ client, chat, onClose }: { client: Client; chat: ChatSummary; onClose: () => void }) {
  const where = usePosition();
  const [name, setName] = useState("");
  const send = () => {
    if (where.state !== "found") return;
    const place = name.trim().replace(/\s+/g, " ");
    const content: Record<string, unknown> = { lat: where.lat, lon: where.lon, ...(place ? { name: place } : {}) };
    client.sendContent(chat.id, "location", content, { ...content } as SystemData);
    onClose();
  };
  return (
    <Dialog title={t("share.location")} onClose={onClose} testId="location-sheet">
      {where.state === "found" ? (
        <>
          <a class="share-map" href={mapUrl(where.lat, where.lon)} target="_blank" rel="noopener noreferrer" data-testid="location-coords">
            {formatCoord(where.lat, where.lon)}
          </a>
          <p class="muted small">{t("share.accuracy", { m: Math.max(1, Math.round(where.accuracy)) })}</p>
          <label class="field">
            <span>{t("share.place")}</span>
            <input
              type="text"
              maxLength={PLACE_MAX}
              value={name}
              placeholder={t("share.place_hint")}
              data-autofocus
              data-testid="location-name"
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => e.key === "Enter" && !e.isComposing && (e.preventDefault(), send())}
            />
          </label>
        </>
      ) : (
        <p class={where.state === "locating" ? "muted" : "share-problem"} role="status" data-testid="location-status">
          {where.state === "locating" ? t("share.locating") : where.state === "denied" ? t("share.denied") : t("share.failed")}
        </p>
      )}
      <div class="attach-foot">
        <span style={{ flex: 1 }} />
        <button type="button" class="btn primary" disabled={where.state !== "found"} onClick={send} data-testid="location-send">
          {t("share.send_location")}
        </button>
      </div>
    </Dialog>
  );
}

export function ContactSheet({ client, chat, onClose }: { client: Client; chat: ChatSummary; onClose: () => void }) {
  const store = client.store;
  const [query, setQuery] = useState("");
  const q = query.trim().toLowerCase();
  const friends = store.friendList().filter((f) => !q || [store.userName(f.id), f.name, f.handle ?? ""].some((s) => s.toLowerCase().includes(q)));
  const send = (id: number) => {
    const f = store.state.friends[id];
    if (!f) return;
    // The card carries the real name (as the server will): my remark for them stays mine.
    client.sendContent(chat.id, "contact", { user: id }, { user: id, name: f.name, handle: f.handle ?? null } as SystemData);
    onClose();
  };
  return (
    <Dialog title={t("share.contact")} onClose={onClose} testId="contact-sheet">
      <div class="search in-dialog">
        <input type="search" placeholder={t("share.search")} aria-label={t("share.search")} value={query} data-autofocus onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      </div>
      {friends.length ? (
        <ul class="pick-list dialog-list">
          {friends.map((f) => (
            <li key={f.id}>
              <button type="button" class="pick-row" onClick={() => send(f.id)} data-testid="contact-pick">
                <Avatar id={f.id} name={store.userName(f.id)} size={36} />
                <span>{store.userName(f.id)}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{q ? t("chats.no_match", { q: query }) : t("share.no_friends")}</p>
      )}
    </Dialog>
  );
}
