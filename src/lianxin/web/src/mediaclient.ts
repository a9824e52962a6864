// Media, stickers and albums for one signed-in client: uploads (with progress, resumable for big
// files), signed download URLs (kept in memory only: they expire, and hold no token), view-once
// opening, voice "played" marks, the sticker collection and the sticker store.
import { ApiError, type Api } from "./api";
import type { Client } from "./client";
import { messageData, UploadQueue, urlsFresh, type MediaObject, type NewUpload, type UploadItem } from "./media";
import type { ServerFrame } from "./types";

export interface Sticker {
  pack: number;
  index: number;
  emoji: string;
  mime: string;
  width: number;
  height: number;
  animated: boolean;
  url: string;
}

export interface StickerPack {
  id: number;
  slug: string;
  title: string;
  animated: boolean;
  count: number;
  cover: string;
  updated_at: number;
  stickers?: Sticker[];
}

export interface MyStickers {
  packs: StickerPack[];
  favourites: Sticker[];
}

export interface Mark {
  user: number;
  mark: "played" | "opened";
  ts: number;
}

export interface AlbumEntry {
  id: number;
  chat: number;
  uploader: number;
  caption: string | null;
  created_at: number;
  media: MediaObject;
}

/** Above this a file goes up in resumable chunks (a dropped connection resumes, not restarts). */
export const WHOLE_MAX = 4 * 1024 * 1024;

type Progress = (sent: number) => void;

/** One request with upload progress (fetch has none); resolves the JSON reply or throws ApiError. */
function xhr<T>(api: Api, method: string, path: string, body: Blob, headers: Record<string, string>, onProgress: Progress, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = new XMLHttpRequest();
    req.open(method, api.base + path);
    if (api.token) req.setRequestHeader("Authorization", `Bearer ${api.token}`);
    for (const [k, v] of Object.entries(headers)) req.setRequestHeader(k, v);
    req.upload.onprogress = (e) => onProgress(e.loaded);
    req.onload = () => {
      let data: { code?: string; message?: string } = {};
      try {
        data = JSON.parse(req.responseText || "{}");
      } catch {
        // not JSON: the status decides
      }
      if (req.status >= 200 && req.status < 300) resolve(data as T);
      else reject(new ApiError(req.status, typeof data.code === "string" ? data.code : req.status >= 500 ? "internal" : "unknown", String(data.message ?? "")));
    };
    req.onerror = () => reject(new ApiError(0, "network", "network error"));
    req.onabort = () => reject(new ApiError(0, "aborted", "cancelled"));
    signal.addEventListener("abort", () => req.abort());
    req.send(body);
  });
}

export class MediaClient {
  readonly uploads: UploadQueue;
  private urlCache = new Map<number, Promise<MediaObject>>();
  private markCache = new Map<string, Promise<Mark[]>>();
  /** chat:seq -> users who played it, learned live */
  readonly played = new Map<string, Set<number>>();
  private mine: Promise<MyStickers> | null = null;
  private listeners = new Set<() => void>();

  constructor(private client: Client) {
    this.uploads = new UploadQueue(
      (item, progress, signal) => this.upload(item, progress, signal),
      (item, obj) => this.sendUploaded(item, obj),
    );
    this.uploads.subscribe(() => this.changed());
    client.onServerFrame((f) => this.onFrame(f));
  }

  private get api(): Api {
    return this.client.api;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.listeners.forEach((fn) => fn());
  }

  private onFrame(f: ServerFrame): void {
    if (f.t === "played") {
      const key = `${f.chat}:${f.seq}`;
      const set = this.played.get(key) ?? new Set<number>();
      set.add(Number(f.user));
      this.played.set(key, set);
      this.changed();
    } else if (f.t === "stickers") {
      this.mine = null;
      this.changed();
    }
  }

  // -- sending --------------------------------------------------------------------------

  /** Queue files to upload and send into a chat, in order. */
  attach(items: NewUpload[]): void {
    for (const u of items) this.uploads.add(u);
  }

  private sendUploaded(item: UploadItem, obj: MediaObject): void {
    const kind = item.viewOnce ? "view_once" : item.kind;
    const data = messageData(obj, !!item.viewOnce);
    this.client.sendContent(item.chat, kind, { media: obj.id }, data as Record<string, unknown>, item.caption?.trim() || "");
  }

  sendSticker(chat: number, s: Sticker): void {
    this.client.sendContent(chat, "sticker", { pack: s.pack, index: s.index }, { ...s });
  }

  /** Upload one file: whole with progress when small, else in resumable chunks. */
  async upload(item: Pick<UploadItem, "kind" | "file" | "name">, onProgress: Progress, signal: AbortSignal): Promise<MediaObject> {
    const { kind, file, name } = item;
    if (file.size <= WHOLE_MAX) {
      const qs = new URLSearchParams({ kind });
      if (name) qs.set("name", name);
      return xhr<MediaObject>(this.api, "POST", `/api/v1/media?${qs}`, file, {}, onProgress, signal);
    }
    const up = await this.api.call<{ id: string; offset: number; chunk_max: number }>("POST", "/api/v1/uploads", { kind, size: file.size, name: name || undefined });
    const cancel = () => void this.api.call("DELETE", `/api/v1/uploads/${up.id}`).catch(() => {});
    signal.addEventListener("abort", cancel);
    let offset = up.offset;
    let failures = 0;
    while (offset < file.size) {
      const end = Math.min(file.size, offset + up.chunk_max);
      try {
        const res = await xhr<{ offset: number }>(this.api, "PATCH", `/api/v1/uploads/${up.id}`, file.slice(offset, end), { "Upload-Offset": String(offset) }, (n) => onProgress(offset + n), signal);
        offset = res.offset;
        failures = 0;
      } catch (e) {
        if (signal.aborted || !(e instanceof ApiError) || !["network", "conflict", "internal"].includes(e.code) || ++failures > 3) throw e;
        // Ask the server how much it kept, and go on from there.
        await new Promise((r) => setTimeout(r, 500 * failures));
        offset = (await this.api.call<{ offset: number }>("GET", `/api/v1/uploads/${up.id}`)).offset;
      }
      onProgress(offset);
    }
    signal.removeEventListener("abort", cancel);
    return this.api.call<MediaObject>("POST", `/api/v1/uploads/${up.id}/finish`);
  }

  // -- reading --------------------------------------------------------------------------

  /** Media of an official account's chats, seen by its owner (who is not a member there):
   * asked through the account (`/api/v1/official/<account>/media/<id>`), signed for it. */
  private infoPaths = new Map<number, string>();

  viaAccount(id: number, account: number): void {
    if (!this.infoPaths.has(id)) this.infoPaths.set(id, `/api/v1/official/${account}/media/${id}`);
  }

  /** The media object with fresh signed URLs (asked once per hour or so, kept in memory). */
  info(id: number): Promise<MediaObject> {
    const cached = this.urlCache.get(id);
    if (cached) return cached;
    const p = this.api.call<MediaObject>("GET", this.infoPaths.get(id) ?? `/api/v1/media/${id}`);
    this.urlCache.set(id, p);
    p.then(
      (obj) => {
        const ttl = Number(obj.urls?.expires_at ?? 0) * 1000 - Date.now() - 60_000;
        setTimeout(() => this.urlCache.get(id) === p && this.urlCache.delete(id), Math.max(10_000, ttl));
      },
      () => setTimeout(() => this.urlCache.get(id) === p && this.urlCache.delete(id), 15_000),
    );
    return p;
  }

  /** A signed URL of a media object (or one of its variants), or null when it can't be read. */
  async url(id: number, variant: "content" | "thumb" | "preview" | "poster" = "content"): Promise<string> {
    let obj = await this.info(id);
    if (!urlsFresh(obj.urls, Date.now())) {
      this.urlCache.delete(id);
      obj = await this.info(id);
    }
    const u = obj.urls?.[variant] ?? obj.urls?.content;
    if (typeof u !== "string") throw new ApiError(404, "not_found", "");
    return this.api.base + u;
  }

  /** Open a view-once photo (once): an object URL of its bytes, to revoke when closed. */
  async openViewOnce(chat: number, seq: number): Promise<string> {
    let resp: Response;
    try {
      resp = await fetch(`${this.api.base}/api/v1/chats/${chat}/messages/${seq}/open`, {
        method: "POST",
        headers: this.api.token ? { Authorization: `Bearer ${this.api.token}` } : {},
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "network error");
    }
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}) as { code?: string });
      throw new ApiError(resp.status, typeof body.code === "string" ? body.code : "unknown", "");
    }
    this.markCache.delete(`${chat}:${seq}`);
    return URL.createObjectURL(await resp.blob());
  }

  /** Who played / opened a message (asked once per message, then kept up to date by frames and events). */
  marks(chat: number, seq: number): Promise<Mark[]> {
    const key = `${chat}:${seq}`;
    let p = this.markCache.get(key);
    if (!p) {
      p = this.api.call<{ marks: Mark[] }>("GET", `/api/v1/chats/${chat}/messages/${seq}/marks`).then((r) => r.marks);
      p.catch(() => this.markCache.delete(key));
      this.markCache.set(key, p);
    }
    return p;
  }

  /** I listened to a voice note: tell the server (it tells the sender) once. */
  async markPlayed(chat: number, seq: number): Promise<void> {
    const key = `${chat}:${seq}`;
    const me = this.client.store.myId;
    if (this.played.get(key)?.has(me)) return;
    const set = this.played.get(key) ?? new Set<number>();
    set.add(me);
    this.played.set(key, set);
    this.changed();
    try {
      await this.api.call("POST", `/api/v1/chats/${chat}/messages/${seq}/played`);
    } catch {
      set.delete(me); // try again next time it is played
    }
  }

  // -- stickers -------------------------------------------------------------------------

  myStickers(): Promise<MyStickers> {
    this.mine ??= this.api.call<MyStickers>("GET", "/api/v1/me/stickers");
    this.mine.catch(() => (this.mine = null));
    return this.mine;
  }

  stickerStore(after = 0): Promise<{ packs: StickerPack[]; next: number | null }> {
    return this.api.call("GET", `/api/v1/stickers/store?after=${after}&limit=50`);
  }

  pack(id: number): Promise<StickerPack> {
    return this.api.call("GET", `/api/v1/stickers/${id}`);
  }

  async setPack(id: number, on: boolean): Promise<MyStickers> {
    const res = await this.api.call<MyStickers>(on ? "PUT" : "DELETE", `/api/v1/me/stickers/packs/${id}`);
    this.mine = Promise.resolve(res);
    this.changed();
    return res;
  }

  async setFavourite(s: Sticker, on: boolean): Promise<MyStickers> {
    const res = await this.api.call<MyStickers>(on ? "PUT" : "DELETE", `/api/v1/me/stickers/favourites/${s.pack}/${s.index}`);
    this.mine = Promise.resolve(res);
    this.changed();
    return res;
  }

  stickerSrc(path: string): string {
    return this.api.base + path;
  }

  // -- group album ----------------------------------------------------------------------

  album(chat: number, before?: number): Promise<{ entries: AlbumEntry[]; more: boolean }> {
    const qs = new URLSearchParams({ limit: "30" });
    if (before) qs.set("before", String(before));
    return this.api.call("GET", `/api/v1/chats/${chat}/album?${qs}`);
  }

  async albumAdd(chat: number, file: File, onProgress: Progress, signal: AbortSignal): Promise<AlbumEntry> {
    const obj = await this.upload({ kind: "photo", file, name: file.name }, onProgress, signal);
    return this.api.call<AlbumEntry>("POST", `/api/v1/chats/${chat}/album`, { media: obj.id });
  }
}

const services = new WeakMap<Client, MediaClient>();

/** The media service of a client (made on first use). */
export function mediaOf(client: Client): MediaClient {
  let m = services.get(client);
  if (!m) {
    m = new MediaClient(client);
    services.set(client, m);
  }
  return m;
}
