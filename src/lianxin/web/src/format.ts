// Human text for times, days, presence, previews and system events (uses i18n only).
import { getLang, t } from "./i18n";
import { kindLabel, type MediaData } from "./media";
import type { ChatEvent, PresenceInfo } from "./types";

type NameOf = (id: number | null | undefined, names?: Record<string, string>) => string;

function locale(): string {
  return getLang() === "zh" ? "zh-CN" : "en";
}

export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

/** A day separator label: Today / Yesterday / weekday / full date. */
export function dayLabel(ms: number, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / 86_400_000);
  if (days === 0) return t("day.today");
  if (days === 1) return t("day.yesterday");
  const d = new Date(ms);
  if (days > 1 && days < 7) return d.toLocaleDateString(locale(), { weekday: "long" });
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(locale(), sameYear ? { month: "long", day: "numeric" } : { year: "numeric", month: "long", day: "numeric" });
}

/** The short time shown in the chat list. */
export function listTime(ms: number, now = Date.now()): string {
  if (!ms) return "";
  if (sameDay(ms, now)) return clock(ms);
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / 86_400_000);
  if (days === 1) return t("day.yesterday");
  const d = new Date(ms);
  if (days < 7) return d.toLocaleDateString(locale(), { weekday: "short" });
  return d.toLocaleDateString(locale(), { month: "numeric", day: "numeric" });
}

export function relative(ms: number, now = Date.now()): string {
  const mins = Math.floor((now - ms) / 60_000);
  if (mins < 1) return t("time.just_now");
  if (mins < 60) return t("time.minutes_ago", { n: mins });
  if (mins < 24 * 60 && sameDay(ms, now)) return t("time.hours_ago", { n: Math.floor(mins / 60) });
  return `${dayLabel(ms, now)} ${clock(ms)}`;
}

export function presenceText(p: PresenceInfo | undefined, now = Date.now()): string {
  if (!p || p.online === null) return ""; // unknown, or hidden from me
  if (p.online) return t("presence.online");
  if (!p.last_seen) return t("presence.recently");
  if (sameDay(p.last_seen, now)) {
    const mins = Math.floor((now - p.last_seen) / 60_000);
    if (mins < 60) return t("presence.last_seen", { when: relative(p.last_seen, now) });
    return t("presence.last_seen_today", { time: clock(p.last_seen) });
  }
  if (sameDay(p.last_seen + 86_400_000, now)) return t("presence.last_seen_yesterday", { time: clock(p.last_seen) });
  return t("presence.last_seen", { when: dayLabel(p.last_seen, now) });
}

function joinNames(names: string[]): string {
  return names.join(t("sys.and"));
}

/** A system event as one centred line, e.g. "Alice added Bob". */
export function systemText(ev: ChatEvent, me: number, nameOf: NameOf): string {
  const d = ev.data ?? {};
  const who = (id: number | null | undefined, capital = true) =>
    id === me ? (capital ? t("sys.you") : t("sys.you_lower")) : id == null ? t("sys.someone") : nameOf(id, d.names);
  switch (d.type) {
    case "created":
      return t("sys.created", { by: who(d.by), title: String(d.title ?? "") });
    case "members_added":
      return t("sys.members_added", {
        by: who(d.by),
        users: joinNames((d.users ?? []).map((u) => who(u, false))),
      });
    case "member_removed":
      return t("sys.member_removed", { by: who(d.by), user: who(d.user, false) });
    case "member_left": {
      const line = t("sys.member_left", { user: who(d.user) });
      return d.new_owner ? `${line} · ${t("sys.new_owner", { user: who(d.new_owner) })}` : line;
    }
    case "renamed":
      return t("sys.renamed", { by: who(d.by), title: String(d.title ?? "") });
    case "announcement":
      return d.text ? t("sys.announcement", { by: who(d.by), text: String(d.text) }) : t("sys.announcement_cleared", { by: who(d.by) });
    case "role_changed": {
      const role = d.role === "owner" ? t("role.owner") : d.role === "admin" ? t("role.admin") : t("role.member");
      return t("sys.role_changed", { by: who(d.by), user: who(d.user, false), role });
    }
    case "friends":
      return t("sys.friends");
    case "recall":
      return d.by === me ? t("msg.recalled_me") : t("msg.recalled", { name: who(d.by) });
    case "opened":
      return t(d.sender === me ? "sys.opened_mine" : "sys.opened", { by: who(d.by) });
    case "album":
      return t("sys.album", { by: who(d.by) });
    case "followed":
    case "unfollowed":
      return t(d.type === "followed" ? "sys.followed" : "sys.unfollowed", { user: who(d.user) });
  }
  return t("sys.unknown");
}

/**
 * One line that stands for a message in a quote or reply bar: the text, or for media and
 * shared kinds their label ("[Photo]", "[Voice 0:12]", "[File] a.pdf") plus any caption.
 */
export function snippet(ev: ChatEvent): string {
  const caption = (ev.text ?? "").replace(/\s+/g, " ").trim();
  if (ev.kind === "card" || ev.kind === "template") {
    return t(ev.kind === "card" ? "bot.preview_card" : "bot.preview_template", { title: String(ev.data?.title ?? "") });
  }
  const label = ev.kind === "text" ? "" : kindLabel(ev.kind, ev.data as MediaData | undefined).trim();
  return label && caption ? `${label} ${caption}` : label || caption;
}

/** The last-message line in the chat list. */
export function preview(ev: ChatEvent | null, me: number, nameOf: NameOf, group: boolean): string {
  if (!ev) return "";
  if (ev.kind === "system") return systemText(ev, me, nameOf);
  if (ev.recalled) return ev.from === me ? t("msg.recalled_me") : t("msg.recalled", { name: nameOf(ev.from) });
  const label = ev.kind === "text" ? "" : kindLabel(ev.kind, ev.data as MediaData | undefined);
  if (label) return group && ev.from !== me && ev.from != null ? `${nameOf(ev.from)}: ${label}` : label;
  let text = (ev.text ?? "").replace(/\s+/g, " ");
  if (ev.kind === "card" || ev.kind === "template") {
    text = t(ev.kind === "card" ? "bot.preview_card" : "bot.preview_template", { title: String(ev.data?.title ?? "") });
  }
  if (group && ev.from !== me && ev.from != null) return `${nameOf(ev.from)}: ${text}`;
  return text;
}

export function initials(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) return "?";
  const first = [...trimmed][0];
  if (/[\u3400-\u9fff]/.test(first)) return first;
  const parts = trimmed.split(/\s+/);
  return (parts[0][0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

/** A stable avatar colour for an id. */
export function avatarHue(id: number): number {
  return (id * 137.508) % 360;
}
