import { beforeEach, describe, expect, it } from "vitest";
import { backoffDelay, Connection, FrameError, type ConnStatus } from "./connection";
import { SyncState } from "./sync";
import { FakeSocket, ManualTimers } from "./test/fakes";
import type { ServerFrame } from "./types";

function setup(sync = new SyncState()) {
  const timers = new ManualTimers();
  const frames: ServerFrame[] = [];
  const statuses: ConnStatus[] = [];
  let authLost = 0;
  const conn = new Connection({
    url: "ws://x/ws",
    token: "tok",
    sync,
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    onAuthLost: () => authLost++,
    createSocket: (url) => new FakeSocket(url),
    timers,
    random: () => 1,
  });
  return { conn, timers, frames, statuses, sync, authLost: () => authLost };
}

beforeEach(() => {
  FakeSocket.all = [];
});

describe("backoffDelay", () => {
  it("grows exponentially up to 30 s, with jitter", () => {
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(4000);
    expect(backoffDelay(20, () => 1)).toBe(30_000);
    expect(backoffDelay(3, () => 0)).toBe(2000);
  });
});

describe("Connection", () => {
  it("says hello with the resume point and goes online after synced", () => {
    const sync = new SyncState();
    sync.note({ t: "sync", since: 77, chats: [] });
    sync.seen(4, 12);
    const { conn, statuses } = setup(sync);
    conn.start();
    const ws = FakeSocket.last();
    ws.open();
    expect(ws.sent[0]).toEqual({ t: "hello", token: "tok", since: 77, seqs: { "4": 12 } });
    ws.recv({ t: "welcome", heartbeat_s: 25, idle_timeout_s: 75 });
    expect(conn.status).toBe("syncing");
    ws.recv({ t: "synced" });
    expect(conn.status).toBe("online");
    expect(statuses).toEqual(["syncing", "online"]);
  });

  it("updates the sync state from frames and passes them on", () => {
    const { conn, frames, sync } = setup();
    conn.start();
    FakeSocket.last().handshake();
    FakeSocket.last().recv({ t: "ev", chat: 2, seq: 9, kind: "text" });
    expect(sync.seqs.get(2)).toBe(9);
    expect(frames.map((f) => f.t)).toContain("ev");
  });

  it("pings every heartbeat_s and drops a silent socket", () => {
    const { conn, timers } = setup();
    conn.start();
    const ws = FakeSocket.last();
    ws.handshake();
    timers.advance(25_000);
    expect(ws.frames("ping").length).toBe(1);
    timers.advance(200_000); // no frames come back
    expect(conn.status).toBe("connecting");
    expect(FakeSocket.all.length).toBeGreaterThan(1);
  });

  it("reconnects with growing backoff and resets it once synced", () => {
    const { conn, timers } = setup();
    conn.start();
    FakeSocket.last().drop();
    expect(conn.status).toBe("connecting");
    expect(timers.pending()).toEqual([500]);
    timers.advance(500);
    expect(FakeSocket.all.length).toBe(2);
    FakeSocket.last().drop();
    expect(timers.pending()).toEqual([1000]);
    timers.advance(1000);
    FakeSocket.last().handshake();
    expect(conn.attempts).toBe(0);
  });

  it("matches replies by r and rejects on error frames", async () => {
    const { conn } = setup();
    conn.start();
    const ws = FakeSocket.last();
    ws.handshake();
    const ok = conn.request({ t: "send", id: "c1", chat: 1, text: "hi" });
    const bad = conn.request({ t: "send", id: "c2", chat: 1, text: "hi" });
    const [f1, f2] = ws.frames("send");
    ws.recv({ t: "ack", r: f1.r, id: "c1", chat: 1, seq: 5 });
    ws.recv({ t: "error", r: f2.r, code: "not_member", message: "no such chat" });
    await expect(ok).resolves.toMatchObject({ t: "ack", seq: 5 });
    await expect(bad).rejects.toMatchObject({ code: "not_member" });
  });

  it("fails pending requests when the socket drops, and refuses while offline", async () => {
    const { conn } = setup();
    conn.start();
    FakeSocket.last().handshake();
    const pending = conn.request({ t: "ping" });
    FakeSocket.last().drop();
    await expect(pending).rejects.toBeInstanceOf(FrameError);
    await expect(conn.request({ t: "ping" })).rejects.toMatchObject({ code: "network" });
  });

  it("times out unanswered requests", async () => {
    const { conn, timers } = setup();
    conn.start();
    FakeSocket.last().handshake();
    const p = conn.request({ t: "ping" }, 1000);
    timers.advance(1000);
    await expect(p).rejects.toMatchObject({ code: "timeout" });
  });

  it("stops for good when the token is refused or the device signed out", () => {
    const { conn, timers, authLost } = setup();
    conn.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.recv({ t: "error", code: "unauthorized", message: "sign in first" });
    ws.drop(4001);
    expect(authLost()).toBe(1);
    expect(conn.status).toBe("stopped");
    timers.advance(60_000);
    expect(FakeSocket.all.length).toBe(1);
  });

  it("retries a hello refused for another reason instead of signing out", () => {
    const { conn, authLost } = setup();
    conn.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.recv({ t: "error", code: "bad_frame", message: "the first frame must be hello" });
    ws.drop(4001);
    expect(authLost()).toBe(0);
    expect(conn.status).toBe("connecting");
  });

  it("gives up on a socket that does not open or is not welcomed in time, and retries", () => {
    const { conn, timers, authLost } = setup();
    conn.start();
    timers.advance(9_999); // the TCP / WebSocket handshake hangs
    expect(FakeSocket.all.length).toBe(1);
    timers.advance(1);
    expect(FakeSocket.last().closed).not.toBeNull();
    expect(conn.status).toBe("connecting");
    timers.advance(500); // the first backoff
    expect(FakeSocket.all.length).toBe(2);
    const second = FakeSocket.last();
    second.open(); // opens and says hello, but no welcome comes back
    timers.advance(10_000);
    expect(second.closed).not.toBeNull();
    timers.advance(1000);
    FakeSocket.last().handshake();
    expect(conn.status).toBe("online");
    timers.advance(60_000); // a welcomed socket is not timed out
    expect(conn.status).toBe("online");
    expect(FakeSocket.all.length).toBe(3);
    expect(authLost()).toBe(0);
  });

  it("gives up on a catch-up that goes quiet before synced, but not on a long one", () => {
    const { conn, timers, authLost } = setup();
    conn.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.recv({ t: "welcome", heartbeat_s: 25, idle_timeout_s: 75 });
    for (let page = 0; page < 5; page++) {
      timers.advance(9_000); // a slow catch-up: each page well within the limit
      ws.recv({ t: "evs", chat: 2, events: [{ chat: 2, seq: page + 1 }] });
    }
    expect(ws.closed).toBeNull();
    expect(conn.status).toBe("syncing");
    timers.advance(10_000); // then nothing: no more pages, no synced
    expect(ws.closed).not.toBeNull();
    expect(conn.status).toBe("connecting");
    timers.advance(500);
    FakeSocket.last().handshake();
    expect(conn.status).toBe("online");
    expect(FakeSocket.all.length).toBe(2);
    expect(authLost()).toBe(0);
  });

  it("retries when the server closes 4001 without refusing the token (it never got the hello)", () => {
    const { conn, timers, authLost } = setup();
    conn.start();
    FakeSocket.last().open();
    FakeSocket.last().drop(4001); // "say hello first": no error frame came before it
    expect(authLost()).toBe(0);
    expect(conn.status).toBe("connecting");
    timers.advance(500);
    FakeSocket.last().handshake();
    expect(conn.status).toBe("online");
  });

  it("kick() reconnects at once instead of waiting for the backoff", () => {
    const { conn } = setup();
    conn.start();
    FakeSocket.last().drop();
    expect(FakeSocket.all.length).toBe(1);
    conn.kick();
    expect(FakeSocket.all.length).toBe(2);
  });
});
