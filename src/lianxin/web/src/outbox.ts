// Messages typed but not yet acknowledged, persisted so a reload or going offline loses
// nothing. Each carries its client id, so re-sending after a reconnect can't make twins.
import type { KV } from "./kv";
import { readJSON, writeJSON } from "./kv";
import type { PendingSend, SendOptions } from "./types";

export function newClientId(): string {
  const c = globalThis.crypto;
  if (c && "randomUUID" in c) return c.randomUUID().replace(/-/g, "");
  return Math.random().toString(36).slice(2) + Date.now().toString(36);
}

/** Server codes that will never succeed on retry: the message is marked failed. */
const PERMANENT = new Set([
  "blocked",
  "not_friends",
  "not_member",
  "text_too_long",
  "frame_too_large",
  "bad_frame",
  "bad_request",
  "forbidden",
  "not_allowed",
  "not_found",
]);

export function isPermanent(code: string): boolean {
  return PERMANENT.has(code);
}

export class Outbox {
  private items: PendingSend[];
  private listeners = new Set<() => void>();

  constructor(
    private kv?: KV,
    private key = "lx.outbox",
  ) {
    this.items = kv ? readJSON<PendingSend[]>(kv, key, []).filter((p) => p && p.cid && p.chat) : [];
  }

  add(chat: number, text: string, opts: SendOptions = {}, now = Date.now()): PendingSend {
    const item: PendingSend = { cid: newClientId(), chat, text, ts: now };
    if (opts.reply_to !== undefined) item.reply_to = opts.reply_to;
    if (opts.mentions?.length) item.mentions = opts.mentions;
    if (opts.mention_all) item.mention_all = true;
    this.items.push(item);
    this.changed();
    return item;
  }

  /** A message of another kind (photo, voice, sticker, …); `data` is shown until the server has it. */
  addContent(chat: number, kind: string, content: Record<string, unknown>, data: PendingSend["data"], text = "", now = Date.now()): PendingSend {
    const item: PendingSend = { cid: newClientId(), chat, text, ts: now, kind, content, data };
    this.items.push(item);
    this.changed();
    return item;
  }

  get(cid: string): PendingSend | undefined {
    return this.items.find((p) => p.cid === cid);
  }

  /** Oldest first: the order they were typed in. */
  all(): PendingSend[] {
    return [...this.items];
  }

  /** What should go to the server now (not failed for good). */
  sendable(): PendingSend[] {
    return this.items.filter((p) => !p.failed);
  }

  forChat(chat: number): PendingSend[] {
    return this.items.filter((p) => p.chat === chat);
  }

  remove(cid: string): PendingSend | undefined {
    const item = this.get(cid);
    if (item) {
      this.items = this.items.filter((p) => p.cid !== cid);
      this.changed();
    }
    return item;
  }

  fail(cid: string, code: string): void {
    const item = this.get(cid);
    if (item) {
      item.failed = code;
      this.changed();
    }
  }

  retry(cid: string): void {
    const item = this.get(cid);
    if (item) {
      delete item.failed;
      this.changed();
    }
  }

  clear(): void {
    this.items = [];
    this.changed();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    if (this.kv) writeJSON(this.kv, this.key, this.items);
    this.listeners.forEach((fn) => fn());
  }
}
