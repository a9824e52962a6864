import { describe, expect, it } from "vitest";
import { Api } from "./api";
import type { Client } from "./client";
import { fakeClient } from "./test/fakes";
import { applyInboxEvent, applyInboxRead, inboxUnread, mergeEvents, OfficialInbox, sortInbox } from "./officialInbox";
import type { ChatEvent, ChatSummary, ServerFrame } from "./types";

const ACCOUNT = 42;

function row(id: number, lastTs: number, extra: Partial<ChatSummary> = {}): ChatSummary {
  return {
    id,
    kind: "direct",
    title: `Fan ${id}`,
    announcement: null,
    member_count: 2,
    last_seq: 3,
    last_activity_at: lastTs,
    active: true,
    role: "member",
    visible_from: 0,
    read_seq: 3,
    unread: 0,
    muted: false,
    pinned: false,
    pinned_at: null,
    archived: false,
    last: { chat: id, seq: 3, id: id * 100 + 3, from: id, kind: "text", ts: lastTs, text: "hi" },
    peer: { id: id + 1000, name: `Fan ${id}`, handle: null },
    ...extra,
  } as ChatSummary;
}

function ev(chat: number, seq: number, from: number, ts = 10_000 + seq, text = `m${seq}`): ChatEvent {
  return { chat, seq, id: chat * 100 + seq, from, kind: "text", ts, text };
}

function setup(routes: Record<string, [number, unknown]>) {
  const { client, calls, toasts, frame } = fakeClient(routes);
  const inbox = new OfficialInbox(client);
  return { inbox, calls, toasts, frame };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("inbox lists", () => {
  it("puts the newest conversation first", () => {
    const list = sortInbox([row(1, 100), row(2, 300), row(3, 200)]);
    expect(list.map((c) => c.id)).toEqual([2, 3, 1]);
  });

  it("counts a follower's message as unread and moves its chat to the top", () => {
    const list = sortInbox([row(1, 100), row(2, 300)]);
    const next = applyInboxEvent(list, ACCOUNT, ev(1, 4, 1001, 400), false)!;
    expect(next.map((c) => c.id)).toEqual([1, 2]);
    expect(next[0]).toMatchObject({ unread: 1, last_seq: 4, last_activity_at: 400 });
    expect(next[0].last?.text).toBe("m4");
  });

  it("does not count the account's own replies, a chat being read, or an event twice", () => {
    const list = [row(1, 100, { unread: 2, read_seq: 1 })];
    const reply = applyInboxEvent(list, ACCOUNT, ev(1, 4, ACCOUNT), false)!;
    expect(reply[0]).toMatchObject({ unread: 2, read_seq: 4, last_seq: 4 });
    expect(applyInboxEvent(list, ACCOUNT, ev(1, 4, 1001), true)![0].unread).toBe(2);
    const twice = applyInboxEvent(reply, ACCOUNT, ev(1, 4, ACCOUNT), false)!;
    expect(twice).toBe(reply);
  });

  it("asks for a reload when a new follower writes (the chat is not listed yet)", () => {
    expect(applyInboxEvent([row(1, 100)], ACCOUNT, ev(9, 1, 1009), false)).toBeNull();
  });

  it("clears unread when read to the end, and recounts from loaded events otherwise", () => {
    const list = [row(1, 100, { last_seq: 6, read_seq: 2, unread: 4 })];
    expect(applyInboxRead(list, 1, 6)[0]).toMatchObject({ unread: 0, read_seq: 6 });
    const events = [ev(1, 3, 1001), ev(1, 4, ACCOUNT), ev(1, 5, 1001), ev(1, 6, 1001)];
    expect(applyInboxRead(list, 1, 4, events, ACCOUNT)[0]).toMatchObject({ unread: 2, read_seq: 4 });
    expect(applyInboxRead(list, 1, 1)[0]).toBe(list[0]); // never backwards
    expect(inboxUnread([row(1, 1, { unread: 3 }), row(2, 2, { unread: 1 })])).toBe(4);
  });

  it("merges pages and live events without twins, in seq order", () => {
    const merged = mergeEvents([ev(1, 5, 1), ev(1, 6, 1)], [ev(1, 4, 1), ev(1, 6, 1)]);
    expect(merged.map((e) => e.seq)).toEqual([4, 5, 6]);
  });
});

describe("OfficialInbox", () => {
  it("loads conversations newest first and keeps them live from official_message frames", async () => {
    const { inbox, frame } = setup({ "GET /api/v1/official/42/chats": [200, [row(1, 100), row(2, 300)]] });
    await inbox.load(ACCOUNT);
    expect(inbox.chats.get(ACCOUNT)!.map((c) => c.id)).toEqual([2, 1]);
    frame({ t: "official_message", account: ACCOUNT, event: { t: "ev", ...ev(1, 4, 1001, 500) } });
    const list = inbox.chats.get(ACCOUNT)!;
    expect(list.map((c) => c.id)).toEqual([1, 2]);
    expect(list[0].unread).toBe(1);
    expect(inboxUnread(list)).toBe(1);
    frame({ t: "official_read", account: ACCOUNT, chat: 1, seq: 4 });
    expect(inbox.chats.get(ACCOUNT)![0].unread).toBe(0);
  });

  it("reads the open chat as the account when a follower's message arrives", async () => {
    const { inbox, calls, frame } = setup({
      "GET /api/v1/official/42/chats": [200, [row(1, 100)]],
      "POST /api/v1/official/42/chats/1/read": [200, { read_seq: 4 }],
    });
    await inbox.load(ACCOUNT);
    inbox.setOpen({ account: ACCOUNT, chat: 1 });
    expect(calls.filter((c) => c.method === "POST")).toEqual([]); // nothing new to read yet
    frame({ t: "official_message", account: ACCOUNT, event: ev(1, 4, 1001) });
    expect(calls.at(-1)).toEqual({ method: "POST", path: "/api/v1/official/42/chats/1/read", body: { seq: 4 } });
    expect(inbox.chats.get(ACCOUNT)![0]).toMatchObject({ unread: 0, read_seq: 4 });
  });

  it("sends a reply as the account, shows it pending, and lets a failed one be retried with the same client id", async () => {
    const routes: Record<string, [number, unknown]> = {
      "GET /api/v1/official/42/chats": [200, [row(1, 100)]],
      "GET /api/v1/official/42/chats/1/messages?limit=50": [200, { events: [ev(1, 3, 1001)], more: false }],
      "POST /api/v1/official/42/chats/1/messages": [503, { code: "unavailable", message: "down" }],
    };
    const { inbox, calls, toasts } = setup(routes);
    await inbox.load(ACCOUNT);
    await inbox.loadChat(ACCOUNT, 1);
    inbox.send(ACCOUNT, 1, "On its way");
    expect(inbox.pending.get(1)![0]).toMatchObject({ text: "On its way", failed: false });
    await tick();
    await tick();
    const [p] = inbox.pending.get(1)!;
    expect(p.failed).toBe(true);
    expect(toasts).toHaveLength(1);
    expect(toasts[0]).not.toContain("unavailable");

    routes["POST /api/v1/official/42/chats/1/messages"] = [200, { ...ev(1, 4, ACCOUNT, 20_000, "On its way"), duplicate: false }];
    inbox.retry(ACCOUNT, p.cid, 1);
    await tick();
    await tick();
    const sends = calls.filter((c) => c.method === "POST");
    expect(sends).toHaveLength(2);
    expect((sends[0].body as { client_id: string }).client_id).toBe((sends[1].body as { client_id: string }).client_id);
    expect(inbox.pending.get(1)).toEqual([]);
    expect(inbox.events.get(1)!.map((e) => e.seq)).toEqual([3, 4]);
    expect(inbox.chats.get(ACCOUNT)![0]).toMatchObject({ last_seq: 4, unread: 0 });
  });

  it("reloads the list when a new follower writes, and pages older history", async () => {
    const { inbox, calls, frame } = setup({
      "GET /api/v1/official/42/chats": [200, [row(1, 100)]],
      "GET /api/v1/official/42/chats/1/messages?limit=50": [200, { events: [ev(1, 60, 1001)], more: true }],
      "GET /api/v1/official/42/chats/1/messages?limit=50&before=60": [200, { events: [ev(1, 59, 1001)], more: false }],
    });
    await inbox.load(ACCOUNT);
    frame({ t: "official_message", account: ACCOUNT, event: ev(7, 1, 1007) });
    expect(calls.filter((c) => c.path === "/api/v1/official/42/chats")).toHaveLength(2);
    await inbox.loadChat(ACCOUNT, 1);
    await inbox.loadOlder(ACCOUNT, 1);
    expect(inbox.events.get(1)!.map((e) => e.seq)).toEqual([59, 60]);
    expect(inbox.more.get(1)).toBe(false);
    await inbox.loadOlder(ACCOUNT, 1); // at the start: no request
    expect(calls.filter((c) => c.path.includes("before="))).toHaveLength(1);
  });
});

describe("inbox routes", () => {
  it("maps #/official/<id>/messages[/<chat>] to the inbox, and anything else under an account to its profile", async () => {
    const { parseRoute } = await import("./ui/hooks");
    expect(parseRoute("#/official/5/messages")).toEqual({ name: "inbox", id: 5 });
    expect(parseRoute("#/official/5/messages/9")).toEqual({ name: "inbox", id: 5, chat: 9 });
    expect(parseRoute("#/official/5/messages/x")).toEqual({ name: "inbox", id: 5 });
    expect(parseRoute("#/official/5")).toEqual({ name: "account", id: 5 });
    expect(parseRoute("#/official/5/other")).toEqual({ name: "account", id: 5 });
    expect(parseRoute("#/official")).toEqual({ name: "official" });
  });
});

describe("OfficialInbox reloads", () => {
  it("keeps a message that arrived while the list was loading (the answer predates it)", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[] = [];
    const fetchImpl = async (url: string) => {
      calls.push(url);
      await gate;
      return new Response(JSON.stringify([row(1, 100), row(2, 300)]), { status: 200 });
    };
    let hook: (f: ServerFrame) => void = () => {};
    const fake = {
      api: new Api("", "token", fetchImpl),
      onServerFrame: (fn: (f: ServerFrame) => void) => ((hook = fn), () => {}),
      store: { emit: () => {} },
      toast: () => {},
    };
    const inbox = new OfficialInbox(fake as unknown as Client);
    const loading = inbox.load(ACCOUNT);
    hook({ t: "official_message", account: ACCOUNT, event: ev(1, 4, 1001, 900, "late") });
    release();
    await loading;
    const list = inbox.chats.get(ACCOUNT)!;
    expect(list[0]).toMatchObject({ id: 1, unread: 1, last_seq: 4 });
    expect(list[0].last?.text).toBe("late");
  });
});

describe("media in the owner's inbox", () => {
  it("asks for a follower's photo through the account, and other media the ordinary way", async () => {
    const { MediaClient } = await import("./mediaclient");
    const paths: string[] = [];
    const fetchImpl = async (url: string) => {
      paths.push(url);
      return new Response(JSON.stringify({ id: 5, kind: "photo", urls: { content: "/x", expires_at: Date.now() / 1000 + 3600 } }), { status: 200 });
    };
    const fake = { api: new Api("", "token", fetchImpl), onServerFrame: () => () => {}, store: { emit: () => {}, myId: 1 }, toast: () => {} };
    const media = new MediaClient(fake as unknown as Client);
    media.viaAccount(5, ACCOUNT);
    await media.info(5);
    await media.info(6);
    expect(paths).toEqual(["/api/v1/official/42/media/5", "/api/v1/media/6"]);
  });
});
