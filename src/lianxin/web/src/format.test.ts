import { describe, expect, it } from "vitest";
import { dayLabel, initials, preview, presenceText, snippet, systemText } from "./format";
import { _dicts, detectLang, setLang } from "./i18n";
import { errorText } from "./errors";
import type { ChatEvent } from "./types";

const names: Record<number, string> = { 1: "Me", 2: "Alice", 3: "Bob", 4: "Carol" };
const nameOf = (id: number | null | undefined, n?: Record<string, string>) => (id == null ? "" : names[id] ?? n?.[String(id)] ?? "?");
const sys = (data: ChatEvent["data"]): ChatEvent => ({ chat: 1, seq: 1, id: 1, from: 2, kind: "system", ts: 0, data });

describe("system lines", () => {
  it("say who did what", () => {
    setLang("en");
    expect(systemText(sys({ type: "members_added", by: 2, users: [3, 4] }), 1, nameOf)).toBe("Alice added Bob and Carol");
    expect(systemText(sys({ type: "members_added", by: 1, users: [3] }), 1, nameOf)).toBe("You added Bob");
    expect(systemText(sys({ type: "created", by: 2, title: "Hike" }), 1, nameOf)).toBe("Alice created the group “Hike”");
    expect(systemText(sys({ type: "member_left", user: 3 }), 1, nameOf)).toBe("Bob left the group");
    expect(systemText(sys({ type: "renamed", by: 1, title: "X" }), 1, nameOf)).toBe("You renamed the group to “X”");
    expect(systemText(sys({ type: "recall", by: 2, seq: 1 }), 1, nameOf)).toBe("Alice recalled a message");
    expect(systemText(sys({ type: "something_new" }), 1, nameOf)).toBe("Chat updated");
  });

  it("are translated", () => {
    setLang("zh");
    expect(systemText(sys({ type: "members_added", by: 2, users: [3, 4] }), 1, nameOf)).toBe("Alice邀请Bob、Carol加入了群聊");
    setLang("en");
  });
});

describe("previews", () => {
  it("prefix the sender in groups", () => {
    const ev: ChatEvent = { chat: 1, seq: 1, id: 1, from: 2, kind: "text", ts: 0, text: "hi\nthere" };
    expect(preview(ev, 1, nameOf, true)).toBe("Alice: hi there");
    expect(preview(ev, 1, nameOf, false)).toBe("hi there");
    expect(preview({ ...ev, recalled: true, text: undefined }, 1, nameOf, false)).toBe("Alice recalled a message");
  });
});

describe("times", () => {
  it("label days", () => {
    const now = new Date(2025, 5, 15, 12).getTime();
    expect(dayLabel(now - 3600_000, now)).toBe("Today");
    expect(dayLabel(now - 86_400_000, now)).toBe("Yesterday");
    expect(dayLabel(new Date(2025, 0, 2).getTime(), now)).toContain("January");
  });
  it("describe presence", () => {
    const now = new Date(2025, 5, 15, 12).getTime();
    expect(presenceText({ user: 1, online: true, last_seen: null }, now)).toBe("online");
    expect(presenceText({ user: 1, online: false, last_seen: now - 5 * 60_000 }, now)).toBe("last seen 5 min ago");
    expect(presenceText({ user: 1, online: false, last_seen: null }, now)).toBe("last seen recently");
    expect(presenceText({ user: 1, online: null, last_seen: null }, now)).toBe(""); // hidden from me
  });
});

describe("i18n", () => {
  it("has every key in both languages", () => {
    expect(Object.keys(_dicts.zh).sort()).toEqual(Object.keys(_dicts.en).sort());
    for (const v of Object.values(_dicts.zh)) expect(v).not.toBe("");
  });
  it("picks the language from the browser unless chosen", () => {
    expect(detectLang("zh-CN", null)).toBe("zh");
    expect(detectLang("en-GB", null)).toBe("en");
    expect(detectLang("zh-TW", "en")).toBe("en");
  });
  it("maps error codes to human text, never the raw error", () => {
    setLang("en");
    expect(errorText({ code: "invalid_code", message: "bad" })).toBe("That code is not right. Check the SMS and try again.");
    expect(errorText(new Error("boom"))).toBe("Something went wrong. Please try again.");
    expect(errorText({ code: "brand_new_code" })).toBe("Something went wrong. Please try again.");
  });
  it("initials", () => {
    expect(initials("Alice Smith")).toBe("AS");
    expect(initials("王小明")).toBe("王");
  });
});

describe("quote snippets", () => {
  const msg = (kind: string, data: Record<string, unknown> = {}, text?: string): ChatEvent => ({ chat: 1, seq: 5, id: 5, from: 2, kind, ts: 0, data, text });
  it("name media by kind, with the caption", () => {
    setLang("en");
    expect(snippet(msg("text", {}, "hello\n  there"))).toBe("hello there");
    expect(snippet(msg("photo", { media: 1 }))).toBe("[Photo]");
    expect(snippet(msg("photo", { media: 1 }, "the beach"))).toBe("[Photo] the beach");
    expect(snippet(msg("voice", { media: 2, duration_ms: 12_300 }))).toBe("[Voice 0:12]");
    expect(snippet(msg("file", { media: 3, name: "plan.pdf" }))).toBe("[File] plan.pdf");
    expect(snippet(msg("video", { media: 4 }))).toBe("[Video]");
    expect(snippet(msg("location", { lat: 1, lon: 2, name: "Cafe" }))).toBe("[Location] Cafe");
    expect(snippet(msg("view_once", { media: 5 }))).toBe("[View-once photo]");
    expect(snippet(msg("sticker", { emoji: "😀" }))).toBe("[Sticker] 😀");
  });
  it("are translated", () => {
    setLang("zh");
    expect(snippet(msg("voice", { media: 2, duration_ms: 3000 }))).toBe("[语音 0:03]");
    expect(snippet(msg("photo", { media: 1 }, "海边"))).toBe("[图片] 海边");
    setLang("en");
  });
});
