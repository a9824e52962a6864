import { describe, expect, it } from "vitest";
import { MemoryKV } from "./kv";
import { isPermanent, Outbox } from "./outbox";

describe("Outbox", () => {
  it("keeps messages in typing order with unique client ids", () => {
    const o = new Outbox();
    const a = o.add(1, "first");
    const b = o.add(1, "second", { reply_to: 7 });
    o.add(2, "elsewhere");
    expect(a.cid).not.toBe(b.cid);
    expect(o.forChat(1).map((p) => p.text)).toEqual(["first", "second"]);
    expect(o.get(b.cid)?.reply_to).toBe(7);
  });

  it("persists across reloads (offline queue)", () => {
    const kv = new MemoryKV();
    const o = new Outbox(kv, "q");
    const p = o.add(3, "typed offline");
    const again = new Outbox(kv, "q");
    expect(again.all()).toEqual([p]);
    again.remove(p.cid);
    expect(new Outbox(kv, "q").all()).toEqual([]);
  });

  it("sets failed messages aside until retried", () => {
    const o = new Outbox();
    const p = o.add(1, "x");
    o.fail(p.cid, "not_friends");
    expect(o.sendable()).toEqual([]);
    o.retry(p.cid);
    expect(o.sendable().map((x) => x.cid)).toEqual([p.cid]);
  });

  it("knows which refusals are final", () => {
    expect(isPermanent("not_member")).toBe(true);
    expect(isPermanent("rate_limited")).toBe(false);
    expect(isPermanent("network")).toBe(false);
  });
});
