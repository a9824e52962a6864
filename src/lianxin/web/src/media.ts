// Media logic without UI: how big a photo box is, how a waveform becomes bars, what kind an
// attached file is, how sizes and durations read, and the serial upload queue that turns
// picked files into sends (the outbox takes over once the server has the bytes).
import { t } from "./i18n";

/** What the server stores for a media message (`data`), see docs/protocol.md "Message kinds". */
export interface MediaData {
  media?: number;
  mime?: string;
  size?: number;
  name?: string;
  width?: number | null;
  height?: number | null;
  animated?: boolean;
  duration_ms?: number | null;
  waveform?: number[] | null;
  poster?: boolean;
  variants?: string[];
  view_once?: boolean;
}

/** A media object as the upload / info endpoints return it. */
export interface MediaObject extends Omit<MediaData, "media"> {
  id: number;
  kind: "photo" | "voice" | "video" | "file";
  urls?: Record<string, string | number>;
}

export type UploadKind = MediaObject["kind"];

/** The `data` a message carrying `obj` will have (what the server builds from it). */
export function messageData(obj: MediaObject, viewOnce = false): MediaData {
  const { id, kind: _kind, urls: _urls, ...rest } = obj;
  const clean = Object.fromEntries(Object.entries(rest).filter(([k]) => !["sha256", "owner", "created_at"].includes(k))) as MediaData;
  if (viewOnce) return { media: id, mime: obj.mime, width: obj.width, height: obj.height, view_once: true };
  return { media: id, ...clean };
}

/** Bubble size of a photo: fits in max×max keeping its shape, never smaller than `min` on a side. */
export function fitBox(width: number | null | undefined, height: number | null | undefined, max = 240, min = 60): { width: number; height: number } {
  if (!width || !height || width <= 0 || height <= 0) return { width: max, height: Math.round(max * 0.75) };
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(min, Math.round(width * scale)), height: Math.max(min, Math.round(height * scale)) };
}

/**
 * The server's waveform (0–255 peaks, usually 64) resampled to `count` bars of 0.1–1: each bar
 * is the loudest peak of its span, so short clicks still show. No waveform: a flat, quiet line.
 */
export function waveformBars(wave: readonly number[] | null | undefined, count: number): number[] {
  if (count <= 0) return [];
  if (!wave || !wave.length) return new Array(count).fill(0.15);
  const peak = Math.max(...wave.map((v) => (Number.isFinite(v) ? v : 0)), 1);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor((i * wave.length) / count);
    const end = Math.max(start + 1, Math.floor(((i + 1) * wave.length) / count));
    let m = 0;
    for (let j = start; j < end && j < wave.length; j++) m = Math.max(m, Number.isFinite(wave[j]) ? wave[j] : 0);
    out.push(Math.round(Math.max(0.1, Math.min(1, m / peak)) * 100) / 100);
  }
  return out;
}

/** How many bars fit a voice bubble: longer notes get wider bubbles, within limits. */
export function barCount(durationMs: number | null | undefined): number {
  const s = (durationMs ?? 0) / 1000;
  return Math.round(Math.min(40, Math.max(16, 14 + s * 0.9)));
}

/** "0:07", "1:05", "1:02:03". */
export function formatDuration(ms: number | null | undefined): string {
  const total = Math.max(0, Math.round((ms ?? 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** "512 B", "1.2 KB", "34 MB", "1.5 GB". */
export function formatSize(bytes: number | null | undefined): string {
  const n = Math.max(0, bytes ?? 0);
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const PHOTO_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const VIDEO_TYPES = new Set(["video/mp4", "video/webm", "video/quicktime", "video/x-matroska"]);

/** What a picked file is sent as: photos and videos the server can process, anything else a file. */
export function kindOf(file: { type: string; name: string }): UploadKind {
  if (PHOTO_TYPES.has(file.type)) return "photo";
  if (VIDEO_TYPES.has(file.type)) return "video";
  return "file";
}

/** A link that opens a place in a map site (OpenStreetMap: no account, no key). */
export function mapUrl(lat: number, lon: number): string {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
}

export function formatCoord(lat: number, lon: number): string {
  const f = (v: number, pos: string, neg: string) => `${Math.abs(v).toFixed(5)}°${v >= 0 ? pos : neg}`;
  return `${f(lat, "N", "S")}, ${f(lon, "E", "W")}`;
}

/** A signed URL is still good for a while (`expires_at` is in seconds). */
export function urlsFresh(urls: Record<string, string | number> | undefined, nowMs: number, marginS = 60): boolean {
  const exp = Number(urls?.expires_at ?? 0);
  return exp * 1000 - marginS * 1000 > nowMs;
}

/** The short label of a non-text message (chat list, quotes, chat records). */
export function kindLabel(kind: string, data: MediaData | Record<string, unknown> | undefined | null): string {
  const d = (data ?? {}) as Record<string, unknown>;
  switch (kind) {
    case "photo":
      return t("media.preview_photo");
    case "voice":
      return t("media.preview_voice", { d: formatDuration(Number(d.duration_ms ?? 0)) });
    case "video":
      return t("media.preview_video");
    case "file":
      return t("media.preview_file", { name: String(d?.name ?? "") });
    case "sticker":
      return t("media.preview_sticker", { emoji: String(d?.emoji ?? "") });
    case "view_once":
      return t("media.preview_view_once");
    case "location":
      return t("media.preview_location", { name: String(d?.name ?? "") });
    case "contact":
      return t("media.preview_contact", { name: String(d?.name ?? "") });
    case "chat_record":
      return t("media.preview_record", { title: String(d?.title ?? "") });
  }
  return "";
}

// -- upload queue ---------------------------------------------------------------------------

export type UploadStatus = "waiting" | "uploading" | "failed";

export interface UploadItem {
  id: string;
  chat: number;
  kind: UploadKind;
  file: Blob;
  name: string;
  size: number;
  /** bytes the server has */
  sent: number;
  status: UploadStatus;
  caption?: string;
  viewOnce?: boolean;
  durationMs?: number;
  /** An error code when it failed (shown as human text). */
  error?: string;
  ts: number;
}

export type Uploader = (item: UploadItem, onProgress: (sent: number) => void, signal: AbortSignal) => Promise<MediaObject>;

export interface NewUpload {
  chat: number;
  kind: UploadKind;
  file: Blob;
  name: string;
  caption?: string;
  viewOnce?: boolean;
  durationMs?: number;
}

/**
 * Uploads one at a time, in the order they were added, so messages arrive in the order picked.
 * When the server has a file, `onUploaded` hands it to the outbox (which sends it exactly once).
 */
export class UploadQueue {
  private items: UploadItem[] = [];
  private running: { id: string; abort: AbortController } | null = null;
  private listeners = new Set<() => void>();
  private seq = 0;

  constructor(
    private upload: Uploader,
    private onUploaded: (item: UploadItem, obj: MediaObject) => void,
    private now: () => number = () => Date.now(),
  ) {}

  add(u: NewUpload): UploadItem {
    const item: UploadItem = { ...u, id: `u${++this.seq}-${this.now()}`, size: u.file.size, sent: 0, status: "waiting", ts: this.now() };
    this.items.push(item);
    this.changed();
    void this.pump();
    return item;
  }

  forChat(chat: number): UploadItem[] {
    return this.items.filter((i) => i.chat === chat);
  }

  all(): UploadItem[] {
    return [...this.items];
  }

  /** Stop and forget an upload (the server drops what it got). */
  cancel(id: string): void {
    if (this.running?.id === id) this.running.abort.abort();
    this.items = this.items.filter((i) => i.id !== id);
    this.changed();
  }

  retry(id: string): void {
    const item = this.items.find((i) => i.id === id);
    if (!item || item.status !== "failed") return;
    item.status = "waiting";
    delete item.error;
    this.changed();
    void this.pump();
  }

  /** 0–1 of one item. */
  static progress(item: UploadItem): number {
    return item.size ? Math.min(1, item.sent / item.size) : 0;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.listeners.forEach((fn) => fn());
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const next = this.items.find((i) => i.status === "waiting");
    if (!next) return;
    const abort = new AbortController();
    this.running = { id: next.id, abort };
    next.status = "uploading";
    this.changed();
    try {
      const obj = await this.upload(next, (sent) => {
        next.sent = sent;
        this.changed();
      }, abort.signal);
      if (!abort.signal.aborted && this.items.includes(next)) {
        this.items = this.items.filter((i) => i !== next);
        this.onUploaded(next, obj);
      }
    } catch (e) {
      if (!abort.signal.aborted && this.items.includes(next)) {
        next.status = "failed";
        next.error = e && typeof e === "object" && "code" in e ? String((e as { code: unknown }).code) : "unknown";
      }
    } finally {
      this.running = null;
      this.changed();
      void this.pump();
    }
  }
}
