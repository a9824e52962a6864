// How many join requests wait in each group I own or run, for the badges on its chat row
// and header. Read from the server when the connection comes up (frames missed offline
// are not replayed), then kept live by the `join_request` frames sent to admins.
import type { ChatSummary, ServerFrame } from "./types";

interface Shaped {
  id: number;
  chat: number;
  state: string;
}

export function runsGroup(chat: ChatSummary): boolean {
  return chat.kind === "group" && chat.active && (chat.role === "owner" || chat.role === "admin");
}

export class JoinRequestCounts {
  /** chat -> ids of its pending requests */
  private pending = new Map<number, Set<number>>();
  /** Frames seen while reads are under way (one list per refresh). */
  private recording = new Set<Shaped[]>();

  /** `load` reads every pending request in the groups I run, in one call. */
  constructor(private load: () => Promise<Shaped[]>) {}

  count(chat: number): number {
    return this.pending.get(chat)?.size ?? 0;
  }

  /** A `join_request` frame (filed, approved or declined); true when a count changed. */
  apply(frame: ServerFrame): boolean {
    const r = frame.t === "join_request" ? (frame.request as Shaped | undefined) : undefined;
    if (!r || typeof r.chat !== "number" || typeof r.id !== "number") return false;
    for (const seen of this.recording) seen.push(r);
    return this.note(r);
  }

  private note(r: Shaped): boolean {
    const ids = this.pending.get(r.chat) ?? new Set<number>();
    const before = ids.size;
    if (r.state === "pending") ids.add(r.id);
    else ids.delete(r.id);
    if (ids.size) this.pending.set(r.chat, ids);
    else this.pending.delete(r.chat);
    return ids.size !== before;
  }

  /** Re-read the groups I run (one request, not one per group); forget the rest (left,
   * or no longer an admin). Frames that arrive while the read is under way are replayed
   * over its answer, which may predate them (each request's last frame is its newest state). */
  async refresh(chats: ChatSummary[]): Promise<void> {
    const keep = new Set(chats.filter(runsGroup).map((c) => c.id));
    for (const chat of [...this.pending.keys()]) if (!keep.has(chat)) this.pending.delete(chat);
    if (!keep.size) return;
    const seen: Shaped[] = [];
    this.recording.add(seen);
    try {
      const list = await this.load().catch(() => null);
      if (list === null) return; // best effort: the frames keep what is known up to date
      for (const chat of keep) this.pending.delete(chat);
      for (const r of list) if (keep.has(r.chat) && r.state === "pending") this.note(r);
      for (const r of seen) if (keep.has(r.chat)) this.note(r);
    } finally {
      this.recording.delete(seen);
    }
  }

  clear(): void {
    this.pending.clear();
  }
}
