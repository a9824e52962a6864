// What this device has seen (mirrors SyncState in src/lianxin/client/connection.py):
// the `since` token for state and the last seq per chat, persisted to resume after reloads.
import type { KV } from "./kv";
import { readJSON, writeJSON } from "./kv";
import type { ServerFrame } from "./types";

export interface SyncSnapshot {
  since: number | null;
  seqs: Record<string, number>;
}

export class SyncState {
  since: number | null = null;
  seqs = new Map<number, number>();

  constructor(
    private kv?: KV,
    private key = "lx.sync",
  ) {
    if (kv) this.load(readJSON<SyncSnapshot>(kv, key, { since: null, seqs: {} }));
  }

  /** Update from a server frame; returns true when something changed. */
  note(frame: ServerFrame): boolean {
    switch (frame.t) {
      case "ev":
      case "ack":
        return this.seen(frame.chat, frame.seq);
      case "evs": {
        let changed = false;
        for (const ev of frame.events as { chat: number; seq: number }[]) {
          changed = this.seen(ev.chat, ev.seq) || changed;
        }
        return changed;
      }
      case "sync": {
        this.since = frame.since;
        for (const chat of frame.chats as { id: number; last_seq: number; visible_from: number }[]) {
          if (!this.seqs.has(chat.id)) this.seqs.set(chat.id, Math.min(chat.last_seq, chat.visible_from));
        }
        return true;
      }
      case "gap":
        // The device will page the gap in from history; the seq after it is what counts.
        return false;
    }
    return false;
  }

  seen(chat: number, seq: number): boolean {
    if (seq > (this.seqs.get(chat) ?? 0)) {
      this.seqs.set(chat, seq);
      return true;
    }
    return false;
  }

  /** The hello frame that resumes from here. */
  hello(token: string): Record<string, unknown> {
    const frame: Record<string, unknown> = { t: "hello", token };
    if (this.since !== null) frame.since = this.since;
    if (this.seqs.size) frame.seqs = Object.fromEntries([...this.seqs].map(([k, v]) => [String(k), v]));
    return frame;
  }

  forget(chat: number): void {
    this.seqs.delete(chat);
  }

  static fromSnapshot(snap: SyncSnapshot | null | undefined): SyncState {
    const state = new SyncState();
    if (snap) state.load(snap);
    return state;
  }

  load(snap: SyncSnapshot): void {
    this.since = typeof snap.since === "number" ? snap.since : null;
    this.seqs.clear();
    for (const [k, v] of Object.entries(snap.seqs ?? {})) {
      if (Number.isFinite(Number(k)) && typeof v === "number") this.seqs.set(Number(k), v);
    }
  }

  reset(): void {
    this.since = null;
    this.seqs.clear();
    this.save();
  }

  snapshot(): SyncSnapshot {
    return { since: this.since, seqs: Object.fromEntries([...this.seqs].map(([k, v]) => [String(k), v])) };
  }

  save(): void {
    if (this.kv) writeJSON(this.kv, this.key, this.snapshot());
  }
}
