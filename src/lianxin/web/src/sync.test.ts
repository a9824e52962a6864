import { describe, expect, it } from "vitest";
import { MemoryKV } from "./kv";
import { SyncState } from "./sync";

describe("SyncState", () => {
  it("tracks the highest seq per chat from ev, evs and ack", () => {
    const s = new SyncState();
    s.note({ t: "ev", chat: 1, seq: 3 });
    s.note({ t: "evs", chat: 2, events: [{ chat: 2, seq: 5 }, { chat: 2, seq: 6 }] });
    s.note({ t: "ack", chat: 1, seq: 4 });
    s.note({ t: "ev", chat: 1, seq: 2 }); // older: ignored
    expect(Object.fromEntries(s.seqs)).toEqual({ 1: 4, 2: 6 });
  });

  it("takes since from sync and the floor of chats it has not seen", () => {
    const s = new SyncState();
    s.seen(1, 10);
    s.note({ t: "sync", since: 99, chats: [{ id: 1, last_seq: 12, visible_from: 0 }, { id: 7, last_seq: 20, visible_from: 4 }] });
    expect(s.since).toBe(99);
    expect(s.seqs.get(1)).toBe(10); // known chats keep their position
    expect(s.seqs.get(7)).toBe(4); // new ones start at what I may see
  });

  it("builds a resuming hello", () => {
    const s = new SyncState();
    expect(s.hello("tok")).toEqual({ t: "hello", token: "tok" });
    s.note({ t: "sync", since: 5, chats: [] });
    s.seen(3, 8);
    expect(s.hello("tok")).toEqual({ t: "hello", token: "tok", since: 5, seqs: { "3": 8 } });
  });

  it("persists and reloads", () => {
    const kv = new MemoryKV();
    const a = new SyncState(kv, "k");
    a.note({ t: "sync", since: 42, chats: [] });
    a.seen(9, 77);
    a.save();
    const b = new SyncState(kv, "k");
    expect(b.since).toBe(42);
    expect(b.seqs.get(9)).toBe(77);
    expect(SyncState.fromSnapshot(a.snapshot()).seqs.get(9)).toBe(77);
  });

  it("survives a corrupt stored value", () => {
    const kv = new MemoryKV();
    kv.setItem("k", "{nope");
    const s = new SyncState(kv, "k");
    expect(s.since).toBeNull();
    expect(s.seqs.size).toBe(0);
  });
});
