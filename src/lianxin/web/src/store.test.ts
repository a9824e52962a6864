import { beforeEach, describe, expect, it } from "vitest";
import { presenceText } from "./format";
import { mergeEvents, sortChats, Store } from "./store";
import type { ChatEvent, ChatSummary } from "./types";

const ME = { id: 1, name: "Me", handle: null, bio: null, phone: "+1", privacy: { find_by_phone: true, find_by_handle: true, last_seen: "friends" as const, stranger_messages: false } };
const BOB = { id: 2, name: "Bob", handle: "bob", bio: null };

function chat(id: number, extra: Partial<ChatSummary> = {}): ChatSummary {
  return {
    id,
    kind: "direct",
    title: "Bob",
    announcement: null,
    member_count: 2,
    last_seq: 0,
    last_activity_at: 0,
    active: true,
    role: "member",
    visible_from: 0,
    read_seq: 0,
    unread: 0,
    muted: false,
    pinned: false,
    pinned_at: null,
    archived: false,
    last: null,
    peer: BOB,
    peer_read_seq: 0,
    peer_delivered_seq: 0,
    ...extra,
  };
}

function ev(chatId: number, seq: number, from: number, text = `m${seq}`, extra: Partial<ChatEvent> = {}): ChatEvent {
  return { chat: chatId, seq, id: seq * 100, from, kind: "text", ts: 1000 + seq, text, ...extra };
}

function sync(chats: ChatSummary[], extra: Record<string, unknown> = {}) {
  return { t: "sync", since: 1, me: ME, chats, friends: [{ ...BOB, since: 1, active: true }], profiles: [], requests: [], hidden: [], presence: [], full: true, ...extra };
}

let store: Store;
beforeEach(() => {
  store = new Store();
  store.apply(sync([chat(10)]));
});

describe("Store", () => {
  it("loads the world from a full sync", () => {
    expect(store.state.me?.name).toBe("Me");
    expect(store.friendList().map((f) => f.name)).toEqual(["Bob"]);
    expect(store.chatList().map((c) => c.id)).toEqual([10]);
  });

  it("a later full sync drops chats I am no longer in", () => {
    store.apply(sync([chat(11)]));
    expect(Object.keys(store.state.chats)).toEqual(["11"]);
  });

  it("adds live messages in seq order, without duplicates, and counts unread", () => {
    store.apply({ t: "ev", ...ev(10, 2, 2) });
    store.apply({ t: "ev", ...ev(10, 1, 2) });
    store.apply({ t: "ev", ...ev(10, 2, 2) });
    expect(store.state.messages[10].map((e) => e.seq)).toEqual([1, 2]);
    const c = store.state.chats[10];
    expect(c.unread).toBe(2);
    expect(c.last?.seq).toBe(2);
    expect(c.last_seq).toBe(2);
  });

  it("does not double count catch-up events the sync summary already counted", () => {
    store.apply(sync([chat(10, { last_seq: 3, unread: 3 })], { full: false }));
    store.apply({ t: "evs", chat: 10, events: [ev(10, 1, 2), ev(10, 2, 2), ev(10, 3, 2)] });
    expect(store.state.chats[10].unread).toBe(3);
  });

  it("reports what to acknowledge as received and which of my sends came back", () => {
    const res = store.apply({ t: "evs", chat: 10, events: [ev(10, 1, 2), ev(10, 2, 1, "mine", { cid: "abc" }), ev(10, 3, 2)] });
    expect(res.received).toEqual({ 10: 3 });
    expect(res.mine).toEqual(["abc"]);
  });

  it("asks for chats it has never heard of", () => {
    const res = store.apply({ t: "ev", ...ev(99, 1, 2, "", { kind: "system", data: { type: "created", by: 2, users: [1, 2], names: { "2": "Bob" } } }) });
    expect(res.unknownChats).toEqual([99]);
  });

  it("moves ticks with the peer's delivered and read marks", () => {
    store.apply({ t: "delivered", chat: 10, user: 2, seq: 4 });
    const c = store.state.chats[10];
    expect(store.tick(c, 4)).toBe("delivered");
    expect(store.tick(c, 5)).toBe("sent");
    store.apply({ t: "read", chat: 10, user: 2, seq: 5 });
    expect(store.tick(c, 5)).toBe("read");
  });

  it("clears unread when another of my devices reads", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2) });
    store.apply({ t: "read", chat: 10, user: 1, seq: 1 });
    expect(store.state.chats[10].unread).toBe(0);
  });

  it("applies a recall to the recalled message and the preview", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2, "secret") });
    store.apply({ t: "ev", ...ev(10, 2, 2, "", { kind: "system", data: { type: "recall", by: 2, seq: 1, sender: 2 } }) });
    const target = store.findEvent(10, 1)!;
    expect(target.recalled).toBe(true);
    expect(target.text).toBeUndefined();
    expect(store.state.chats[10].unread).toBe(0);
  });

  it("turns an ack into my message and marks the chat read up to it", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2) });
    store.applyAck({ t: "ack", id: "c1", chat: 10, seq: 2, mid: 5, ts: 2000 }, { cid: "c1", chat: 10, text: "hello", ts: 1, reply_to: 1 });
    const mine = store.findEvent(10, 2)!;
    expect(mine).toMatchObject({ from: 1, text: "hello", cid: "c1", reply_to: 1 });
    expect(store.state.chats[10].unread).toBe(0);
    expect(store.state.chats[10].last?.text).toBe("hello");
  });

  it("shows typing for a while, and stops when their message arrives", () => {
    store.apply({ t: "typing", chat: 10, user: 2 }, 0);
    expect(store.typingIn(10, 1000)).toEqual([2]);
    expect(store.typingIn(10, 10_000)).toEqual([]);
    store.apply({ t: "typing", chat: 10, user: 2 }, 0);
    store.apply({ t: "ev", ...ev(10, 1, 2) });
    expect(store.typingIn(10, 1000)).toEqual([]);
  });

  it("updates friends, requests, presence and profiles", () => {
    store.apply({ t: "request", request: { id: 5, from: 3, to: 1, greeting: "hi", state: "pending", created_at: 1, updated_at: 1, user: { id: 3, name: "Carol", handle: null, bio: null } } });
    expect(store.pendingRequests().map((r) => r.user?.name)).toEqual(["Carol"]);
    store.apply({ t: "request", request: { id: 5, from: 3, to: 1, greeting: "hi", state: "accepted", created_at: 1, updated_at: 2 } });
    expect(store.pendingRequests()).toEqual([]);
    expect(store.state.requests[5].user?.name).toBe("Carol"); // kept from before
    store.apply({ t: "friend", user: { id: 3, name: "Carol", handle: null, bio: null }, active: true });
    expect(store.friendList().map((f) => f.name)).toEqual(["Bob", "Carol"]);
    store.apply({ t: "presence", user: 3, online: true, last_seen: null });
    expect(store.state.presence[3].online).toBe(true);
    store.apply({ t: "profile", user: { ...BOB, name: "Robert" } });
    expect(store.chatTitle(store.state.chats[10])).toBe("Robert");
    store.apply({ t: "friend", user: { id: 3 }, active: false });
    expect(store.friendList().map((f) => f.name)).toEqual(["Robert"]);
  });

  it("forgets a blocked person's presence at once and asks again after an unblock", () => {
    store.apply({ t: "presence", user: 2, online: true, last_seen: null });
    expect(presenceText(store.state.presence[2])).toBe("online");
    store.apply({ t: "block", user: 2, blocked: true }); // from this or another of my devices
    expect(store.state.presence[2].online).toBeNull(); // hidden: nothing shown, nothing to ask
    expect(presenceText(store.state.presence[2])).toBe("");
    store.apply({ t: "block", user: 2, blocked: false });
    expect(store.state.presence[2]).toBeUndefined(); // unknown: the screen asks again
    store.apply({ t: "presence_list", users: [{ user: 2, online: null, last_seen: null }] });
    expect(presenceText(store.state.presence[2])).toBe(""); // the server hides it (their setting)
  });

  it("renames groups from system events and learns names from them", () => {
    store.apply({ t: "chat", chat: chat(20, { kind: "group", title: "Old", peer: undefined }) });
    const res = store.apply({ t: "ev", ...ev(20, 1, 2, "", { kind: "system", data: { type: "renamed", by: 2, title: "New" } }) });
    expect(store.state.chats[20].title).toBe("New");
    store.apply({ t: "ev", ...ev(20, 2, 2, "", { kind: "system", data: { type: "members_added", by: 2, users: [7], names: { "7": "Dan" } } }) });
    expect(store.userName(7)).toBe("Dan");
    expect(res.refreshChats).toEqual([]);
  });

  it("hides messages deleted for me", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2) });
    store.apply({ t: "hidden", chat: 10, seq: 1 });
    expect(store.state.messages[10]).toEqual([]);
  });

  it("forgets what lies before a catch-up gap", () => {
    store.addHistory(10, [ev(10, 1, 2), ev(10, 2, 2)], false, true);
    store.apply({ t: "gap", chat: 10, after: 2, before: 600 });
    store.apply({ t: "evs", chat: 10, events: [ev(10, 600, 2)] });
    expect(store.state.messages[10].map((e) => e.seq)).toEqual([600]);
    expect(store.state.atStart[10]).toBe(false);
  });

  it("searches chats by name and puts pinned ones first", () => {
    store.apply({ t: "chat", chat: chat(30, { kind: "group", title: "Hiking club", peer: undefined, last_activity_at: 50 }) });
    store.apply({ t: "chat", chat: chat(31, { kind: "group", title: "Pinned", peer: undefined, pinned: true, pinned_at: 1, last_activity_at: 1 }) });
    expect(store.chatList().map((c) => c.id)[0]).toBe(31);
    expect(store.chatList("hik").map((c) => c.id)).toEqual([30]);
    expect(store.chatList("BOB").map((c) => c.id)).toEqual([10]);
  });

  it("keeps archived chats out of the list, in their own view, and in search results", () => {
    store.apply(sync([chat(10), chat(11, { kind: "group", title: "Old team", archived: true, peer: undefined })]));
    expect(store.chatList().map((c) => c.id)).toEqual([10]);
    expect(store.chatList("", true).map((c) => c.id)).toEqual([11]);
    expect(store.chatList("old").map((c) => c.id)).toEqual([11]);
    expect(store.archivedCount()).toBe(1);
  });

  it("remembers an unread mention of me until the chat is read past it", () => {
    store.apply(sync([chat(12, { kind: "group", title: "G", peer: undefined })]));
    store.apply({ t: "ev", ...ev(12, 1, 2, "@Me hi", { mentions: [1] }) });
    store.apply({ t: "ev", ...ev(12, 2, 2, "later") });
    expect(store.mentionIn(12)).toBe(1);
    store.apply({ t: "ev", ...ev(12, 3, 2, "@all", { mention_all: true }) });
    expect(store.mentionIn(12)).toBe(3);
    store.markReadLocally(store.state.chats[12], 2);
    expect(store.mentionIn(12)).toBe(3);
    store.apply({ t: "read", chat: 12, user: 1, seq: 3 });
    expect(store.mentionIn(12)).toBeUndefined();
  });

  it("forgets a mention that was recalled, and ignores my own", () => {
    store.apply(sync([chat(12, { kind: "group", title: "G", peer: undefined })]));
    store.apply({ t: "ev", ...ev(12, 1, 1, "@all", { mention_all: true }) });
    expect(store.mentionIn(12)).toBeUndefined();
    store.apply({ t: "ev", ...ev(12, 2, 2, "@Me", { mentions: [1] }) });
    store.apply({ t: "ev", ...ev(12, 3, 2, "", { kind: "system", text: undefined, data: { type: "recall", by: 2, seq: 2, sender: 2 } }) });
    expect(store.mentionIn(12)).toBeUndefined();
  });

  it("hides messages deleted for me on this device at once", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2) });
    store.apply({ t: "ev", ...ev(10, 2, 2) });
    store.hideLocally(10, [1]);
    expect(store.state.messages[10].map((e) => e.seq)).toEqual([2]);
  });

  it("applies edits to the message and keeps them out of the list preview", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2, "helo") });
    store.apply({ t: "ev", ...ev(10, 2, 2, "", { kind: "system", text: undefined, data: { type: "edit", by: 2, seq: 1, text: "hello", edited_at: 5 } }) });
    const msg = store.findEvent(10, 1)!;
    expect(msg.text).toBe("hello");
    expect(msg.edited).toBe(true);
    expect(store.lastShown(store.state.chats[10])?.seq).toBe(1);
    expect(store.state.chats[10].unread).toBe(1);
  });

  it("applies a bot's edit to buttons and cards, and counts bot messages as unread", () => {
    const buttons = [[{ text: "Add", data: "add" }]];
    store.apply({ t: "ev", ...ev(10, 1, 2, "Menu", { kind: "rich", data: { buttons } }) });
    store.apply({ t: "ev", ...ev(10, 2, 2, "", { kind: "card", data: { title: "Cart" } }) });
    expect(store.state.chats[10].unread).toBe(2);
    const edit = (seq: number, target: number, text: string, content?: Record<string, unknown>) =>
      store.apply({ t: "ev", ...ev(10, seq, 2, "", { kind: "system", text: undefined, data: { type: "edit", by: 2, seq: target, text, content, edited_at: 5 } }) });
    edit(3, 2, "2 items", { title: "Cart (2)", buttons });
    expect(store.findEvent(10, 2)!.data).toEqual({ title: "Cart (2)", buttons });
    expect(store.findEvent(10, 2)!.text).toBe("2 items");
    edit(4, 1, "Closed");
    expect(store.findEvent(10, 1)!.data).toBeUndefined();
    expect(store.findEvent(10, 1)!.kind).toBe("rich");
    store.apply({ t: "ev", ...ev(10, 5, 2, "plain") });
    edit(6, 5, "plain", { buttons });
    expect(store.findEvent(10, 5)!.kind).toBe("rich");
    expect(store.state.chats[10].unread).toBe(3);
  });

  it("sets reaction counts and remembers mine", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2, "nice") });
    const react = (seq: number, user: number, on: boolean, counts: Record<string, number>) =>
      store.apply({ t: "ev", ...ev(10, seq, user, "", { kind: "system", text: undefined, data: { type: "reaction", seq: 1, user, emoji: "👍", on, counts } }) });
    react(2, 2, true, { "👍": 1 });
    react(3, 1, true, { "👍": 2 });
    expect(store.findEvent(10, 1)!.reactions).toEqual({ "👍": 2 });
    expect(store.myReactionsOn(10, 1)).toEqual(["👍"]);
    react(4, 1, false, { "👍": 1 });
    expect(store.myReactionsOn(10, 1)).toEqual([]);
    expect(store.findEvent(10, 1)!.reactions).toEqual({ "👍": 1 });
  });

  it("round-trips through the cache snapshot", () => {
    store.apply({ t: "ev", ...ev(10, 1, 2) });
    const again = new Store();
    again.hydrate(JSON.parse(JSON.stringify(store.snapshot())));
    expect(again.state.messages[10].map((e) => e.seq)).toEqual([1]);
    expect(again.state.me?.id).toBe(1);
  });
});

describe("helpers", () => {
  it("mergeEvents keeps order and replaces by seq", () => {
    const a = [ev(1, 1, 2), ev(1, 3, 2)];
    expect(mergeEvents(a, [ev(1, 2, 2), ev(1, 3, 2, "edited")]).map((e) => e.text)).toEqual(["m1", "m2", "edited"]);
  });
  it("sortChats: pinned, then latest activity", () => {
    const list = sortChats([chat(1, { last_activity_at: 5 }), chat(2, { last_activity_at: 9 }), chat(3, { pinned: true, pinned_at: 1 })]);
    expect(list.map((c) => c.id)).toEqual([3, 2, 1]);
  });
});

describe("my reactions on a fresh device", () => {
  it("come from history and catch-up pages, which win over older reaction events", () => {
    const store = new Store();
    store.apply(sync([chat(10, { last_seq: 3 })]));
    const liked = ev(10, 1, 2, "nice", { reactions: { "👍": 1, "❤️": 1 }, my_reactions: ["❤️"] });
    store.addHistory(10, [liked, ev(10, 2, 2, "plain")], false, true);
    expect(store.myReactionsOn(10, 1)).toEqual(["❤️"]);
    expect(store.myReactionsOn(10, 2)).toEqual([]);

    // An older page carrying my own reaction event for it does not undo what the page said.
    const old = ev(10, 3, 1, "", { kind: "system", text: undefined, data: { type: "reaction", seq: 1, user: 1, emoji: "👍", on: true, counts: { "👍": 1 } } });
    store.addHistory(10, [{ ...liked, my_reactions: [] }, old], false, false);
    expect(store.myReactionsOn(10, 1)).toEqual([]);

    store.apply({ t: "evs", chat: 10, events: [{ ...liked, my_reactions: ["👍"] }] });
    expect(store.myReactionsOn(10, 1)).toEqual(["👍"]);
    store.apply({ t: "ev", ...liked, my_reactions: undefined }); // live frames say nothing of mine
    expect(store.myReactionsOn(10, 1)).toEqual(["👍"]);
  });
});

describe("played / opened marks from pages", () => {
  it("come from history and catch-up; a live voice note is unplayed; no page: unknown", () => {
    const store = new Store();
    store.apply(sync([chat(10, { last_seq: 9 })]));
    const voice = (seq: number, from: number, extra: Partial<ChatEvent> = {}) => ev(10, seq, from, "", { kind: "voice", text: undefined, ...extra });
    store.addHistory(10, [voice(1, 2, { my_mark: "played" }), voice(2, 2, { my_mark: null }), voice(3, 1, { mark_count: 2 }), ev(10, 4, 2, "text")], false, true);
    expect(store.myMarkOn(10, 1)).toBe("played");
    expect(store.myMarkOn(10, 2)).toBeNull();
    expect(store.markCountOn(10, 3)).toBe(2);
    expect(store.myMarkOn(10, 4)).toBeUndefined();

    store.apply({ t: "evs", chat: 10, events: [voice(2, 2, { my_mark: "played" }), ev(10, 5, 2, "", { kind: "view_once", text: undefined, my_mark: "opened" })] });
    expect(store.myMarkOn(10, 2)).toBe("played");
    expect(store.myMarkOn(10, 5)).toBe("opened");

    store.apply({ t: "ev", ...voice(6, 2) }); // new, so not played by me yet
    expect(store.myMarkOn(10, 6)).toBeNull();
    store.apply({ t: "ev", ...voice(1, 2) }); // a live repeat does not forget what the page said
    expect(store.myMarkOn(10, 1)).toBe("played");
    store.apply({ t: "ev", ...voice(7, 1) }); // mine: counts come only from pages
    expect(store.markCountOn(10, 7)).toBeUndefined();

    const copy = new Store();
    copy.hydrate(JSON.parse(JSON.stringify(store.snapshot())));
    expect(copy.myMarkOn(10, 1)).toBe("played");
    expect(copy.markCountOn(10, 3)).toBe(2);
  });
});
