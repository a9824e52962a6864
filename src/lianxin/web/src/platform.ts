// The open platform in the client, minus the UI: bot and official-account wire shapes,
// which reply keyboard applies, command filtering, safe links, and the REST calls
// (docs/bots.md, docs/official-accounts.md). Plain TS so it is unit-tested.
import type { Api } from "./api";
import type { ChatEvent, ChatSummary, User } from "./types";

export interface InlineButton {
  text: string;
  data?: string;
  url?: string;
}

export interface ReplyKeyboard {
  rows?: { text: string }[][];
  resize?: boolean;
  one_time?: boolean;
  placeholder?: string;
  persistent?: boolean;
  remove?: boolean;
}

export interface BotCommand {
  command: string;
  description: string;
}

/** A command offered in a chat: which bot declared it (groups may hold several bots). */
export interface ChatCommand extends BotCommand {
  bot: number;
  handle: string | null;
}

export interface MenuAction {
  type: "command" | "url" | "mini_app" | string;
  text?: string;
  url?: string;
  app_id?: string;
  path?: string;
}

export interface MenuEntry {
  name: string;
  action?: MenuAction;
  entries?: { name: string; action: MenuAction }[];
}

export interface OfficialAccount {
  id: number;
  name: string;
  handle: string | null;
  description: string;
  verified: boolean;
  follower_count: number;
  menu: MenuEntry[];
  following: boolean;
  templates_allowed: boolean;
  chat_id: number | null;
  /** Present only when I own it. */
  owner?: number;
}

export interface Broadcast {
  id: number;
  account: number;
  text: string;
  state: "queued" | "sending" | "done" | "cancelled" | string;
  total: number;
  sent: number;
  skipped: number;
  created_at: number;
  finished_at: number | null;
}

export interface TemplateContent {
  title: string;
  fields?: { label: string; value: string }[];
  button?: { text: string; url: string };
}

/** Kinds whose message may carry inline buttons / a reply keyboard. */
export const BOT_KINDS = new Set(["rich", "card"]);

/** An http(s) link as an absolute URL, or null for anything else (javascript:, data:, relative…). */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== "string" || !url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** Inline button rows of a message, keeping only well-formed buttons. */
export function buttonsOf(ev: ChatEvent): InlineButton[][] {
  const rows = ev.data?.buttons;
  if (!Array.isArray(rows)) return [];
  return rows
    .map((row) => (Array.isArray(row) ? (row as InlineButton[]).filter((b) => b && typeof b.text === "string" && (typeof b.data === "string" || safeUrl(b.url))) : []))
    .filter((row) => row.length > 0);
}

export interface ActiveKeyboard {
  /** The message that carries it. */
  seq: number;
  keyboard: ReplyKeyboard;
  /** A one-time keyboard already used: folded away, a tap on the keyboard button shows it again. */
  collapsed: boolean;
}

/**
 * The reply keyboard that applies in a chat now: the newest keyboard (or removal) another
 * member sent. A later `{remove: true}` takes it away; a `one_time` keyboard folds away
 * once I sent anything after it (Telegram's rule), but stays reachable.
 */
export function activeKeyboard(events: ChatEvent[], me: number): ActiveKeyboard | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i];
    if (ev.recalled || ev.from === me || ev.kind === "system") continue;
    const kb = ev.data?.keyboard as ReplyKeyboard | undefined;
    if (!kb || typeof kb !== "object") continue;
    if (kb.remove) return null;
    if (!Array.isArray(kb.rows) || !kb.rows.length) return null;
    const used = kb.one_time === true && events.slice(i + 1).some((e) => e.from === me && e.kind !== "system" && !e.recalled);
    return { seq: ev.seq, keyboard: kb, collapsed: used };
  }
  return null;
}

/** Whether to show the keyboard: the user's own toggle for this keyboard wins, else shown unless
 * folded after use (a `persistent` keyboard comes back even then, as on Telegram). */
export function keyboardShown(active: ActiveKeyboard | null, toggled: { seq: number; open: boolean } | null): boolean {
  if (!active) return false;
  if (toggled && toggled.seq === active.seq) return toggled.open;
  return !active.collapsed || active.keyboard.persistent === true;
}

/** The placeholder a bot asked for: a force_reply's on the newest bot message, else the shown keyboard's. */
export function botPlaceholder(events: ChatEvent[], me: number, shown: ActiveKeyboard | null): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i];
    if (ev.kind === "system" || ev.recalled) continue;
    if (ev.from === me) break;
    const fr = ev.data?.force_reply as { placeholder?: string } | undefined;
    if (fr && typeof fr.placeholder === "string" && fr.placeholder) return fr.placeholder;
    break;
  }
  const p = shown?.keyboard.placeholder;
  return typeof p === "string" && p ? p : null;
}

/** The partial command being typed ("/he" -> "he"), or null when the text is not a bare command yet. */
export function commandQuery(text: string): string | null {
  const m = /^\/([A-Za-z0-9_]*(?:@[A-Za-z0-9_]*)?)$/.exec(text);
  return m ? m[1] : null;
}

/** Commands matching a partial: prefix matches first, then ones containing it; "@handle" narrows to one bot. */
export function filterCommands(commands: ChatCommand[], query: string): ChatCommand[] {
  const [name, at] = query.toLowerCase().split("@");
  const pool = at === undefined ? commands : commands.filter((c) => (c.handle ?? "").toLowerCase().startsWith(at));
  const starts = pool.filter((c) => c.command.toLowerCase().startsWith(name));
  const inside = name ? pool.filter((c) => !c.command.toLowerCase().startsWith(name) && c.command.toLowerCase().includes(name)) : [];
  return [...starts, ...inside];
}

/** The text a picked command sends: in a chat with several bots, addressed as /cmd@handle. */
export function commandText(cmd: ChatCommand, botCount: number): string {
  return botCount > 1 && cmd.handle ? `/${cmd.command}@${cmd.handle}` : `/${cmd.command}`;
}

/** The bots in a chat: the peer of a direct chat, or the bot members of a group. */
export function botsIn(chat: ChatSummary, members: User[] | undefined, users: Record<number, User>): User[] {
  if (chat.kind === "direct") {
    const peer = chat.peer ? { ...chat.peer, ...users[chat.peer.id] } : null;
    return peer?.is_bot ? [peer] : [];
  }
  return (members ?? []).filter((m) => m.is_bot);
}

/** A menu with only entries this client can show: at most 3 top entries of at most 5 sub-entries. */
export function menuOf(menu: unknown): MenuEntry[] {
  if (!Array.isArray(menu)) return [];
  return (menu as MenuEntry[])
    .filter((e) => e && typeof e.name === "string" && (e.action || (Array.isArray(e.entries) && e.entries.length)))
    .slice(0, 3)
    .map((e) => (e.entries ? { name: e.name, entries: e.entries.filter((s) => s && typeof s.name === "string" && s.action).slice(0, 5) } : e));
}

/** How far a broadcast got, 0..1 (a finished one is whole even when followers left). */
export function broadcastProgress(b: Broadcast): number {
  if (b.state === "done") return 1;
  if (!b.total) return 0;
  return Math.min(1, (b.sent + b.skipped) / b.total);
}

/** The platform endpoints, over the client's authorised REST half. */
export class PlatformApi {
  constructor(private api: Api) {}

  commands(botId: number) {
    return this.api.call<BotCommand[]>("GET", `/api/v1/bots/${botId}/commands`);
  }
  startBot(botId: number, param?: string) {
    return this.api.call<ChatEvent>("POST", `/api/v1/bots/${botId}/start`, param ? { param } : {});
  }
  press(chat: number, seq: number, data: string) {
    return this.api.call<{ id: string }>("POST", `/api/v1/chats/${chat}/messages/${seq}/callback`, { data });
  }
  directory(q = "", limit = 30) {
    return this.api.call<OfficialAccount[]>("GET", `/api/v1/official?${new URLSearchParams({ q, limit: String(limit) })}`);
  }
  following() {
    return this.api.call<OfficialAccount[]>("GET", "/api/v1/official/following");
  }
  mine() {
    return this.api.call<OfficialAccount[]>("GET", "/api/v1/official/mine");
  }
  account(id: number) {
    return this.api.call<OfficialAccount>("GET", `/api/v1/official/${id}`);
  }
  follow(id: number, on: boolean) {
    return this.api.call<OfficialAccount>(on ? "PUT" : "DELETE", `/api/v1/official/${id}/follow`);
  }
  allowTemplates(id: number, allowed: boolean) {
    return this.api.call<OfficialAccount>("PUT", `/api/v1/official/${id}/templates`, { allowed });
  }
  broadcasts(id: number) {
    return this.api.call<Broadcast[]>("GET", `/api/v1/official/${id}/broadcasts`);
  }
  broadcast(id: number, clientId: string, text: string) {
    return this.api.call<Broadcast>("POST", `/api/v1/official/${id}/broadcasts`, { client_id: clientId, text });
  }
  cancelBroadcast(id: number, bid: number) {
    return this.api.call<Broadcast>("POST", `/api/v1/official/${id}/broadcasts/${bid}/cancel`);
  }
}
