// Bubble content of media and shared kinds: photo (with lightbox), voice (waveform), video, file,
// sticker, view-once photo, location, contact card, chat record, and text with a link preview.
// URLs come from mediaclient (signed, short-lived, in memory): no token ever goes into a URL.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../../client";
import { clock } from "../../format";
import { t } from "../../i18n";
import { barCount, fitBox, formatCoord, formatDuration, formatSize, kindLabel, mapUrl, waveformBars, type MediaData } from "../../media";
import { mediaOf, type Sticker } from "../../mediaclient";
import type { ChatEvent } from "../../types";
import { Avatar } from "../common";
import { Dialog } from "../Dialog";
import { MessageText } from "../MessageText";
import type { BodyProps, BodyView } from "./index";
import "../../media.css";

const VIEW_ONCE_TTL_MS = 24 * 3600_000;

type Variant = "content" | "thumb" | "preview" | "poster";

/** A signed URL of a media object, or "error" when it can't be read; null while asking. */
export function useMediaUrl(client: Client, id: number | undefined, variant: Variant): string | null | "error" {
  const [url, setUrl] = useState<string | null | "error">(null);
  useEffect(() => {
    if (!id) return setUrl("error");
    let live = true;
    setUrl(null);
    mediaOf(client)
      .url(id, variant)
      .then(
        (u) => live && setUrl(u),
        () => live && setUrl("error"),
      );
    return () => {
      live = false;
    };
  }, [id, variant]);
  return url;
}

export function useMediaService(client: Client) {
  const media = mediaOf(client);
  const [, bump] = useState(0);
  useEffect(() => media.subscribe(() => bump((n) => n + 1)), []);
  return media;
}

function MediaIcon({ d, size = 22 }: { d: string; size?: number }) {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <path d={d} fill="currentColor" />
    </svg>
  );
}

export const ICONS = {
  play: "M8 5v14l11-7z",
  pause: "M6 19h4V5H6zm8-14v14h4V5z",
  file: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm4 18H6V4h7v5h5zM8 15h8v2H8zm0-4h8v2H8z",
  download: "M5 20h14v-2H5zm14-11h-4V3H9v6H5l7 7z",
  pin: "M12 2a7 7 0 0 0-7 7c0 5.3 7 13 7 13s7-7.7 7-13a7 7 0 0 0-7-7zm0 9.5a2.5 2.5 0 1 1 0-5 2.5 2.5 0 0 1 0 5z",
  fire: "M13.5.7s.7 2.6.7 4.7c0 2-1.3 3.6-3.3 3.6-2 0-3.5-1.6-3.5-3.6V5C5.4 7.4 4 10.5 4 14a8 8 0 0 0 16 0c0-5.4-2.6-10.2-6.5-13.3zM11.7 19c-1.8 0-3.2-1.4-3.2-3.1 0-1.6 1-2.8 2.8-3.1 1.8-.4 3.6-1.2 4.6-2.6.4 1.3.6 2.6.6 4A4.8 4.8 0 0 1 11.7 19z",
  eye: "M12 4.5C7 4.5 2.7 7.6 1 12c1.7 4.4 6 7.5 11 7.5s9.3-3.1 11-7.5c-1.7-4.4-6-7.5-11-7.5zM12 17a5 5 0 1 1 0-10 5 5 0 0 1 0 10zm0-8a3 3 0 1 0 0 6 3 3 0 0 0 0-6z",
  record: "M3 5h18v2H3zm0 6h18v2H3zm0 6h12v2H3z",
  photo: "M21 19V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2zM8.5 13.5l2.5 3 3.5-4.5 4.5 6H5z",
  close: "M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z",
  left: "M15.4 7.4 14 6l-6 6 6 6 1.4-1.4L10.8 12z",
  right: "M8.6 16.6 10 18l6-6-6-6-1.4 1.4 4.6 4.6z",
  mic: "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5.3-3a5.3 5.3 0 0 1-10.6 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9z",
  clip: "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z",
  sticker: "M12 2a10 10 0 1 0 10 10V12L12 2zm0 18a8 8 0 0 1 0-16v5a3 3 0 0 0 3 3h5a8 8 0 0 1-8 8zm-3.5-7a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm3.5 4.5a4.5 4.5 0 0 0 4-2.5H8a4.5 4.5 0 0 0 4 2.5z",
  star: "M12 17.3 18.2 21l-1.6-7L22 9.2l-7.2-.6L12 2 9.2 8.6 2 9.2 7.4 14l-1.6 7z",
  store: "M20 4H4v2h16zm1 10v-2l-1-5H4l-1 5v2h1v6h10v-6h4v6h2v-6zm-9 4H6v-4h6z",
};
export { MediaIcon };

function dataOf(ev: ChatEvent): MediaData {
  return (ev.data ?? {}) as MediaData;
}

function Caption({ client, ev }: { client: Client; ev: ChatEvent }) {
  return ev.text ? (
    <div class="media-caption">
      <MessageText client={client} ev={ev} />
    </div>
  ) : null;
}

// -- photo + lightbox ---------------------------------------------------------------------

function PhotoImg({ client, d, big = false }: { client: Client; d: MediaData; big?: boolean }) {
  // An animated photo has no still thumbnail worth showing: the original keeps it moving.
  const has = (v: string) => d.variants?.includes(v);
  const variant: Variant = big ? (has("preview") ? "preview" : "content") : d.animated || !has("thumb") ? "content" : "thumb";
  const url = useMediaUrl(client, d.media, variant);
  if (url === "error") return <span class="media-missing">{t("media.unavailable")}</span>;
  if (!url) return <span class="media-loading" aria-label={t("media.loading")} />;
  return <img src={url} alt={t("media.photo")} decoding="async" draggable={false} data-testid={big ? "lightbox-img" : "photo-img"} />;
}

function PhotoBody({ client, chat, ev }: BodyProps) {
  const d = dataOf(ev);
  const [open, setOpen] = useState(false);
  const box = fitBox(d.width, d.height);
  return (
    <div class="media-body">
      <button type="button" class="photo-box" style={{ width: `${box.width}px`, height: `${box.height}px` }} onClick={() => setOpen(true)} aria-label={t("media.open_photo")} data-testid="photo">
        <PhotoImg client={client} d={d} />
      </button>
      <Caption client={client} ev={ev} />
      {open ? <Lightbox client={client} chat={chat.id} seq={ev.seq} onClose={() => setOpen(false)} /> : null}
    </div>
  );
}

/** Full-screen photo viewer over every loaded photo of the chat: ←/→ step through, Esc closes. */
export function Lightbox({ client, chat, seq, onClose }: { client: Client; chat: number; seq: number; onClose: () => void }) {
  const photos = (client.store.state.messages[chat] ?? []).filter((e) => e.kind === "photo" && !e.recalled);
  const [at, setAt] = useState(Math.max(0, photos.findIndex((e) => e.seq === seq)));
  const ev = photos[at];
  const box = useRef<HTMLDivElement>(null);
  const step = (n: number) => setAt((i) => Math.min(photos.length - 1, Math.max(0, i + n)));
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    box.current?.focus();
    return () => before?.focus?.();
  }, []);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") onClose();
    else if (e.key === "ArrowLeft") step(-1);
    else if (e.key === "ArrowRight") step(1);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const full = useMediaUrl(client, ev?.data?.media as number | undefined, "content");
  if (!ev) return null;
  return (
    <div class="lightbox" role="dialog" aria-modal="true" aria-label={t("media.lightbox")} tabIndex={-1} ref={box} onKeyDown={onKey} onClick={(e) => e.target === e.currentTarget && onClose()} data-testid="lightbox">
      <div class="lightbox-bar">
        <span>
          {client.store.userName(ev.from)} · {clock(ev.ts)}
        </span>
        <span class="lightbox-count">
          {at + 1} / {photos.length}
        </span>
        {typeof full === "string" && full !== "error" ? (
          <a class="icon-btn" href={full} target="_blank" rel="noopener" aria-label={t("media.open_original")} title={t("media.open_original")}>
            <MediaIcon d={ICONS.download} />
          </a>
        ) : null}
        <button type="button" class="icon-btn" onClick={onClose} aria-label={t("common.close")} title={t("common.close")} data-testid="lightbox-close">
          <MediaIcon d={ICONS.close} />
        </button>
      </div>
      <div class="lightbox-stage" onClick={(e) => e.target === e.currentTarget && onClose()}>
        <PhotoImg key={ev.seq} client={client} d={dataOf(ev)} big />
      </div>
      {ev.text ? <div class="lightbox-caption">{ev.text}</div> : null}
      {at > 0 ? (
        <button type="button" class="lightbox-nav prev" onClick={() => step(-1)} aria-label={t("media.prev")}>
          <MediaIcon d={ICONS.left} size={32} />
        </button>
      ) : null}
      {at < photos.length - 1 ? (
        <button type="button" class="lightbox-nav next" onClick={() => step(1)} aria-label={t("media.next")}>
          <MediaIcon d={ICONS.right} size={32} />
        </button>
      ) : null}
    </div>
  );
}

// -- voice --------------------------------------------------------------------------------

function VoiceBody({ client, chat, ev }: BodyProps) {
  const d = dataOf(ev);
  const media = useMediaService(client);
  const me = client.store.myId;
  const mine = ev.from === me;
  const key = `${chat.id}:${ev.seq}`;
  const [heard, setHeard] = useState<boolean | null>(mine ? true : null);
  const [playing, setPlaying] = useState(false);
  const [pos, setPos] = useState(0);
  const audio = useRef<HTMLAudioElement | null>(null);
  const url = useMediaUrl(client, d.media, "content");
  const duration = d.duration_ms ?? 0;
  // History and catch-up pages say whether I played it (or how many played mine); ask the
  // server only for a message no page has covered.
  const known = mine ? client.store.markCountOn(chat.id, ev.seq) : client.store.myMarkOn(chat.id, ev.seq);
  useEffect(() => {
    if (mine || !ev.seq || known !== undefined) return;
    let live = true;
    media.marks(chat.id, ev.seq).then(
      (marks) => live && setHeard(marks.some((m) => m.user === me && m.mark === "played")),
      () => live && setHeard(true),
    );
    return () => {
      live = false;
    };
  }, [key, known === undefined]);
  useEffect(() => () => audio.current?.pause(), []);
  const played = mine ? Number(known ?? 0) > 0 || (media.played.get(key)?.size ?? 0) > 0 : known === "played" || !!heard || !!media.played.get(key)?.has(me);
  const toggle = () => {
    if (typeof url !== "string" || url === "error") return;
    let a = audio.current;
    if (!a) {
      a = new Audio(url);
      a.preload = "auto";
      a.ontimeupdate = () => setPos(a!.currentTime * 1000);
      a.onended = () => {
        setPlaying(false);
        setPos(0);
      };
      a.onpause = () => setPlaying(false);
      a.onplay = () => setPlaying(true);
      audio.current = a;
    }
    if (a.paused) {
      void a.play().catch(() => client.toast(t("media.unavailable")));
      if (!mine && ev.seq) void media.markPlayed(chat.id, ev.seq);
    } else a.pause();
  };
  const bars = waveformBars(d.waveform, barCount(duration));
  const progress = duration ? Math.min(1, pos / duration) : 0;
  return (
    <div class={`voice-body${playing ? " playing" : ""}`} data-testid="voice" data-played={played ? "yes" : "no"}>
      <button type="button" class="voice-play" onClick={toggle} disabled={url === null || url === "error"} aria-label={playing ? t("media.pause") : t("media.play")} data-testid="voice-play">
        <MediaIcon d={playing ? ICONS.pause : ICONS.play} size={22} />
      </button>
      <span class="waveform" aria-hidden="true" data-testid="waveform">
        {bars.map((h, i) => (
          <span key={i} class={`bar${(i + 0.5) / bars.length <= progress ? " done" : ""}`} style={{ height: `${Math.round(h * 100)}%` }} />
        ))}
      </span>
      <span class="voice-time">{formatDuration(playing || pos ? pos : duration)}</span>
      {!played && !mine ? <span class="unplayed-dot" title={t("media.unplayed")} aria-label={t("media.unplayed")} data-testid="unplayed" /> : null}
    </div>
  );
}

// -- video --------------------------------------------------------------------------------

function VideoBody({ client, ev }: BodyProps) {
  const d = dataOf(ev);
  const [playing, setPlaying] = useState(false);
  const box = fitBox(d.width, d.height); // the photo size: 260 overflowed a phone bubble (62vw)
  const poster = useMediaUrl(client, d.poster ? d.media : undefined, "poster");
  const src = useMediaUrl(client, playing ? d.media : undefined, "content");
  return (
    <div class="media-body">
      <div class="video-box" style={{ width: `${box.width}px`, height: `${box.height}px` }} data-testid="video">
        {playing && typeof src === "string" && src !== "error" ? (
          <video src={src} controls autoPlay playsInline />
        ) : (
          <button type="button" class="video-poster" onClick={() => setPlaying(true)} aria-label={t("media.play_video")}>
            {typeof poster === "string" && poster !== "error" ? <img src={poster} alt="" /> : <span class="video-noposter">{t("media.no_poster")}</span>}
            <span class="video-play">
              <MediaIcon d={ICONS.play} size={34} />
            </span>
            {d.duration_ms ? <span class="video-duration">{formatDuration(d.duration_ms)}</span> : null}
          </button>
        )}
      </div>
      <Caption client={client} ev={ev} />
    </div>
  );
}

// -- file ---------------------------------------------------------------------------------

function FileBody({ client, ev }: BodyProps) {
  const d = dataOf(ev);
  const url = useMediaUrl(client, d.media, "content");
  const ok = typeof url === "string" && url !== "error";
  return (
    <div class="media-body">
      <a class={`file-card${ok ? "" : " disabled"}`} href={ok ? url : undefined} download={d.name ?? ""} data-testid="file" aria-label={`${t("media.download")} ${d.name ?? t("media.file")}`}>
        <span class="file-icon">
          <MediaIcon d={ICONS.file} size={28} />
        </span>
        <span class="file-meta">
          <span class="file-name" data-testid="file-name">
            {d.name ?? t("media.file")}
          </span>
          <span class="file-size muted small" data-testid="file-size">
            {url === "error" ? t("media.unavailable") : formatSize(d.size)}
          </span>
        </span>
        <span class="file-dl">
          <MediaIcon d={ICONS.download} size={20} />
        </span>
      </a>
      <Caption client={client} ev={ev} />
    </div>
  );
}

// -- sticker ------------------------------------------------------------------------------

export function StickerImg({ client, s, size = 140 }: { client: Client; s: Pick<Sticker, "url" | "emoji" | "width" | "height">; size?: number }) {
  const box = fitBox(s.width, s.height, size, 24);
  return <img class="sticker-img" src={mediaOf(client).stickerSrc(s.url)} alt={s.emoji || t("media.sticker")} width={box.width} height={box.height} loading="lazy" draggable={false} />;
}

function StickerBody({ client, ev }: BodyProps) {
  const s = ev.data as unknown as Sticker | undefined;
  if (!s?.url) return <span class="text">{t("media.sticker")}</span>;
  return (
    <span class="sticker-body" data-testid="sticker" title={s.emoji}>
      <StickerImg client={client} s={s} />
    </span>
  );
}

// -- quote thumbnail ----------------------------------------------------------------------

/**
 * A tiny picture standing for a photo, a video (its poster) or a sticker in a quote or the
 * reply bar; nothing for other kinds (and never for a view-once photo).
 */
export function QuoteThumb({ client, ev }: { client: Client; ev: ChatEvent }) {
  const d = dataOf(ev);
  const has = (v: string) => !!d.variants?.includes(v);
  const variant: Variant | null = ev.recalled ? null : ev.kind === "photo" ? (has("thumb") && !d.animated ? "thumb" : "content") : ev.kind === "video" && has("poster") ? "poster" : null;
  const url = useMediaUrl(client, variant ? d.media : undefined, variant ?? "thumb");
  const sticker = ev.kind === "sticker" && !ev.recalled ? (ev.data as unknown as Sticker | undefined) : undefined;
  const src = sticker?.url ? mediaOf(client).stickerSrc(sticker.url) : variant && url && url !== "error" ? url : null;
  if (!src) return null;
  return <img class={`quote-thumb${sticker ? " sticker" : ""}`} src={src} alt="" loading="lazy" data-testid="quote-thumb" />;
}

// -- view-once ----------------------------------------------------------------------------

function openedBy(client: Client, chat: number, seq: number): number[] {
  return (client.store.state.messages[chat] ?? []).filter((e) => e.kind === "system" && e.data?.type === "opened" && e.data.seq === seq).map((e) => Number(e.data?.by));
}

function ViewOnceBody({ client, chat, ev }: BodyProps) {
  const media = useMediaService(client);
  const me = client.store.myId;
  const mine = ev.from === me;
  const [marked, setMarked] = useState<number[]>([]);
  const [viewing, setViewing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [gone, setGone] = useState(false);
  const known = mine ? client.store.markCountOn(chat.id, ev.seq) : client.store.myMarkOn(chat.id, ev.seq);
  useEffect(() => {
    if (!ev.seq || known !== undefined) return;
    let live = true;
    media.marks(chat.id, ev.seq).then(
      (m) => live && setMarked(m.filter((x) => x.mark === "opened").map((x) => x.user)),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [chat.id, ev.seq, known === undefined]);
  const opened = [...marked, ...openedBy(client, chat.id, ev.seq)];
  const pageSaysOpened = known === "opened" || Number(known ?? 0) > 0;
  const expired = Date.now() - ev.ts > VIEW_ONCE_TTL_MS;
  const state = mine
    ? opened.length || pageSaysOpened ? "opened" : expired ? "expired" : "sent"
    : opened.includes(me) || gone || pageSaysOpened ? "opened" : expired ? "expired" : "ready";
  const label = state === "opened" ? t("media.vo_opened") : state === "expired" ? t("media.vo_expired") : state === "sent" ? t("media.vo_sent") : t("media.vo_tap");
  const open = async () => {
    if (state !== "ready" || busy) return;
    setBusy(true);
    try {
      setViewing(await media.openViewOnce(chat.id, ev.seq));
    } catch (e) {
      if (e && typeof e === "object" && "code" in e && (e as { code: string }).code === "gone") setGone(true);
      else client.toast(t("media.unavailable"));
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    if (viewing) URL.revokeObjectURL(viewing);
    setViewing(null);
    setGone(true);
  };
  return (
    <>
      <button type="button" class={`view-once vo-${state}`} onClick={open} disabled={state !== "ready" || busy} data-testid="view-once" data-state={state}>
        <MediaIcon d={state === "ready" ? ICONS.fire : ICONS.eye} size={24} />
        <span>{label}</span>
      </button>
      {viewing ? <ViewOnceViewer url={viewing} onClose={close} /> : null}
    </>
  );
}

function ViewOnceViewer({ url, onClose }: { url: string; onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <div
      class="lightbox view-once-viewer"
      role="dialog"
      aria-modal="true"
      aria-label={t("media.vo_viewer")}
      tabIndex={-1}
      ref={box}
      onKeyDown={(e) => e.key === "Escape" && (e.stopPropagation(), onClose())}
      onContextMenu={(e) => e.preventDefault()}
      data-testid="view-once-viewer"
    >
      <div class="lightbox-bar">
        <span>{t("media.vo_hint")}</span>
        <button type="button" class="icon-btn" onClick={onClose} aria-label={t("common.close")} title={t("common.close")} data-testid="view-once-close">
          <MediaIcon d={ICONS.close} />
        </button>
      </div>
      <div class="lightbox-stage" onClick={onClose}>
        <img src={url} alt={t("media.view_once")} draggable={false} />
      </div>
    </div>
  );
}

// -- location, contact, chat record, link preview ------------------------------------------

function LocationBody({ ev }: BodyProps) {
  const d = (ev.data ?? {}) as { lat?: number; lon?: number; name?: string; address?: string };
  if (typeof d.lat !== "number" || typeof d.lon !== "number") return <span class="text">{t("media.location")}</span>;
  return (
    <a class="location-card" href={mapUrl(d.lat, d.lon)} target="_blank" rel="noopener noreferrer" data-testid="location" title={t("media.map")}>
      <span class="location-pin">
        <MediaIcon d={ICONS.pin} size={28} />
      </span>
      <span class="location-text">
        <strong>{d.name ?? t("media.location")}</strong>
        {d.address ? <span class="muted small">{d.address}</span> : null}
        <span class="muted small">{formatCoord(d.lat, d.lon)}</span>
      </span>
    </a>
  );
}

/**
 * The card says who it is (as its sender saw them): a profile the server would not show me
 * (someone I share no chat with) still opens with that name, so I can ask to be friends.
 */
function seedCard(client: Client, d: { user?: number; name?: string; handle?: string | null }): void {
  if (d.user && !client.store.state.users[d.user] && !client.store.state.friends[d.user]) {
    client.store.setUsers([{ id: d.user, name: d.name ?? "", handle: d.handle ?? null, bio: null }]);
  }
}

function ContactBody({ client, ev }: BodyProps) {
  const d = (ev.data ?? {}) as { user?: number; name?: string; handle?: string | null };
  if (!d.user) return <span class="text">{t("media.contact")}</span>;
  return (
    <a class="contact-card" href={`#/user/${d.user}`} onClick={() => seedCard(client, d)} data-testid="contact" title={t("media.contact_view")}>
      <span class="contact-top">
        <Avatar id={d.user} name={d.name ?? "?"} size={44} />
        <span class="contact-text">
          <strong>{client.store.state.users[d.user]?.name ?? d.name}</strong>
          {d.handle ? <span class="muted small">@{d.handle}</span> : null}
        </span>
      </span>
      <span class="contact-foot muted small">{t("media.contact")}</span>
    </a>
  );
}

interface RecordItem {
  seq: number;
  from: number;
  name: string;
  kind: string;
  ts: number;
  text?: string;
  data?: Record<string, unknown>;
}

/** "[Photo] the place", "[Voice 0:07]", or a text: what one item of a record showed. */
function recordLine(it: RecordItem): string {
  const label = it.kind === "text" ? "" : kindLabel(it.kind, it.data as MediaData & Record<string, unknown>);
  return [label, it.text ?? ""].filter(Boolean).join(" ");
}

function ChatRecordBody({ client, ev }: BodyProps) {
  const d = (ev.data ?? {}) as { title?: string; items?: RecordItem[] };
  const items = d.items ?? [];
  const [open, setOpen] = useState(false);
  const title = d.title ? t("media.record_of", { title: d.title }) : t("media.record_untitled");
  return (
    <>
      <button type="button" class="record-card" onClick={() => setOpen(true)} data-testid="chat-record">
        <strong>{title}</strong>
        {items.slice(0, 3).map((it) => (
          <span key={it.seq} class="record-line muted small">
            {it.name}: {recordLine(it)}
          </span>
        ))}
        <span class="record-foot muted small">{t("media.record_more", { n: items.length })}</span>
      </button>
      {open ? (
        <Dialog title={title} onClose={() => setOpen(false)} testId="record-viewer">
          <div class="record-list">
            {items.map((it) => (
              <div key={it.seq} class="record-item">
                <Avatar id={it.from} name={it.name} size={32} />
                <div>
                  <div class="record-head">
                    <strong>{it.name}</strong> <span class="muted small">{clock(it.ts)}</span>
                  </div>
                  {it.kind === "sticker" && it.data?.url ? <StickerImg client={client} s={it.data as unknown as Sticker} size={80} /> : <div>{recordLine(it)}</div>}
                </div>
              </div>
            ))}
          </div>
        </Dialog>
      ) : null}
    </>
  );
}

interface LinkData {
  url: string;
  title?: string;
  description?: string;
  image?: string;
  site?: string;
}

function safeHttp(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

function TextWithLink({ client, ev }: BodyProps) {
  const link = ev.data?.link as LinkData | undefined;
  const href = safeHttp(link?.url);
  return (
    <>
      <MessageText client={client} ev={ev} />
      {link && href ? (
        <a class="link-card" href={href} target="_blank" rel="noopener noreferrer" data-testid="link-preview">
          {link.site ? <span class="link-site muted small">{link.site}</span> : null}
          {link.title ? <strong class="link-title">{link.title}</strong> : null}
          {link.description ? <span class="link-desc small">{link.description}</span> : null}
        </a>
      ) : null}
    </>
  );
}

export const MEDIA_BODIES: Record<string, BodyView> = {
  text: TextWithLink,
  photo: PhotoBody,
  voice: VoiceBody,
  video: VideoBody,
  file: FileBody,
  sticker: StickerBody,
  view_once: ViewOnceBody,
  location: LocationBody,
  contact: ContactBody,
  chat_record: ChatRecordBody,
};
