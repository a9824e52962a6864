// The client's picture of the world, updated by server frames and REST replies.
// Plain TS (no UI): the UI subscribes and re-renders; tests drive it with frames.
import { mentionsMe } from "./mentions";
import type {
  ChatEvent,
  ChatSummary,
  FriendRequest,
  Me,
  Member,
  PendingSend,
  PresenceInfo,
  ServerFrame,
  SystemData,
  User,
} from "./types";

export const TYPING_MS = 6000;
/** System events that change another message instead of showing a line of their own. */
export const SILENT_SYSTEM = new Set(["edit", "reaction", "link_preview"]);
/** Kinds that carry played / opened marks. */
const MARKED_KINDS = new Set(["voice", "view_once"]);

export function isSilent(ev: ChatEvent): boolean {
  return ev.kind === "system" && SILENT_SYSTEM.has(String(ev.data?.type ?? ""));
}
const CACHE_MESSAGES_PER_CHAT = 40;
const CACHE_CHATS = 60;

export interface State {
  me: Me | null;
  chats: Record<number, ChatSummary>;
  /** Loaded events per chat, ascending by seq, no duplicates. */
  messages: Record<number, ChatEvent[]>;
  /** True when history has been paged back to the start of what I may read. */
  atStart: Record<number, boolean>;
  friends: Record<number, User>;
  users: Record<number, User>;
  requests: Record<number, FriendRequest>;
  presence: Record<number, PresenceInfo>;
  /** chat -> user -> typing until (ms). */
  typing: Record<number, Record<number, number>>;
  /** chat -> the newest unread seq that mentions me (cleared when read past it). */
  mentioned: Record<number, number>;
  /** Loaded member lists of groups (not cached across reloads). */
  members: Record<number, Member[]>;
  /** "chat:seq" -> the emoji I reacted with (from `my_reactions` on pages, then reaction events). */
  myReactions: Record<string, string[]>;
  /** "chat:seq" -> my played/opened mark on others' voice and view-once messages (null: not yet). */
  myMarks: Record<string, "played" | "opened" | null>;
  /** "chat:seq" -> how many listeners played / opened my voice or view-once message. */
  markCounts: Record<string, number>;
}

export interface ApplyResult {
  /** Chats that events arrived for but that are not in the chat list yet. */
  unknownChats: number[];
  /** Chats whose summary should be re-read (membership or settings changed). */
  refreshChats: number[];
  /** New events from others, per chat: the highest seq (for `recv`). */
  received: Record<number, number>;
  /** My own events seen (from other devices or catch-up), by client id. */
  mine: string[];
  signedOut?: boolean;
}

export function emptyState(): State {
  return {
    me: null,
    chats: {},
    messages: {},
    atStart: {},
    friends: {},
    users: {},
    requests: {},
    presence: {},
    typing: {},
    mentioned: {},
    members: {},
    myReactions: {},
    myMarks: {},
    markCounts: {},
  };
}

function emptyResult(): ApplyResult {
  return { unknownChats: [], refreshChats: [], received: {}, mine: [] };
}

/** Insert events into an ascending list by seq, replacing same-seq entries. */
export function mergeEvents(list: ChatEvent[], incoming: ChatEvent[]): ChatEvent[] {
  if (!incoming.length) return list;
  const bySeq = new Map<number, ChatEvent>();
  for (const e of list) bySeq.set(e.seq, e);
  for (const e of incoming) bySeq.set(e.seq, { ...bySeq.get(e.seq), ...e });
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export function sortChats(chats: ChatSummary[]): ChatSummary[] {
  return [...chats].sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    if (a.pinned && b.pinned && (a.pinned_at ?? 0) !== (b.pinned_at ?? 0)) return (b.pinned_at ?? 0) - (a.pinned_at ?? 0);
    return (b.last_activity_at ?? 0) - (a.last_activity_at ?? 0) || b.id - a.id;
  });
}

export class Store {
  state: State = emptyState();
  /** The chat on screen (its new messages are read at once while the page is visible). */
  activeChat: number | null = null;
  private listeners = new Set<() => void>();

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(): void {
    this.listeners.forEach((fn) => fn());
  }

  get myId(): number {
    return this.state.me?.id ?? 0;
  }

  // -- queries ----------------------------------------------------------------------------

  /** The chat list: unarchived (or only archived) chats; a search looks through both. */
  chatList(query = "", archived = false): ChatSummary[] {
    const q = query.trim().toLowerCase();
    const all = Object.values(this.state.chats);
    const hits = q
      ? all.filter((c) =>
          [this.chatTitle(c), c.peer?.handle ?? ""].some((s) => s.toLowerCase().includes(q)),
        )
      : all.filter((c) => c.archived === archived);
    return sortChats(hits);
  }

  archivedCount(): number {
    return Object.values(this.state.chats).filter((c) => c.archived).length;
  }

  /** The newest event worth showing in the chat list (edits and reactions are not). */
  lastShown(chat: ChatSummary): ChatEvent | null {
    if (chat.last && !isSilent(chat.last)) return chat.last;
    const list = this.state.messages[chat.id] ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (!isSilent(list[i])) return list[i];
    return null;
  }

  /** Record my reaction when the server says nothing changed (I had it, or had not). */
  setMyReaction(chat: number, seq: number, emoji: string, on: boolean): void {
    const key = `${chat}:${seq}`;
    const rest = (this.state.myReactions[key] ?? []).filter((x) => x !== emoji);
    this.state.myReactions[key] = on ? [...rest, emoji] : rest;
  }

  myReactionsOn(chat: number, seq: number): string[] {
    return this.state.myReactions[`${chat}:${seq}`] ?? [];
  }

  /** Unread seq mentioning me in this chat, if any. */
  mentionIn(chat: number): number | undefined {
    return this.state.mentioned[chat];
  }

  chatTitle(chat: ChatSummary): string {
    if (chat.kind === "direct" && chat.peer) {
      return this.state.friends[chat.peer.id]?.remark || (this.state.users[chat.peer.id]?.name ?? chat.peer.name ?? chat.title);
    }
    return chat.title;
  }

  userName(id: number | null | undefined, names?: Record<string, string>): string {
    if (id == null) return "";
    const remark = this.state.friends[id]?.remark; // my private name for a friend wins
    if (remark) return remark;
    return this.state.users[id]?.name ?? names?.[String(id)] ?? this.state.friends[id]?.name ?? `#${id}`;
  }

  totalUnread(): number {
    return Object.values(this.state.chats).reduce((n, c) => n + (c.muted ? 0 : c.unread || 0), 0);
  }

  pendingRequests(): FriendRequest[] {
    return Object.values(this.state.requests)
      .filter((r) => r.state === "pending" && r.to === this.myId)
      .sort((a, b) => b.updated_at - a.updated_at);
  }

  outgoingRequests(): FriendRequest[] {
    return Object.values(this.state.requests)
      .filter((r) => r.state === "pending" && r.from === this.myId)
      .sort((a, b) => b.updated_at - a.updated_at);
  }

  friendList(): User[] {
    return Object.values(this.state.friends).sort((a, b) => a.name.localeCompare(b.name));
  }

  typingIn(chat: number, now = Date.now()): number[] {
    const t = this.state.typing[chat];
    if (!t) return [];
    return Object.entries(t)
      .filter(([, until]) => until > now)
      .map(([u]) => Number(u));
  }

  /** The event a reply quotes, when loaded. */
  findEvent(chat: number, seq: number): ChatEvent | undefined {
    return this.state.messages[chat]?.find((e) => e.seq === seq);
  }

  /** Tick state of one of my messages in a direct chat. */
  tick(chat: ChatSummary, seq: number): "sent" | "delivered" | "read" {
    if ((chat.peer_read_seq ?? 0) >= seq) return "read";
    if ((chat.peer_delivered_seq ?? 0) >= seq) return "delivered";
    return "sent";
  }

  // -- mutations from the server -------------------------------------------------------

  apply(frame: ServerFrame, now = Date.now()): ApplyResult {
    const out = emptyResult();
    const s = this.state;
    switch (frame.t) {
      case "sync":
        this.applySync(frame, out);
        break;
      case "ev":
        this.insertEvents(frame.chat, [frame as unknown as ChatEvent], out, true);
        break;
      case "evs":
        // Catch-up: the sync frame's summary already counts these in `unread`.
        this.insertEvents(frame.chat, frame.events as ChatEvent[], out, false);
        break;
      case "gap": {
        // Only the newest page was replayed: what came before is fetched by paging back.
        const list = s.messages[frame.chat] ?? [];
        s.messages[frame.chat] = list.filter((e) => e.seq >= frame.before);
        s.atStart[frame.chat] = false;
        break;
      }
      case "read": {
        const chat = s.chats[frame.chat];
        if (!chat) break;
        if (frame.user === this.myId) this.markReadLocally(chat, frame.seq);
        else if (chat.kind === "direct") {
          chat.peer_read_seq = Math.max(chat.peer_read_seq ?? 0, frame.seq);
          chat.peer_delivered_seq = Math.max(chat.peer_delivered_seq ?? 0, frame.seq);
        }
        break;
      }
      case "delivered": {
        const chat = s.chats[frame.chat];
        if (chat && frame.user !== this.myId && chat.kind === "direct") {
          chat.peer_delivered_seq = Math.max(chat.peer_delivered_seq ?? 0, frame.seq);
        }
        break;
      }
      case "typing": {
        if (frame.user === this.myId) break;
        s.typing[frame.chat] = { ...s.typing[frame.chat], [frame.user]: now + TYPING_MS };
        break;
      }
      case "presence":
        s.presence[frame.user] = { user: frame.user, online: !!frame.online, last_seen: frame.last_seen ?? null };
        break;
      case "presence_list":
        for (const p of frame.users as PresenceInfo[]) s.presence[p.user] = p;
        break;
      case "block":
        this.blockChanged(frame.user as number, !!frame.blocked);
        break;
      case "request":
        this.upsertRequest(frame.request as FriendRequest);
        break;
      case "friend": {
        const u = frame.user as User;
        if (frame.active) {
          s.friends[u.id] = { ...s.friends[u.id], ...u };
          s.users[u.id] = u;
        } else delete s.friends[u.id];
        break;
      }
      case "friend_meta": {
        const f = s.friends[frame.user as number];
        if (f) s.friends[f.id] = { ...f, remark: frame.remark, tags: frame.tags, starred: frame.starred, close_friend: frame.close_friend };
        break;
      }
      case "chat":
        this.upsertChat(frame.chat as ChatSummary);
        break;
      case "hidden":
        this.hide(frame.chat, frame.seq);
        break;
      case "me":
        s.me = frame.user as Me;
        s.users[s.me.id] = s.me;
        break;
      case "profile":
        this.upsertProfile(frame.user as User);
        break;
      case "signed_out":
        out.signedOut = true;
        break;
      default:
        return out;
    }
    this.emit();
    return out;
  }

  private applySync(frame: ServerFrame, out: ApplyResult): void {
    const s = this.state;
    s.me = frame.me as Me;
    s.users[s.me.id] = s.me;
    const chats = frame.chats as ChatSummary[];
    if (frame.full) {
      const keep = new Set(chats.map((c) => c.id));
      for (const id of Object.keys(s.chats).map(Number)) {
        if (!keep.has(id)) {
          delete s.chats[id];
          delete s.messages[id];
        }
      }
    }
    for (const c of chats) this.upsertChat(c);
    if (frame.full) s.friends = {};
    for (const f of frame.friends as (User & { active?: boolean })[]) {
      const { active, ...user } = f;
      s.users[user.id] = { ...s.users[user.id], ...user };
      if (active === false) delete s.friends[user.id];
      else s.friends[user.id] = user as User;
    }
    for (const p of (frame.profiles ?? []) as User[]) this.upsertProfile(p);
    if (frame.full) s.requests = {};
    for (const r of (frame.requests ?? []) as FriendRequest[]) this.upsertRequest(r);
    for (const h of (frame.hidden ?? []) as { chat: number; seq: number }[]) this.hide(h.chat, h.seq);
    for (const p of (frame.presence ?? []) as PresenceInfo[]) s.presence[p.user] = p;
    void out;
  }

  upsertChat(chat: ChatSummary): void {
    const s = this.state;
    const old = s.chats[chat.id];
    // A summary may be older than events already applied; keep the newest "last".
    if (old && old.last_seq > chat.last_seq) {
      chat = { ...chat, last: old.last, last_seq: old.last_seq, last_activity_at: old.last_activity_at };
    }
    s.chats[chat.id] = { ...old, ...chat };
    if (chat.peer) s.users[chat.peer.id] = { ...s.users[chat.peer.id], ...chat.peer };
  }

  upsertRequest(req: FriendRequest): void {
    const s = this.state;
    const old = s.requests[req.id];
    s.requests[req.id] = { ...old, ...req, user: req.user ?? old?.user };
    if (req.user) s.users[req.user.id] = { ...s.users[req.user.id], ...req.user };
  }

  upsertProfile(user: User): void {
    const s = this.state;
    s.users[user.id] = { ...s.users[user.id], ...user };
    if (s.friends[user.id]) s.friends[user.id] = { ...s.friends[user.id], ...user };
    for (const chat of Object.values(s.chats)) {
      if (chat.kind === "direct" && chat.peer?.id === user.id) {
        chat.peer = { ...chat.peer, ...user };
        chat.title = user.name;
      }
    }
  }

  /** Remove events locally (deleted for me). */
  hideLocally(chat: number, seqs: number[]): void {
    for (const seq of seqs) this.hide(chat, seq);
    this.emit();
  }

  private hide(chat: number, seq: number): void {
    const list = this.state.messages[chat];
    if (list) this.state.messages[chat] = list.filter((e) => e.seq !== seq);
  }

  markReadLocally(chat: ChatSummary, seq: number): void {
    const m = this.state.mentioned[chat.id];
    if (m !== undefined && m <= seq) delete this.state.mentioned[chat.id];
    if (seq <= chat.read_seq) return;
    chat.read_seq = seq;
    if (seq >= chat.last_seq) chat.unread = 0;
    else {
      const loaded = this.state.messages[chat.id] ?? [];
      const after = loaded.filter((e) => e.seq > seq && e.kind !== "system" && !e.recalled && e.from !== this.myId);
      chat.unread = Math.min(chat.unread, after.length);
    }
  }

  private insertEvents(chatId: number, events: ChatEvent[], out: ApplyResult, live: boolean): void {
    const s = this.state;
    if (!events.length) return;
    const known = s.chats[chatId];
    const before = s.messages[chatId] ?? [];
    const had = new Set(before.map((e) => e.seq));
    s.messages[chatId] = mergeEvents(before, events);
    for (const ev of events) {
      if (ev.from === this.myId && ev.cid) out.mine.push(ev.cid);
      if (ev.from !== this.myId && ev.from != null) {
        out.received[chatId] = Math.max(out.received[chatId] ?? 0, ev.seq);
        const typing = s.typing[chatId];
        if (typing && ev.from in typing) delete typing[ev.from];
      }
      if (ev.kind === "system" && ev.data) this.applySystem(chatId, ev, out);
      if (!known) continue;
      if (ev.seq > known.last_seq || !known.last || known.last.seq <= ev.seq) {
        if (ev.seq >= known.last_seq) {
          known.last = ev;
          known.last_seq = ev.seq;
          known.last_activity_at = Math.max(known.last_activity_at ?? 0, ev.ts);
        }
      }
      const fresh = live && !had.has(ev.seq);
      if (fresh && ev.kind !== "system" && ev.from !== this.myId && ev.seq > known.read_seq && !ev.recalled) {
        known.unread = (known.unread ?? 0) + 1;
      }
      if (mentionsMe(ev, this.myId) && !ev.recalled && ev.seq > known.read_seq) {
        s.mentioned[chatId] = Math.max(s.mentioned[chatId] ?? 0, ev.seq);
      }
      if (ev.from === this.myId && ev.seq > known.read_seq) {
        // Sending implies having read everything before it (the server does the same).
        this.markReadLocally(known, ev.seq);
      }
    }
    if (!known) out.unknownChats.push(chatId);
    this.learnMine(chatId, events, live);
  }

  /**
   * Per-user pages (history, catch-up) say which reactions and played/opened marks are mine:
   * they win over events. A voice or view-once message that arrives live is new, so not yet
   * played by me (my other devices' plays come as `played` frames).
   */
  private learnMine(chatId: number, events: ChatEvent[], live = false): void {
    const s = this.state;
    for (const ev of events) {
      const key = `${chatId}:${ev.seq}`;
      if (ev.my_reactions) s.myReactions[key] = [...ev.my_reactions];
      if (ev.my_mark !== undefined) s.myMarks[key] = ev.my_mark;
      else if (live && MARKED_KINDS.has(ev.kind) && ev.from !== this.myId && !(key in s.myMarks)) s.myMarks[key] = null;
      if (typeof ev.mark_count === "number") s.markCounts[key] = ev.mark_count;
    }
  }

  /** My played/opened mark on a message: undefined when no page or frame has said. */
  myMarkOn(chat: number, seq: number): "played" | "opened" | null | undefined {
    return this.state.myMarks[`${chat}:${seq}`];
  }

  /** How many listeners played / opened my message, as the last page said (undefined: unknown). */
  markCountOn(chat: number, seq: number): number | undefined {
    return this.state.markCounts[`${chat}:${seq}`];
  }

  private applySystem(chatId: number, ev: ChatEvent, out: ApplyResult): void {
    const s = this.state;
    const d = ev.data!;
    const chat = s.chats[chatId];
    if (d.names) {
      for (const [id, name] of Object.entries(d.names)) {
        const uid = Number(id);
        if (!s.users[uid]) s.users[uid] = { id: uid, name, handle: null, bio: null };
      }
    }
    switch (d.type) {
      case "recall": {
        const list = s.messages[chatId];
        const target = list?.find((e) => e.seq === d.seq);
        if (target) {
          target.recalled = true;
          delete target.text;
        }
        if (chat?.last && chat.last.seq === d.seq) chat.last = { ...chat.last, recalled: true, text: undefined };
        if (chat && target && target.from !== this.myId && (d.seq ?? 0) > chat.read_seq && chat.unread > 0) {
          chat.unread -= 1;
        }
        if (s.mentioned[chatId] === d.seq) delete s.mentioned[chatId];
        break;
      }
      case "edit": {
        const target = s.messages[chatId]?.find((e) => e.seq === d.seq);
        if (d.recalled || typeof d.text !== "string") break;
        if (target && !target.recalled) {
          Object.assign(target, { text: d.text, edited: true, edited_at: d.edited_at });
          // A bot's edit carries the message's new buttons/card (docs/bots.md); a rich
          // message edited without content has lost its buttons, as on Telegram.
          if (d.content && typeof d.content === "object") {
            target.data = { ...(d.content as SystemData) };
            if (target.kind === "text") target.kind = "rich";
          } else if (target.kind === "rich") delete target.data;
        }
        if (chat?.last && chat.last.seq === d.seq && !chat.last.recalled) chat.last = { ...chat.last, text: d.text, edited: true };
        break;
      }
      case "reaction": {
        const target = s.messages[chatId]?.find((e) => e.seq === d.seq);
        if (target && d.counts) target.reactions = { ...d.counts };
        if (d.user === this.myId && d.emoji && d.seq) {
          const key = `${chatId}:${d.seq}`;
          const mine = (s.myReactions[key] ?? []).filter((x) => x !== d.emoji);
          s.myReactions[key] = d.on ? [...mine, d.emoji] : mine;
        }
        break;
      }
      case "link_preview": {
        const target = s.messages[chatId]?.find((e) => e.seq === d.seq);
        if (target && d.link) target.data = { ...target.data, link: d.link };
        break;
      }
      case "renamed":
        if (chat && d.title) chat.title = d.title;
        break;
      case "announcement":
        if (chat) chat.announcement = d.text ?? "";
        break;
      case "members_added":
      case "member_removed":
      case "member_left":
      case "role_changed":
      case "created":
        out.refreshChats.push(chatId);
        break;
    }
  }

  /** A page of history from REST (ascending). */
  addHistory(chatId: number, events: ChatEvent[], more: boolean, fromStart: boolean): void {
    const s = this.state;
    s.messages[chatId] = mergeEvents(s.messages[chatId] ?? [], events);
    for (const ev of events) {
      if (ev.kind === "system" && ev.data?.names) this.applySystem(chatId, { ...ev, data: { names: ev.data.names } }, emptyResult());
      if (ev.kind === "system" && (ev.data?.type === "recall" || isSilent(ev))) this.applySystem(chatId, ev, emptyResult());
    }
    this.learnMine(chatId, events);
    if (fromStart || !more) s.atStart[chatId] = !more;
    this.emit();
  }

  /** My send was stored: turn the pending message into a real one. */
  applyAck(ack: ServerFrame, pending: PendingSend | undefined): void {
    const me = this.myId;
    const ev: ChatEvent = {
      chat: ack.chat,
      seq: ack.seq,
      id: ack.mid,
      from: me,
      kind: pending?.kind ?? "text",
      ts: ack.ts,
      cid: ack.id,
      text: pending?.text ?? "",
    };
    if (pending?.data) ev.data = pending.data;
    if (ev.kind !== "text" && !ev.text) delete ev.text;
    if (pending?.reply_to) ev.reply_to = pending.reply_to;
    if (pending?.mentions?.length) ev.mentions = pending.mentions;
    if (pending?.mention_all) ev.mention_all = true;
    const existing = this.findEvent(ack.chat, ack.seq);
    this.insertEvents(ack.chat, [existing ? { ...ev, ...existing } : ev], emptyResult(), false);
    this.emit();
  }

  /** I blocked (or unblocked) someone: the server stops (or resumes) telling me their
   * presence, so what was last shown goes at once. Blocked: hidden, as the server's
   * `online: null` (nothing to ask again); unblocked: unknown, asked again when shown. */
  blockChanged(user: number, blocked: boolean): void {
    if (blocked) this.state.presence[user] = { user, online: null, last_seen: null };
    else delete this.state.presence[user];
    this.emit();
  }

  setPresence(list: PresenceInfo[]): void {
    for (const p of list) this.state.presence[p.user] = p;
    this.emit();
  }

  setMembers(chat: number, list: Member[]): void {
    this.state.members[chat] = list;
    this.setUsers(list);
  }

  setUsers(users: User[]): void {
    for (const u of users) this.state.users[u.id] = { ...this.state.users[u.id], ...u };
    this.emit();
  }

  removeChat(id: number): void {
    delete this.state.chats[id];
    delete this.state.messages[id];
    delete this.state.members[id];
    this.emit();
  }

  reset(): void {
    this.state = emptyState();
    this.activeChat = null;
    this.emit();
  }

  // -- cache (instant start and offline reading) ------------------------------------------

  snapshot(): Partial<State> {
    const s = this.state;
    const chats = sortChats(Object.values(s.chats)).slice(0, CACHE_CHATS);
    const messages: Record<number, ChatEvent[]> = {};
    for (const c of chats) {
      const list = s.messages[c.id];
      if (list?.length) messages[c.id] = list.slice(-CACHE_MESSAGES_PER_CHAT);
    }
    return {
      me: s.me,
      chats: Object.fromEntries(chats.map((c) => [c.id, c])),
      messages,
      friends: s.friends,
      users: s.users,
      requests: s.requests,
      mentioned: s.mentioned,
      myReactions: s.myReactions,
      myMarks: s.myMarks,
      markCounts: s.markCounts,
    };
  }

  hydrate(snap: Partial<State>): void {
    this.state = { ...emptyState(), ...snap, atStart: {}, presence: {}, typing: {}, members: {} };
    this.state.mentioned ??= {};
    this.state.myReactions ??= {};
    this.state.myMarks ??= {};
    this.state.markCounts ??= {};
    this.emit();
  }
}
