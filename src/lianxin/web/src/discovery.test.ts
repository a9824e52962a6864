import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { allTags, applyJoinRequest, filterFriends, withFramesSince, parseTags, qrToken, requestRefusal, searchRefusal, shownName, suggestionReason, type Friend } from "./discovery";
import { FrameError } from "./connection";
import { errorText } from "./errors";
import { setLang } from "./i18n";
import { Store } from "./store";

const friends: Friend[] = [
  { id: 2, name: "Bob", handle: "bob", bio: null, remark: "Uncle Bob", tags: ["family", "gym"], starred: false },
  { id: 3, name: "Carol", handle: null, bio: null, remark: null, tags: ["work"], starred: true },
  { id: 4, name: "Dan", handle: "dantheman", bio: null, tags: [], starred: false },
];

describe("friend list logic", () => {
  it("shows my remark instead of the name", () => {
    expect(shownName(friends[0])).toBe("Uncle Bob");
    expect(shownName(friends[1])).toBe("Carol");
    expect(shownName({ id: 9, name: "X", handle: null, bio: null, remark: "   " })).toBe("X");
    expect(shownName(undefined, "?")).toBe("?");
  });

  it("parses tags typed in either language, distinct and trimmed", () => {
    expect(parseTags(" work, gym ,work,，家人、 ")).toEqual(["work", "gym", "家人"]);
    expect(parseTags("")).toEqual([]);
  });

  it("lists every tag once, sorted", () => {
    expect(allTags(friends)).toEqual(["family", "gym", "work"]);
  });

  it("filters by tag and search (remark, name, ID) and keeps starred apart", () => {
    expect(filterFriends(friends, "", null)).toEqual({ starred: [friends[1]], others: [friends[2], friends[0]] });
    expect(filterFriends(friends, "", "gym").others.map((f) => f.id)).toEqual([2]);
    expect(filterFriends(friends, "uncle", null).others.map((f) => f.id)).toEqual([2]);
    expect(filterFriends(friends, "THEMAN", null).others.map((f) => f.id)).toEqual([4]);
    expect(filterFriends(friends, "carol", "family")).toEqual({ starred: [], others: [] });
  });
});

describe("QR links", () => {
  it("finds the token in every form of link", () => {
    expect(qrToken("lianxin://qr/AbC_123-xyz")).toBe("AbC_123-xyz");
    expect(qrToken("https://chat.example.org/qr/AbC_123-xyz")).toBe("AbC_123-xyz");
    expect(qrToken("https://chat.example.org/lx/qr/AbC_123-xyz/")).toBe("AbC_123-xyz");
    expect(qrToken("http://localhost:8080/#/qr/AbC_123-xyz")).toBe("AbC_123-xyz");
    expect(qrToken("  AbC_123-xyz \n")).toBe("AbC_123-xyz");
  });

  it("refuses what is not a friend or group code", () => {
    expect(qrToken("https://evil.example/phish?qr/AbC_123-xyz")).toBeNull();
    expect(qrToken("lianxin://qr/login/AbC_123-xyz")).toBeNull();
    expect(qrToken("short")).toBeNull();
    expect(qrToken("hello world, not a code")).toBeNull();
  });
});

describe("reasons and refusals in words", () => {
  it("says why someone is suggested", () => {
    setLang("en");
    const user = { id: 5, name: "Eve", handle: null, bio: null };
    expect(suggestionReason({ user, mutual_friends: 3, groups: [], reason: "" })).toBe("3 mutual friends");
    expect(suggestionReason({ user, mutual_friends: 1, groups: [], reason: "" })).toBe("1 mutual friend");
    expect(suggestionReason({ user, mutual_friends: 0, groups: [{ id: 1, title: "Hikers" }], reason: "" })).toBe("Also in Hikers");
    setLang("zh");
    expect(suggestionReason({ user, mutual_friends: 2, groups: [], reason: "" })).toBe("2 位共同好友");
    setLang("en");
  });

  it("names the privacy setting that refused a friend request from its reason, not its words", () => {
    setLang("en");
    expect(requestRefusal(new ApiError(403, "not_allowed", "whatever", "privacy_nobody"))).toBe("This person doesn't accept friend requests.");
    expect(requestRefusal(new ApiError(403, "not_allowed", "", "privacy_friends_of_friends"))).toMatch(/friends of their friends/);
    expect(requestRefusal(new ApiError(403, "not_allowed", "", "blocked"))).toMatch(/isn't accepting/);
    expect(requestRefusal(new ApiError(403, "blocked", "", "blocked_by_me"))).toMatch(/Unblock them first/);
    // The English message alone no longer decides anything.
    expect(requestRefusal(new ApiError(403, "not_allowed", "this user does not accept friend requests"))).toBe("This person can't be added.");
    expect(requestRefusal(new ApiError(403, "not_allowed", "", "some_future_reason"))).toBe("Only the group owner or an admin can do that.");
    expect(requestRefusal(new ApiError(409, "already_friends", ""))).toBe("You are already friends.");
    setLang("zh");
    expect(requestRefusal(new ApiError(403, "not_allowed", "", "privacy_nobody"))).toBe("对方不接受好友申请。");
    setLang("en");
  });

  it("reads the reason of an error frame, and says not found by number or ID alike", () => {
    setLang("en");
    const frame = { t: "error", code: "not_friends", message: "", reason: "strangers_off" } as never;
    expect(errorText(new FrameError("not_friends", "", frame))).toMatch(/only takes messages from friends/);
    expect(errorText(frame)).toMatch(/only takes messages from friends/);
    expect(searchRefusal(new ApiError(404, "not_found", "", "phone_unlisted_or_unknown"))).toMatch(/with this number/);
    expect(searchRefusal(new ApiError(404, "not_found", "", "id_unlisted_or_unknown"))).toMatch(/Lianxin ID/);
    expect(searchRefusal(new ApiError(404, "not_found", ""))).toBe("No one found with that Lianxin ID or phone number.");
  });
});

describe("join requests stay live for admins", () => {
  const dave = { id: 4, name: "Dave", handle: null, bio: null };
  const erin = { id: 5, name: "Erin", handle: null, bio: null };
  const pending = { id: 1, chat: 9, user: dave, state: "pending" };
  it("adds filed requests once, drops decided ones, ignores other groups and frames", () => {
    let list = applyJoinRequest([], { t: "join_request", request: pending }, 9);
    expect(list).toEqual([pending]);
    list = applyJoinRequest(list, { t: "join_request", request: { ...pending } }, 9);
    expect(list).toHaveLength(1);
    list = applyJoinRequest(list, { t: "join_request", request: { id: 2, chat: 9, user: erin, state: "pending" } }, 9);
    expect(list.map((r) => r.user.name)).toEqual(["Dave", "Erin"]);
    expect(applyJoinRequest(list, { t: "join_request", request: { id: 3, chat: 8, user: erin, state: "pending" } }, 9)).toBe(list);
    expect(applyJoinRequest(list, { t: "request", request: { id: 1 } }, 9)).toBe(list);
    list = applyJoinRequest(list, { t: "join_request", request: { ...pending, state: "approved" } }, 9);
    expect(list.map((r) => r.id)).toEqual([2]);
    list = applyJoinRequest(list, { t: "join_request", request: { id: 2, chat: 9, user: erin, state: "declined" } }, 9);
    expect(list).toEqual([]);
  });

  it("replays what arrived during a read over its (older) answer", () => {
    const asked = { id: 2, chat: 9, user: erin, state: "pending" };
    const read = [pending, asked]; // read before Erin was declined
    const during = [{ t: "join_request", request: { ...asked, state: "declined" } }];
    expect(withFramesSince(read, during, 9)).toEqual([pending]);
  });
});

describe("store: my remark is the name everywhere", () => {
  const me = { id: 1, name: "Me", handle: null, bio: null, phone: "+1", privacy: {} };
  const bob = { id: 2, name: "Bob", handle: null, bio: null };
  const chat = {
    id: 10, kind: "direct", title: "Bob", announcement: null, member_count: 2, last_seq: 0, last_activity_at: 0, active: true, role: "member",
    visible_from: 0, read_seq: 0, unread: 0, muted: false, pinned: false, pinned_at: null, archived: false, last: null, peer: bob,
  };

  it("uses the remark from sync, follows friend_meta, and falls back to the name", () => {
    const store = new Store();
    const friend = { ...bob, since: 1, remark: "Bobby", tags: ["gym"], starred: true, close_friend: false, active: true };
    store.apply({ t: "sync", since: 1, me, chats: [chat], friends: [friend], profiles: [], requests: [], hidden: [], presence: [], full: true });
    expect(store.userName(2)).toBe("Bobby");
    expect(store.chatTitle(store.state.chats[10])).toBe("Bobby");
    store.apply({ t: "friend_meta", user: 2, remark: "", tags: [], starred: false, close_friend: false });
    expect(store.userName(2)).toBe("Bob");
    expect(store.chatTitle(store.state.chats[10])).toBe("Bob");
    store.apply({ t: "friend_meta", user: 2, remark: "B.", tags: ["x"], starred: true, close_friend: true });
    store.apply({ t: "profile", user: { ...bob, name: "Robert" } });
    expect(store.userName(2)).toBe("B.");
    expect(store.state.friends[2].tags).toEqual(["x"]);
    store.apply({ t: "friend", user: bob, active: false });
    expect(store.userName(2)).toBe("Robert");
  });
});
