// Group read counts ("Read by N") of the messages on screen. Fetched when shown, re-read
// when the server's `reads` frame says readers passed them, and after a reconnect (frames
// sent while offline are lost). No polling: a quiet group costs nothing.
import type { ReadStats } from "./types";

type Fetch = (chat: number, seq: number) => Promise<ReadStats>;

const key = (chat: number, seq: number) => `${chat}:${seq}`;

export class ReadCounts {
  private cache = new Map<string, ReadStats>();
  private watchers = new Map<string, Set<() => void>>();
  private loading = new Set<string>();
  /** Keys that changed while their fetch was in flight: fetch once more after it. */
  private again = new Set<string>();

  constructor(private fetch: Fetch) {}

  get(chat: number, seq: number): ReadStats | null {
    return this.cache.get(key(chat, seq)) ?? null;
  }

  /** Call `fn` whenever the count of this message changes; the first watcher loads it. */
  watch(chat: number, seq: number, fn: () => void): () => void {
    const k = key(chat, seq);
    let set = this.watchers.get(k);
    if (!set) {
      set = new Set();
      this.watchers.set(k, set);
      void this.load(chat, seq);
    }
    set.add(fn);
    return () => {
      set!.delete(fn);
      if (!set!.size) this.watchers.delete(k);
    };
  }

  /** The `reads` frame: readers passed `after < seq <= upto` in `chat`. */
  changed(chat: number, after: number, upto: number): void {
    for (const k of this.watchers.keys()) {
      const [c, s] = k.split(":").map(Number);
      if (c === chat && s > after && s <= upto) void this.load(c, s);
    }
  }

  /** After a reconnect: whatever happened meanwhile was not pushed to us. */
  refreshAll(): void {
    for (const k of this.watchers.keys()) {
      const [c, s] = k.split(":").map(Number);
      void this.load(c, s);
    }
  }

  private async load(chat: number, seq: number): Promise<void> {
    const k = key(chat, seq);
    if (this.loading.has(k)) {
      this.again.add(k);
      return;
    }
    this.loading.add(k);
    try {
      this.cache.set(k, await this.fetch(chat, seq));
      this.watchers.get(k)?.forEach((fn) => fn());
    } catch {
      // a hint, not data: the next change or reconnect tries again
    } finally {
      this.loading.delete(k);
      if (this.again.delete(k) && this.watchers.has(k)) void this.load(chat, seq);
    }
  }
}
