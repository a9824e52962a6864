import { describe, expect, it } from "vitest";
import { JoinRequestCounts, runsGroup } from "./joinrequests";
import type { ChatSummary } from "./types";

function group(id: number, role: string, extra: Partial<ChatSummary> = {}): ChatSummary {
  return { id, kind: "group", title: `G${id}`, announcement: null, member_count: 3, last_seq: 0, last_activity_at: 0, active: true, role, visible_from: 0, read_seq: 0, unread: 0, muted: false, pinned: false, pinned_at: null, archived: false, last: null, ...extra };
}

const frame = (id: number, chat: number, state: string) => ({ t: "join_request", request: { id, chat, state, user: { id: 50 + id, name: "X", handle: null, bio: null } } });

describe("JoinRequestCounts", () => {
  it("reads the groups I run when connected, then follows the live frames", async () => {
    let reads = 0;
    const counts = new JoinRequestCounts(async () => {
      reads++;
      // 3: the server answered for a group my chat list does not show me running yet.
      return [{ id: 7, chat: 1, state: "pending" }, { id: 6, chat: 3, state: "pending" }];
    });
    await counts.refresh([group(1, "owner"), group(2, "admin"), group(3, "member"), group(4, "owner", { active: false }), { ...group(5, "owner"), kind: "direct" }]);
    expect(reads).toBe(1); // one read for every group I run
    expect(counts.count(1)).toBe(1);
    expect(counts.count(3)).toBe(0);
    expect(counts.apply(frame(8, 1, "pending"))).toBe(true);
    expect(counts.apply(frame(8, 1, "pending"))).toBe(false); // the same request again
    expect(counts.count(1)).toBe(2);
    expect(counts.apply(frame(9, 2, "pending"))).toBe(true);
    expect(counts.count(2)).toBe(1);
    expect(counts.apply(frame(7, 1, "approved"))).toBe(true); // decided (by me or another admin)
    expect(counts.apply(frame(8, 1, "declined"))).toBe(true);
    expect(counts.count(1)).toBe(0);
    expect(counts.apply({ t: "join_request" })).toBe(false);
  });

  it("keeps a frame that arrives while the read is under way (the answer may predate it)", async () => {
    let answer: (list: { id: number; chat: number; state: string }[]) => void = () => {};
    const counts = new JoinRequestCounts(() => new Promise((resolve) => (answer = resolve)));
    const refreshing = counts.refresh([group(1, "admin")]);
    counts.apply(frame(7, 1, "declined")); // decided while the list was being read
    counts.apply(frame(8, 1, "pending")); // and a new one filed
    answer([{ id: 7, chat: 1, state: "pending" }]); // read before both
    await refreshing;
    expect(counts.count(1)).toBe(1); // 8 only
    counts.apply(frame(8, 1, "approved"));
    expect(counts.count(1)).toBe(0);
  });

  it("forgets groups I no longer run, and keeps the count when a read fails", async () => {
    let fail = false;
    const counts = new JoinRequestCounts(async () => {
      if (fail) throw new Error("offline");
      return [{ id: 1, chat: 1, state: "pending" }];
    });
    await counts.refresh([group(1, "admin")]);
    fail = true;
    await counts.refresh([group(1, "admin")]);
    expect(counts.count(1)).toBe(1);
    await counts.refresh([group(1, "member")]); // demoted
    expect(counts.count(1)).toBe(0);
    expect(runsGroup(group(1, "owner"))).toBe(true);
  });

  it("does not ask when I run no group", async () => {
    let reads = 0;
    const counts = new JoinRequestCounts(async () => {
      reads++;
      return [];
    });
    await counts.refresh([group(1, "member")]);
    expect(reads).toBe(0);
  });
});
