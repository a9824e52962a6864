import { describe, expect, it } from "vitest";
import { DEFAULT_WINDOWS, windowsFrom, within } from "./limits";
import { ReadCounts } from "./readcounts";
import type { ReadStats } from "./types";

const tick = () => new Promise((r) => setTimeout(r, 0));

function counts() {
  const calls: string[] = [];
  const answers: ((s: ReadStats) => void)[] = [];
  let read = 0;
  const rc = new ReadCounts((chat, seq) => {
    calls.push(`${chat}:${seq}`);
    return new Promise((resolve) => answers.push(() => resolve({ seq, read: ++read, members: 5 })));
  });
  const answerAll = async () => {
    while (answers.length) answers.shift()!({ seq: 0, read: 0, members: 0 });
    await tick();
  };
  return { rc, calls, answerAll };
}

describe("ReadCounts", () => {
  it("loads once per shown message and tells every watcher", async () => {
    const { rc, calls, answerAll } = counts();
    let a = 0;
    let b = 0;
    rc.watch(7, 30, () => a++);
    rc.watch(7, 30, () => b++);
    expect(calls).toEqual(["7:30"]);
    await answerAll();
    expect(rc.get(7, 30)?.read).toBe(1);
    expect([a, b]).toEqual([1, 1]);
  });

  it("re-reads only watched messages inside the changed range of that chat", async () => {
    const { rc, calls, answerAll } = counts();
    rc.watch(7, 30, () => {});
    rc.watch(7, 40, () => {});
    rc.watch(8, 35, () => {});
    await answerAll();
    calls.length = 0;
    rc.changed(7, 30, 39); // 30 is not inside (after is exclusive), 40 is past upto
    rc.changed(7, 29, 35);
    expect(calls).toEqual(["7:30"]);
    await answerAll();
    expect(rc.get(7, 30)?.read).toBe(4);
  });

  it("fetches once more when a change arrives while a fetch is in flight", async () => {
    const { rc, calls, answerAll } = counts();
    rc.watch(7, 30, () => {});
    rc.changed(7, 0, 30);
    rc.changed(7, 0, 30);
    expect(calls).toEqual(["7:30"]);
    await answerAll();
    expect(calls).toEqual(["7:30", "7:30"]); // the two changes coalesce into one re-read
    await answerAll();
    expect(calls).toHaveLength(2);
  });

  it("forgets unwatched messages and re-reads the watched ones after a reconnect", async () => {
    const { rc, calls, answerAll } = counts();
    const stop = rc.watch(7, 30, () => {});
    rc.watch(7, 31, () => {});
    await answerAll();
    stop();
    calls.length = 0;
    rc.changed(7, 0, 100);
    await answerAll();
    expect(calls).toEqual(["7:31"]);
    rc.refreshAll();
    await answerAll();
    expect(calls).toEqual(["7:31", "7:31"]);
  });
});

describe("windows", () => {
  it("come from the welcome frame, else the last known ones", () => {
    expect(windowsFrom({ t: "welcome", limits: { recall_window_s: 30, edit_window_s: 600 } })).toEqual({ recallMs: 30_000, editMs: 600_000 });
    expect(windowsFrom(null)).toEqual(DEFAULT_WINDOWS);
    const known = { recallMs: 1, editMs: 2 };
    expect(windowsFrom({ t: "welcome" }, known)).toEqual(known);
    expect(windowsFrom({ t: "welcome", limits: { recall_window_s: "x", edit_window_s: -1 } }, known)).toEqual(known);
  });

  it("close at the window's end", () => {
    expect(within(1000, 500, 1499)).toBe(true);
    expect(within(1000, 500, 1500)).toBe(false);
  });
});
