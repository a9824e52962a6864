import { beforeEach, describe, expect, it, vi } from "vitest";
import { barState, Client } from "./client";
import { MemoryKV } from "./kv";
import { FakeSocket } from "./test/fakes";

const ME = { id: 1, name: "Me", handle: null, bio: null, phone: "+1", privacy: { find_by_phone: true, find_by_handle: true, last_seen: "friends" as const, stranger_messages: false } };
const CHAT = { id: 10, kind: "direct", title: "Bob", announcement: null, member_count: 2, last_seq: 0, last_activity_at: 0, active: true, role: "member", visible_from: 0, read_seq: 0, unread: 0, muted: false, pinned: false, pinned_at: null, archived: false, last: null, peer: { id: 2, name: "Bob", handle: null, bio: null } };

function signedIn(kv = new MemoryKV()) {
  kv.setItem("lx.session", JSON.stringify({ token: "tok", userId: 1, deviceId: 1 }));
  const client = new Client("http://x", "ws://x/ws", kv, (url) => new FakeSocket(url));
  client.start();
  return { client, kv };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

describe("Client", () => {
  it("queues messages typed offline and sends them in order once synced", async () => {
    const { client, kv } = signedIn();
    client.send(10, "one");
    client.send(10, "two");
    expect(client.outbox.forChat(10).map((p) => p.text)).toEqual(["one", "two"]);
    expect(JSON.parse(kv.getItem("lx.outbox.1")!)).toHaveLength(2); // survives a reload

    const ws = FakeSocket.last();
    ws.handshake({ chats: [CHAT] }, ME);
    await flush();
    let sends = ws.frames("send");
    expect(sends.map((f) => f.text)).toEqual(["one"]); // one at a time keeps the order
    ws.recv({ t: "ack", r: sends[0].r, id: sends[0].id, chat: 10, seq: 1, mid: 1, ts: 5 });
    await flush();
    sends = ws.frames("send");
    expect(sends.map((f) => f.text)).toEqual(["one", "two"]);
    ws.recv({ t: "ack", r: sends[1].r, id: sends[1].id, chat: 10, seq: 2, mid: 2, ts: 6 });
    await flush();
    expect(client.outbox.all()).toEqual([]);
    expect(client.state.messages[10].map((e) => e.text)).toEqual(["one", "two"]);
  });

  it("resends with the same client id after a drop, and drops the copy the server already has", async () => {
    const { client } = signedIn();
    let ws = FakeSocket.last();
    ws.handshake({ chats: [CHAT] }, ME);
    const item = client.send(10, "hello")!;
    await flush();
    expect(ws.frames("send")[0].id).toBe(item.cid);
    ws.drop(); // no ack: it stays queued
    await flush();
    expect(client.outbox.all()).toHaveLength(1);
    client["conn"]!.kick();
    ws = FakeSocket.last();
    // The server stored it before the drop: catch-up brings it back with its client id.
    ws.open();
    ws.recv({ t: "welcome", heartbeat_s: 25, idle_timeout_s: 75 });
    ws.recv({ t: "evs", chat: 10, events: [{ chat: 10, seq: 1, id: 1, from: 1, kind: "text", ts: 5, cid: item.cid, text: "hello" }] });
    ws.recv({ t: "synced" });
    await flush();
    expect(client.outbox.all()).toEqual([]);
    expect(ws.frames("send")).toEqual([]);
  });

  it("acknowledges received messages and reads the open chat", async () => {
    const { client } = signedIn();
    const ws = FakeSocket.last();
    ws.handshake({ chats: [CHAT] }, ME);
    client.store.activeChat = 10;
    ws.recv({ t: "ev", chat: 10, seq: 1, id: 1, from: 2, kind: "text", ts: 5, text: "hi" });
    expect(ws.frames("read")).toEqual([{ t: "read", chat: 10, seq: 1 }]);
    await new Promise((r) => setTimeout(r, 350));
    expect(ws.frames("recv")).toEqual([{ t: "recv", chat: 10, seq: 1 }]);
  });

  it("marks a send refused for good as failed and tells the user", async () => {
    const { client } = signedIn();
    const ws = FakeSocket.last();
    ws.handshake({ chats: [CHAT] }, ME);
    const item = client.send(10, "hi")!;
    await flush();
    const f = ws.frames("send")[0];
    ws.recv({ t: "error", r: f.r, code: "not_friends", message: "add this user as a friend to message them" });
    await flush();
    expect(client.outbox.get(item.cid)?.failed).toBe("not_friends");
    expect(client.toasts.map((x) => x.text)).toEqual(["Add this person as a friend first."]);
  });

  it("signs out locally when the server says this device is signed out", () => {
    const { client, kv } = signedIn();
    FakeSocket.last().handshake({}, ME);
    FakeSocket.last().drop(4002);
    expect(client.signedIn).toBe(false);
    expect(kv.getItem("lx.session")).toBeNull();
  });

  it("resumes from the cached position after a reload", async () => {
    const { client, kv } = signedIn();
    const ws = FakeSocket.last();
    ws.handshake({ chats: [CHAT], since: 500 }, ME);
    ws.recv({ t: "ev", chat: 10, seq: 3, id: 3, from: 2, kind: "text", ts: 5, text: "hi" });
    client.saveCache();
    const again = new Client("http://x", "ws://x/ws", kv, (url) => new FakeSocket(url));
    again.start();
    expect(again.state.chats[10].title).toBe("Bob"); // instant, from the cache
    const ws2 = FakeSocket.last();
    ws2.open();
    expect(ws2.sent[0]).toEqual({ t: "hello", token: "tok", since: 500, seqs: { "10": 3 } });
  });
});

describe("Client and the server's settings", () => {
  it("says it is connecting from the start (an offline start never reaches the server)", () => {
    const { client } = signedIn();
    expect(client.status).toBe("connecting");
    FakeSocket.last().drop();
    expect(client.status).toBe("connecting");
  });

  it("takes the recall / edit windows from the welcome frame and keeps them for offline starts", () => {
    const { client, kv } = signedIn();
    expect(client.windows.recallMs).toBe(120_000); // the defaults before any welcome
    const ws = FakeSocket.last();
    ws.open();
    ws.recv({ t: "welcome", user: 1, device: 1, session: "s", heartbeat_s: 25, idle_timeout_s: 75, limits: { text: 4096, recall_window_s: 30, edit_window_s: 600 } });
    expect(client.windows).toEqual({ recallMs: 30_000, editMs: 600_000 });
    const again = new Client("http://x", "ws://x/ws", kv, (url) => new FakeSocket(url));
    expect(again.windows).toEqual({ recallMs: 30_000, editMs: 600_000 });
  });

  it("re-reads a shown read count when the server says readers passed it", async () => {
    const { client } = signedIn();
    const asked: string[] = [];
    client.api.reads = async (chat: number, seq: number) => {
      asked.push(`${chat}:${seq}`);
      return { seq, read: asked.length, members: 3 };
    };
    const ws = FakeSocket.last();
    ws.handshake({ chats: [CHAT] }, ME);
    client.readCounts.watch(10, 5, () => {});
    await flush();
    ws.recv({ t: "reads", chat: 10, after: 4, upto: 6 });
    await flush();
    ws.recv({ t: "reads", chat: 10, after: 5, upto: 9 }); // not about seq 5
    await flush();
    expect(asked).toEqual(["10:5", "10:5"]);
    expect(client.readCounts.get(10, 5)?.read).toBe(2);
  });
});

describe("The connection bar and the browser's network", () => {
  it("says offline whenever the browser is, connecting / updating otherwise, nothing once online", () => {
    expect(barState("connecting", false)).toBe("offline");
    expect(barState("syncing", false)).toBe("offline");
    expect(barState("connecting", true)).toBe("connecting");
    expect(barState("syncing", true)).toBe("syncing");
    expect(barState("online", false)).toBeNull();
    expect(barState("stopped", false)).toBeNull();
  });

  it("says offline from the first frame of an offline start, and connecting once the network is back", () => {
    let online = false;
    const kv = new MemoryKV();
    kv.setItem("lx.session", JSON.stringify({ token: "tok", userId: 1, deviceId: 1 }));
    const client = new Client("http://x", "ws://x/ws", kv, (url) => new FakeSocket(url), () => online);
    client.start();
    expect(client.bar).toBe("offline");
    FakeSocket.last().drop(); // the attempt fails; still offline
    expect(client.bar).toBe("offline");
    online = true;
    client.setBrowserOnline(true); // the browser's online event: reconnect now
    expect(client.bar).toBe("connecting");
    FakeSocket.last().handshake({}, ME);
    expect(client.bar).toBeNull();
  });

  it("notices the browser went offline without an event when a connect attempt fails", () => {
    let online = true;
    const kv = new MemoryKV();
    kv.setItem("lx.session", JSON.stringify({ token: "tok", userId: 1, deviceId: 1 }));
    const client = new Client("http://x", "ws://x/ws", kv, (url) => new FakeSocket(url), () => online);
    client.start();
    let renders = 0;
    client.subscribe(() => renders++);
    expect(client.bar).toBe("connecting");
    online = false; // e.g. the page loaded before the browser's offline state reached it
    FakeSocket.last().drop();
    expect(client.bar).toBe("offline");
    expect(renders).toBeGreaterThan(0); // the bar re-renders with the new text
  });
});

describe("A view that subscribes after it rendered", () => {
  it("is told at once when the client changed in between (a connect synced before the effect ran)", () => {
    const kv = new MemoryKV();
    kv.setItem("lx.session", JSON.stringify({ token: "tok", userId: 1, deviceId: 1 }));
    const client = new Client("http://x", "ws://x/ws", kv, (url) => new FakeSocket(url));
    client.start();
    const rendered = client.version; // the view renders "Connecting…"
    FakeSocket.last().handshake({}, ME); // welcome + sync + synced, before the view subscribes
    expect(client.bar).toBeNull();
    let renders = 0;
    client.subscribe(() => renders++, rendered);
    expect(renders).toBe(1); // re-render: the bar goes away
  });

  it("is not re-rendered for nothing when nothing changed", () => {
    const { client } = signedIn();
    let renders = 0;
    client.subscribe(() => renders++, client.version);
    client.subscribe(() => renders++);
    expect(renders).toBe(0);
  });
});

describe("Join request badges", () => {
  it("counts the pending requests of a group I run once online, and live after that", async () => {
    const { client } = signedIn();
    const asked: string[] = [];
    client.api.call = (async (method: string, path: string) => {
      asked.push(`${method} ${path}`);
      return path === "/api/v1/join-requests" ? [{ id: 3, chat: 20, state: "pending", user: { id: 9, name: "Ann", handle: null, bio: null } }] : [];
    }) as typeof client.api.call;
    const GROUP = { ...CHAT, id: 20, kind: "group", title: "Hike", peer: undefined, role: "admin" };
    const ws = FakeSocket.last();
    ws.handshake({ chats: [CHAT, GROUP] }, ME);
    await flush();
    expect(asked.filter((a) => a.includes("join-requests"))).toEqual(["GET /api/v1/join-requests"]); // one read
    expect(client.joinRequests.count(20)).toBe(1);
    let renders = 0;
    client.subscribe(() => renders++);
    ws.recv({ t: "join_request", request: { id: 4, chat: 20, state: "pending", user: { id: 8, name: "Bo", handle: null, bio: null } } });
    expect(client.joinRequests.count(20)).toBe(2);
    expect(renders).toBe(1);
    ws.recv({ t: "join_request", request: { id: 3, chat: 20, state: "approved", user: { id: 9, name: "Ann", handle: null, bio: null } } });
    expect(client.joinRequests.count(20)).toBe(1);
  });
});
