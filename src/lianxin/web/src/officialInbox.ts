// An official account's inbox for its owner: the followers' conversations (newest first,
// with unread counts as the account sees them), their history, and replies sent as the
// account. Kept live by `official_message` / `official_read` frames (docs/official-accounts.md).
// Plain TS so it is unit-tested; the UI is ui/OfficialInbox.tsx.
import type { Api } from "./api";
import type { Client } from "./client";
import { errorText } from "./errors";
import { newClientId } from "./outbox";
import type { ChatEvent, ChatSummary, ServerFrame } from "./types";

const PAGE = 50;

/** A reply typed here and not yet stored by the server. */
export interface PendingReply {
  cid: string;
  chat: number;
  text: string;
  ts: number;
  failed: boolean;
}

/** Newest conversation first (the chat's newest event, else its last activity); the newer chat wins a tie. */
export function sortInbox(chats: ChatSummary[]): ChatSummary[] {
  const when = (c: ChatSummary) => Math.max(c.last?.ts ?? 0, c.last_activity_at ?? 0);
  return [...chats].sort((a, b) => when(b) - when(a) || b.id - a.id);
}

/**
 * A new event in one of the account's chats, applied to its inbox list. A follower's message
 * counts as unread unless the chat is being read (`reading`); the account's own replies do not.
 * Returns null when the chat is not in the list (a new follower: reload the list).
 */
export function applyInboxEvent(chats: ChatSummary[], account: number, ev: ChatEvent, reading: boolean): ChatSummary[] | null {
  const row = chats.find((c) => c.id === ev.chat);
  if (!row) return null;
  if (ev.seq <= row.last_seq) return chats; // already counted (a page and a frame may overlap)
  const fromFollower = ev.from !== account && ev.kind !== "system";
  const next: ChatSummary = {
    ...row,
    last: ev,
    last_seq: Math.max(row.last_seq, ev.seq),
    last_activity_at: Math.max(row.last_activity_at, ev.ts),
    unread: fromFollower && !reading ? row.unread + 1 : row.unread,
  };
  if (ev.from === account) next.read_seq = Math.max(row.read_seq, ev.seq); // replying means it was read
  return sortInbox(chats.map((c) => (c.id === row.id ? next : c)));
}

/** The account read a chat up to `seq`: everything up to the newest event read means nothing unread. */
export function applyInboxRead(chats: ChatSummary[], chat: number, seq: number, events?: ChatEvent[], account?: number): ChatSummary[] {
  return chats.map((c) => {
    if (c.id !== chat || seq <= c.read_seq) return c;
    let unread = 0;
    if (seq < c.last_seq) {
      unread = events && account !== undefined ? events.filter((e) => e.seq > seq && e.from !== account && e.kind !== "system").length : Math.max(0, c.unread);
    }
    return { ...c, read_seq: seq, unread };
  });
}

/** Two runs of a chat's events as one, in seq order, without twins (a live frame and a page may overlap). */
export function mergeEvents(a: ChatEvent[], b: ChatEvent[]): ChatEvent[] {
  const bySeq = new Map<number, ChatEvent>();
  for (const e of a) bySeq.set(e.seq, e);
  for (const e of b) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

export function inboxUnread(chats: ChatSummary[] | undefined): number {
  return (chats ?? []).reduce((n, c) => n + (c.unread > 0 ? c.unread : 0), 0);
}

/** The owner-only endpoints, over the client's authorised REST half. */
export class InboxApi {
  constructor(private api: Api) {}

  chats(account: number) {
    return this.api.call<ChatSummary[]>("GET", `/api/v1/official/${account}/chats`);
  }
  history(account: number, chat: number, before?: number) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (before) q.set("before", String(before));
    return this.api.call<{ events: ChatEvent[]; more: boolean }>("GET", `/api/v1/official/${account}/chats/${chat}/messages?${q}`);
  }
  send(account: number, chat: number, clientId: string, text: string) {
    return this.api.call<ChatEvent & { duplicate: boolean }>("POST", `/api/v1/official/${account}/chats/${chat}/messages`, { client_id: clientId, text });
  }
  read(account: number, chat: number, seq: number) {
    return this.api.call<{ read_seq: number }>("POST", `/api/v1/official/${account}/chats/${chat}/read`, { seq });
  }
}

export class OfficialInbox {
  api: InboxApi;
  /** Inbox lists by account id (absent until loaded). */
  chats = new Map<number, ChatSummary[]>();
  events = new Map<number, ChatEvent[]>();
  /** Whether older history exists before the loaded events. */
  more = new Map<number, boolean>();
  pending = new Map<number, PendingReply[]>();
  errors = new Map<number, string>();
  /** The conversation on screen: its new messages are read as they arrive. */
  open: { account: number; chat: number } | null = null;
  private loading = new Set<string>();
  /** Frames seen while an account's list is loading, by account. */
  private buffers = new Map<number, ServerFrame[]>();

  constructor(private client: Client) {
    this.api = new InboxApi(client.api);
    client.onServerFrame((f) => this.onFrame(f));
  }

  private changed(): void {
    this.client.store.emit();
  }

  private async once(key: string, load: () => Promise<void>): Promise<void> {
    if (this.loading.has(key)) return;
    this.loading.add(key);
    try {
      await load();
    } finally {
      this.loading.delete(key);
    }
  }

  /** (Re)load an account's conversations. Frames that arrive while the list is on its way
   * are applied again on top of it (the answer may predate them). */
  load(account: number): Promise<void> {
    return this.once(`l${account}`, async () => {
      const during: ServerFrame[] = [];
      this.buffers.set(account, during);
      try {
        let list = sortInbox(await this.api.chats(account));
        for (const f of during) {
          if (f.t === "official_message") list = applyInboxEvent(list, account, f.event as ChatEvent, this.isReading(account, f.event.chat)) ?? list;
          else list = applyInboxRead(list, f.chat, f.seq, this.events.get(f.chat), account);
        }
        this.chats.set(account, list);
        this.errors.delete(account);
      } catch (e) {
        this.errors.set(account, errorText(e));
      } finally {
        this.buffers.delete(account);
      }
      this.changed();
    });
  }

  private isReading(account: number, chat: number): boolean {
    const hidden = typeof document !== "undefined" && document.visibilityState === "hidden";
    return this.open?.account === account && this.open.chat === chat && !hidden;
  }

  chat(account: number, chat: number): ChatSummary | undefined {
    return this.chats.get(account)?.find((c) => c.id === chat);
  }

  /** The newest page of a chat (merged with what is loaded, so live events stay). */
  loadChat(account: number, chat: number): Promise<void> {
    return this.once(`c${chat}`, async () => {
      try {
        const page = await this.api.history(account, chat);
        this.events.set(chat, mergeEvents(this.events.get(chat) ?? [], page.events));
        if (!this.more.has(chat)) this.more.set(chat, page.more);
      } catch (e) {
        this.client.toast(errorText(e));
      }
      this.changed();
    });
  }

  loadOlder(account: number, chat: number): Promise<void> {
    const have = this.events.get(chat) ?? [];
    if (!have.length || this.more.get(chat) === false) return Promise.resolve();
    return this.once(`o${chat}`, async () => {
      try {
        const page = await this.api.history(account, chat, have[0].seq);
        this.events.set(chat, mergeEvents(page.events, this.events.get(chat) ?? []));
        this.more.set(chat, page.more);
      } catch (e) {
        this.client.toast(errorText(e));
      }
      this.changed();
    });
  }

  setOpen(open: { account: number; chat: number } | null): void {
    this.open = open;
    if (open) this.markRead(open.account, open.chat);
  }

  /** Read the open chat up to its newest event (as the account), once per new event. */
  markRead(account: number, chat: number): void {
    const row = this.chat(account, chat);
    if (!row || row.read_seq >= row.last_seq) return;
    const seq = row.last_seq;
    this.apply(account, applyInboxRead(this.chats.get(account)!, chat, seq, this.events.get(chat), account));
    this.api.read(account, chat, seq).catch(() => {}); // the next open retries; a failed mark loses nothing
  }

  /** Reply as the account; a failed reply stays on screen with Retry. */
  send(account: number, chat: number, text: string): void {
    const p: PendingReply = { cid: newClientId(), chat, text, ts: Date.now(), failed: false };
    this.pending.set(chat, [...(this.pending.get(chat) ?? []), p]);
    this.changed();
    void this.deliver(account, p);
  }

  retry(account: number, cid: string, chat: number): void {
    const p = this.pending.get(chat)?.find((x) => x.cid === cid);
    if (!p) return;
    p.failed = false;
    this.changed();
    void this.deliver(account, p);
  }

  discard(chat: number, cid: string): void {
    this.pending.set(chat, (this.pending.get(chat) ?? []).filter((x) => x.cid !== cid));
    this.changed();
  }

  private async deliver(account: number, p: PendingReply): Promise<void> {
    try {
      const ev = await this.api.send(account, p.chat, p.cid, p.text); // same client id on retry: no twin
      this.discard(p.chat, p.cid);
      this.received(account, ev);
    } catch (e) {
      p.failed = true;
      this.client.toast(errorText(e));
      this.changed();
    }
  }

  private apply(account: number, list: ChatSummary[]): void {
    this.chats.set(account, list);
    this.changed();
  }

  private received(account: number, ev: ChatEvent): void {
    if (this.events.has(ev.chat)) this.events.set(ev.chat, mergeEvents(this.events.get(ev.chat)!, [ev]));
    const list = this.chats.get(account);
    if (!list) return this.changed();
    const reading = this.isReading(account, ev.chat);
    const next = applyInboxEvent(list, account, ev, reading);
    if (next === null) {
      void this.load(account); // a new follower's first message
      return;
    }
    this.apply(account, next);
    if (reading && ev.from !== account) this.markRead(account, ev.chat);
  }

  private onFrame(f: ServerFrame): void {
    if ((f.t === "official_message" || f.t === "official_read") && typeof f.account === "number") {
      this.buffers.get(f.account)?.push(f);
    }
    if (f.t === "official_message" && typeof f.account === "number" && f.event) {
      const { t: _t, ...ev } = f.event as ChatEvent & { t?: string };
      this.received(f.account, ev as ChatEvent);
    } else if (f.t === "official_read" && typeof f.account === "number") {
      const list = this.chats.get(f.account);
      if (list) this.apply(f.account, applyInboxRead(list, f.chat, f.seq, this.events.get(f.chat), f.account));
    } else if (f.t === "welcome") {
      // Back online: whatever happened meanwhile is in the lists and the open chat's newest page.
      for (const account of this.chats.keys()) void this.load(account);
      if (this.open) void this.loadChat(this.open.account, this.open.chat);
    }
  }
}

const byClient = new WeakMap<Client, OfficialInbox>();

/** The one inbox of a client (made on first use). */
export function inboxOf(client: Client): OfficialInbox {
  let p = byClient.get(client);
  if (!p) {
    p = new OfficialInbox(client);
    byClient.set(client, p);
  }
  return p;
}
