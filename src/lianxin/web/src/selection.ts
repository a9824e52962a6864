// Multi-select in a conversation: which events can be picked, and what the picked set allows.
import type { ChatEvent } from "./types";

/** Messages can be picked; system lines cannot. */
export function selectable(ev: ChatEvent): boolean {
  return ev.kind !== "system";
}

/** Only visible text can be forwarded (not recalled messages). */
/** Kinds anyone may forward (media go by reference); not view-once photos, bot cards or system lines. */
const FORWARDABLE = new Set(["text", "photo", "voice", "video", "file", "sticker", "location", "contact", "chat_record"]);

export function forwardable(ev: ChatEvent): boolean {
  return FORWARDABLE.has(ev.kind) && !ev.recalled;
}

export function toggle(sel: ReadonlySet<number>, seq: number): Set<number> {
  const next = new Set(sel);
  if (next.has(seq)) next.delete(seq);
  else next.add(seq);
  return next;
}

/** The picked events still loaded, oldest first (forwarding keeps their order). */
export function picked(events: ChatEvent[], sel: ReadonlySet<number>): ChatEvent[] {
  return events.filter((e) => sel.has(e.seq) && selectable(e));
}

/** Drop seqs whose events went away (recalled or deleted elsewhere). */
export function prune(events: ChatEvent[], sel: ReadonlySet<number>): Set<number> {
  return new Set(picked(events, sel).map((e) => e.seq));
}
