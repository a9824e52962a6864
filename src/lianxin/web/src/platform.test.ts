import { describe, expect, it } from "vitest";
import {
  activeKeyboard,
  botPlaceholder,
  botsIn,
  broadcastProgress,
  buttonsOf,
  commandQuery,
  commandText,
  filterCommands,
  keyboardShown,
  menuOf,
  safeUrl,
  type Broadcast,
  type ChatCommand,
} from "./platform";
import type { ChatEvent, ChatSummary } from "./types";

const ME = 1;
const BOT = 9;
let seq = 0;
function ev(from: number, kind: string, data?: Record<string, unknown>, extra: Partial<ChatEvent> = {}): ChatEvent {
  seq += 1;
  return { chat: 5, seq, id: seq, from, kind, ts: seq, text: "x", data, ...extra };
}
const KB = { rows: [[{ text: "Tea" }, { text: "Coffee" }]], placeholder: "Pick a drink" };

describe("activeKeyboard", () => {
  it("is the newest keyboard a bot sent", () => {
    const first = ev(BOT, "rich", { keyboard: { rows: [[{ text: "Old" }]] } });
    const second = ev(BOT, "rich", { keyboard: KB });
    const k = activeKeyboard([first, second, ev(BOT, "text")], ME);
    expect(k?.seq).toBe(second.seq);
    expect(k?.collapsed).toBe(false);
  });

  it("is gone after a later remove, and back when a newer keyboard comes", () => {
    const list = [ev(BOT, "rich", { keyboard: KB }), ev(BOT, "rich", { keyboard: { remove: true } })];
    expect(activeKeyboard(list, ME)).toBeNull();
    const again = ev(BOT, "card", { title: "t", keyboard: KB });
    expect(activeKeyboard([...list, again], ME)?.seq).toBe(again.seq);
  });

  it("folds a one_time keyboard once I sent something after it, but not before", () => {
    const kb = ev(BOT, "rich", { keyboard: { ...KB, one_time: true } });
    expect(activeKeyboard([kb], ME)?.collapsed).toBe(false);
    expect(activeKeyboard([kb, ev(ME, "text")], ME)?.collapsed).toBe(true);
    // a system line or another member's message does not count as use
    expect(activeKeyboard([kb, ev(0, "system"), ev(7, "text")], ME)?.collapsed).toBe(false);
    // a plain (not one-time) keyboard stays after use
    const plain = ev(BOT, "rich", { keyboard: KB });
    expect(activeKeyboard([plain, ev(ME, "text")], ME)?.collapsed).toBe(false);
  });

  it("ignores my own messages, recalled ones and system lines", () => {
    const recalled = ev(BOT, "rich", { keyboard: KB }, { recalled: true });
    expect(activeKeyboard([recalled], ME)).toBeNull();
    expect(activeKeyboard([ev(ME, "text", { keyboard: KB })], ME)).toBeNull();
    expect(activeKeyboard([ev(0, "system", { keyboard: KB })], ME)).toBeNull();
  });

  it("treats a keyboard without rows as none", () => {
    expect(activeKeyboard([ev(BOT, "rich", { keyboard: { rows: [] } })], ME)).toBeNull();
  });
});

describe("keyboardShown and placeholder", () => {
  it("follows the user's toggle for that keyboard only", () => {
    const kb = ev(BOT, "rich", { keyboard: { ...KB, one_time: true } });
    const used = activeKeyboard([kb, ev(ME, "text")], ME);
    expect(keyboardShown(used, null)).toBe(false);
    expect(keyboardShown(used, { seq: kb.seq, open: true })).toBe(true);
    expect(keyboardShown(used, { seq: kb.seq - 100, open: true })).toBe(false);
    expect(keyboardShown(null, { seq: kb.seq, open: true })).toBe(false);
    const sticky = ev(BOT, "rich", { keyboard: { ...KB, one_time: true, persistent: true } });
    const usedSticky = activeKeyboard([sticky, ev(ME, "text")], ME);
    expect(usedSticky?.collapsed).toBe(true);
    expect(keyboardShown(usedSticky, null)).toBe(true);
    expect(keyboardShown(usedSticky, { seq: sticky.seq, open: false })).toBe(false);
  });

  it("takes a force_reply placeholder from the newest bot message, else the keyboard's", () => {
    const kbEv = ev(BOT, "rich", { keyboard: KB });
    const list = [kbEv];
    const active = activeKeyboard(list, ME);
    expect(botPlaceholder(list, ME, active)).toBe("Pick a drink");
    const fr = ev(BOT, "rich", { force_reply: { placeholder: "Your address" } });
    expect(botPlaceholder([...list, fr], ME, active)).toBe("Your address");
    // once I answered, the force_reply placeholder no longer applies
    expect(botPlaceholder([...list, fr, ev(ME, "text")], ME, active)).toBe("Pick a drink");
    expect(botPlaceholder(list, ME, null)).toBeNull();
  });
});

describe("commands", () => {
  const cmds: ChatCommand[] = [
    { command: "start", description: "Begin", bot: 9, handle: "food_bot" },
    { command: "menu", description: "Today's menu", bot: 9, handle: "food_bot" },
    { command: "help", description: "Help", bot: 9, handle: "food_bot" },
    { command: "helpdesk", description: "Tickets", bot: 10, handle: "desk_bot" },
    { command: "thelp", description: "Other", bot: 10, handle: "desk_bot" },
  ];

  it("reads the partial command only while the text is a bare command", () => {
    expect(commandQuery("/")).toBe("");
    expect(commandQuery("/he")).toBe("he");
    expect(commandQuery("/help@desk")).toBe("help@desk");
    expect(commandQuery("/help me")).toBeNull();
    expect(commandQuery("hi /he")).toBeNull();
    expect(commandQuery("")).toBeNull();
  });

  it("lists prefix matches first, then ones containing the text", () => {
    expect(filterCommands(cmds, "").map((c) => c.command)).toEqual(["start", "menu", "help", "helpdesk", "thelp"]);
    expect(filterCommands(cmds, "hel").map((c) => c.command)).toEqual(["help", "helpdesk", "thelp"]);
    expect(filterCommands(cmds, "HELP").map((c) => c.command)).toEqual(["help", "helpdesk", "thelp"]);
    expect(filterCommands(cmds, "zzz")).toEqual([]);
  });

  it("narrows to one bot after @", () => {
    expect(filterCommands(cmds, "help@desk").map((c) => c.command)).toEqual(["helpdesk", "thelp"]);
    expect(filterCommands(cmds, "@food").map((c) => c.command)).toEqual(["start", "menu", "help"]);
  });

  it("addresses the bot only when the chat has several", () => {
    expect(commandText(cmds[0], 1)).toBe("/start");
    expect(commandText(cmds[3], 2)).toBe("/helpdesk@desk_bot");
    expect(commandText({ ...cmds[3], handle: null }, 2)).toBe("/helpdesk");
  });

  it("finds the bots of a chat", () => {
    const direct = { id: 5, kind: "direct", peer: { id: 9, name: "Food", handle: "food_bot", bio: null, is_bot: true } } as ChatSummary;
    expect(botsIn(direct, undefined, {}).map((u) => u.id)).toEqual([9]);
    const person = { ...direct, peer: { id: 2, name: "Ann", handle: null, bio: null } } as ChatSummary;
    expect(botsIn(person, undefined, {})).toEqual([]);
    const group = { id: 6, kind: "group" } as ChatSummary;
    const members = [
      { id: 1, name: "Me", handle: null, bio: null },
      { id: 9, name: "Food", handle: "food_bot", bio: null, is_bot: true },
    ];
    expect(botsIn(group, members, {}).map((u) => u.id)).toEqual([9]);
  });
});

describe("links, buttons and menus", () => {
  it("only opens absolute http(s) links", () => {
    expect(safeUrl("https://shop.example.org/t/1")).toBe("https://shop.example.org/t/1");
    expect(safeUrl("http://example.org")).toBe("http://example.org/");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("JaVaScRiPt:alert(1)")).toBeNull();
    expect(safeUrl("data:text/html,hi")).toBeNull();
    expect(safeUrl("/relative")).toBeNull();
    expect(safeUrl(42)).toBeNull();
  });

  it("keeps only well-formed buttons and drops empty rows", () => {
    const e = ev(BOT, "rich", {
      buttons: [[{ text: "Add", data: "add" }, { text: "Bad", url: "javascript:x" }], [{ text: "Nothing" }], "nope"],
    });
    expect(buttonsOf(e)).toEqual([[{ text: "Add", data: "add" }]]);
    expect(buttonsOf(ev(BOT, "text"))).toEqual([]);
  });

  it("shows at most 3 entries of at most 5 sub-entries", () => {
    const act = { type: "command", text: "x" };
    const subs = Array.from({ length: 7 }, (_, i) => ({ name: `s${i}`, action: act }));
    const menu = menuOf([
      { name: "A", entries: subs },
      { name: "B", action: act },
      { name: "Empty" },
      { name: "C", action: act },
      { name: "D", action: act },
    ]);
    expect(menu.map((m) => m.name)).toEqual(["A", "B", "C"]);
    expect(menu[0].entries).toHaveLength(5);
    expect(menuOf("junk")).toEqual([]);
  });

  it("measures broadcast progress", () => {
    const b = { state: "sending", total: 4, sent: 1, skipped: 1 } as Broadcast;
    expect(broadcastProgress(b)).toBe(0.5);
    expect(broadcastProgress({ ...b, state: "done", sent: 2 })).toBe(1);
    expect(broadcastProgress({ ...b, total: 0 })).toBe(0);
  });
});
