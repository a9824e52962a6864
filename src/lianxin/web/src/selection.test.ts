import { describe, expect, it } from "vitest";
import { forwardable, picked, prune, selectable, toggle } from "./selection";
import type { ChatEvent } from "./types";

const ev = (seq: number, extra: Partial<ChatEvent> = {}): ChatEvent => ({ chat: 1, seq, id: seq, from: 2, kind: "text", ts: seq, text: `m${seq}`, ...extra });

describe("selection", () => {
  it("toggles seqs without mutating", () => {
    const a = new Set<number>();
    const b = toggle(a, 3);
    expect([...b]).toEqual([3]);
    expect(a.size).toBe(0);
    expect(toggle(b, 3).size).toBe(0);
  });
  it("picks loaded messages oldest first and never system lines", () => {
    const events = [ev(1, { kind: "system" }), ev(2), ev(3, { recalled: true, text: undefined }), ev(4)];
    expect(picked(events, new Set([4, 1, 2])).map((e) => e.seq)).toEqual([2, 4]);
    expect(selectable(events[0])).toBe(false);
    expect(forwardable(events[2])).toBe(false);
    expect(forwardable(events[3])).toBe(true);
    expect(forwardable(ev(5, { kind: "photo", data: { media: 1 } as ChatEvent["data"] }))).toBe(true);
    expect(forwardable(ev(6, { kind: "chat_record" }))).toBe(true);
    expect(forwardable(ev(7, { kind: "view_once" }))).toBe(false);
    expect(forwardable(ev(8, { kind: "card" }))).toBe(false);
  });
  it("prunes seqs that went away", () => {
    expect([...prune([ev(2)], new Set([2, 5]))]).toEqual([2]);
  });
});
