import { describe, expect, it } from "vitest";
import { ALL, activeMention, filterCandidates, insertMention, mentionsMe, resolveMentions, splitMentions } from "./mentions";

const members = [
  { id: 1, name: "Alice", handle: "alice", bio: "" },
  { id: 2, name: "Bob Stone", handle: null, bio: "" },
  { id: 3, name: "Carol", handle: "bee", bio: "" },
  { id: 4, name: "张伟", handle: null, bio: "" },
];

describe("activeMention", () => {
  it("finds the @query ending at the caret", () => {
    expect(activeMention("hi @bo", 6)).toEqual({ start: 3, query: "bo" });
    expect(activeMention("@", 1)).toEqual({ start: 0, query: "" });
    expect(activeMention("hi @Bob Stone", 13)).toEqual({ start: 3, query: "Bob Stone" });
  });
  it("ignores e-mail addresses, newlines and a space right after @", () => {
    expect(activeMention("mail a@b.c", 10)).toBeNull();
    expect(activeMention("@bob\nnext", 9)).toBeNull();
    expect(activeMention("@ bob", 5)).toBeNull();
    expect(activeMention("no at here", 10)).toBeNull();
  });
  it("looks only before the caret", () => {
    expect(activeMention("@al rest", 3)).toEqual({ start: 0, query: "al" });
  });
});

describe("filterCandidates", () => {
  it("puts prefix matches first, then word and handle matches, and leaves me out", () => {
    expect(filterCandidates(members, "b", 1, null).map((c) => c.id)).toEqual([2, 3]);
    expect(filterCandidates(members, "st", 1, null).map((c) => c.id)).toEqual([2]);
    expect(filterCandidates(members, "", 1, null).map((c) => c.id)).toEqual([2, 3, 4]);
    expect(filterCandidates(members, "张", 1, null).map((c) => c.id)).toEqual([4]);
  });
  it("offers @all first when allowed and it matches", () => {
    expect(filterCandidates(members, "", 9, "all")[0]).toEqual({ id: ALL, name: "all" });
    expect(filterCandidates(members, "al", 9, "all").map((c) => c.id)).toEqual([ALL, 1]);
    expect(filterCandidates(members, "", 9, "所有人")[0].name).toBe("所有人");
    expect(filterCandidates(members, "ca", 9, "all").map((c) => c.id)).toEqual([3]);
  });
  it("caps the list", () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ id: i + 10, name: `M${i}`, handle: null, bio: "" }));
    expect(filterCandidates(many, "m", 1, null)).toHaveLength(8);
  });
});

describe("insertMention / resolveMentions", () => {
  it("replaces the query with the name and a space", () => {
    const text = "hey @bo how";
    const m = activeMention(text, 7)!;
    expect(insertMention(text, m, 7, "Bob Stone")).toEqual({ text: "hey @Bob Stone how", caret: 15 });
  });
  it("keeps only mentions still in the text", () => {
    const picked = [
      { id: 2, name: "Bob Stone" },
      { id: 3, name: "Carol" },
      { id: ALL, name: "all" },
      { id: 2, name: "Bob Stone" },
    ];
    expect(resolveMentions("@Bob Stone and @all", picked)).toEqual({ mentions: [2], mentionAll: true });
    expect(resolveMentions("nobody", picked)).toEqual({ mentions: [], mentionAll: false });
  });
});

describe("splitMentions", () => {
  it("marks @Name runs, longest name first", () => {
    expect(splitMentions("hi @Bob Stone and @Bob!", ["Bob", "Bob Stone"])).toEqual([
      { text: "hi ", mention: false },
      { text: "@Bob Stone", mention: true },
      { text: " and ", mention: false },
      { text: "@Bob", mention: true },
      { text: "!", mention: false },
    ]);
    expect(splitMentions("plain", [])).toEqual([{ text: "plain", mention: false }]);
  });
});

describe("mentionsMe", () => {
  it("is true for my id or @all from someone else", () => {
    expect(mentionsMe({ from: 2, mentions: [1] }, 1)).toBe(true);
    expect(mentionsMe({ from: 2, mention_all: true }, 1)).toBe(true);
    expect(mentionsMe({ from: 1, mention_all: true }, 1)).toBe(false);
    expect(mentionsMe({ from: 2, mentions: [3] }, 1)).toBe(false);
  });
});
