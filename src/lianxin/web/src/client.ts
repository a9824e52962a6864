// The client as a whole, minus the UI: session, REST, realtime connection, store,
// offline outbox and the local cache, wired together.
import { Api, ApiError } from "./api";
import { Connection, FrameError, type ConnStatus, type SocketLike } from "./connection";
import { Discovery } from "./discovery";
import { errorText } from "./errors";
import { browserKV, readJSON, writeJSON, type KV } from "./kv";
import { DEFAULT_WINDOWS, windowsFrom, type Windows } from "./limits";
import { JoinRequestCounts } from "./joinrequests";
import { isPermanent, newClientId, Outbox } from "./outbox";
import { ReadCounts } from "./readcounts";
import { Store, type State } from "./store";
import { SyncState, type SyncSnapshot } from "./sync";
import type { ChatEvent, Me, PendingSend, SendOptions, ServerFrame } from "./types";

export interface Session {
  token: string;
  userId: number;
  deviceId: number;
}

export interface Toast {
  id: number;
  text: string;
}

interface CacheBlob {
  state: Partial<State>;
  sync: SyncSnapshot;
}

const SESSION_KEY = "lx.session";
const TYPING_EVERY_MS = 3000;

export function deviceName(ua = typeof navigator === "undefined" ? "" : navigator.userAgent): string {
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS X/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return `Web · ${browser}${os ? ` on ${os}` : ""}`;
}

/** What the connection bar says: nothing once online, "offline" whenever the browser is. */
export type BarState = "offline" | "connecting" | "syncing" | null;

export function barState(status: ConnStatus, browserOnline: boolean): BarState {
  if (status === "online" || status === "stopped") return null;
  if (!browserOnline) return "offline";
  return status;
}

/** The browser's own idea of the network (Node and old browsers: assume online). */
function navigatorOnline(): boolean {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

export function wsUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}/ws`;
}

export class Client {
  store = new Store();
  api: Api;
  session: Session | null;
  status: ConnStatus = "stopped";
  outbox: Outbox = new Outbox();
  toasts: Toast[] = [];
  authError: string | null = null;
  /** "Read by N" of my group messages on screen, re-read when the server says so. */
  readCounts: ReadCounts;
  /** Pending join requests of the groups I run (badges on their row and header). */
  joinRequests: JoinRequestCounts;
  /** The server's recall / edit windows (from its welcome frame, kept for offline starts). */
  windows: Windows;
  /** The browser says it has a network (navigator.onLine, then its online/offline events). */
  browserOnline: boolean;
  private sync: SyncState | null = null;
  private conn: Connection | null = null;
  private kv: KV;
  private inFlight = new Set<string>();
  private flushing = false;
  private loadingOlder = new Set<number>();
  private lastTyping = new Map<number, number>();
  private recvTimer: ReturnType<typeof setTimeout> | null = null;
  private recvPending = new Map<number, number>();
  private cacheTimer: ReturnType<typeof setTimeout> | null = null;
  private toastId = 1;
  private listeners = new Set<() => void>();
  private frameHooks = new Set<(frame: ServerFrame) => void>();

  constructor(
    base = "",
    private socketUrl = typeof location === "undefined" ? "ws://127.0.0.1/ws" : wsUrl(location),
    kv?: KV,
    private createSocket?: (url: string) => SocketLike,
    private isOnline: () => boolean = navigatorOnline,
  ) {
    this.kv = kv ?? browserKV();
    this.browserOnline = isOnline();
    this.session = readJSON<Session | null>(this.kv, SESSION_KEY, null);
    this.api = new Api(base, this.session?.token ?? null, undefined, () => this.lostAuth());
    this.readCounts = new ReadCounts((chat, seq) => this.api.reads(chat, seq));
    this.joinRequests = new JoinRequestCounts(() => new Discovery(this.api).pendingJoinRequests());
    this.windows = readJSON<Windows>(this.kv, "lx.windows", DEFAULT_WINDOWS);
    this.store.subscribe(() => {
      this.scheduleCache();
      this.changed();
    });
  }

  /** Bumped on every change, so a view can tell whether it has seen the latest state. */
  version = 0;

  /** Call `fn` on every change. A view passes the `version` it rendered: anything that
   * changed in between (a fast connect can be welcomed and synced before the view's effect
   * subscribes) calls `fn` at once, or the view would show the stale state until the next
   * change, e.g. "Connecting…" for good. */
  subscribe(fn: () => void, seenVersion = this.version): () => void {
    this.listeners.add(fn);
    if (seenVersion !== this.version) fn();
    return () => this.listeners.delete(fn);
  }

  /** Let a feature module see every server frame (bot answers, broadcast progress, …). */
  onServerFrame(fn: (frame: ServerFrame) => void): () => void {
    this.frameHooks.add(fn);
    return () => this.frameHooks.delete(fn);
  }

  private changed(): void {
    this.version++;
    this.listeners.forEach((fn) => fn());
  }

  get signedIn(): boolean {
    return this.session !== null;
  }

  get state(): State {
    return this.store.state;
  }

  /** The connection bar's state (null: no bar). */
  get bar(): BarState {
    return barState(this.status, this.browserOnline);
  }

  /** The browser's network came or went (its events, or a re-read after a failed connect). */
  setBrowserOnline(online: boolean): void {
    if (online === this.browserOnline) return;
    this.browserOnline = online;
    if (online) this.conn?.kick();
    else this.conn?.drop();
    this.changed();
  }

  // -- session --------------------------------------------------------------------------

  async signIn(token: string, user: Me, deviceId: number): Promise<void> {
    this.session = { token, userId: user.id, deviceId };
    writeJSON(this.kv, SESSION_KEY, this.session);
    this.api.token = token;
    this.authError = null;
    this.start();
    this.store.state.me = user;
    this.store.state.users[user.id] = user;
    this.store.emit();
  }

  /** Open the realtime connection (after sign-in, or at page load with a saved session). */
  start(): void {
    if (!this.session) return;
    const uid = this.session.userId;
    this.outbox = new Outbox(this.kv, `lx.outbox.${uid}`);
    this.outbox.subscribe(() => this.changed());
    // The sync position is saved with the cached state it describes, so they always agree:
    // without a cache the device asks for everything (its events come back by seq anyway).
    const cached = readJSON<CacheBlob | null>(this.kv, `lx.cache.${uid}`, null);
    if (cached?.state?.me?.id === uid) {
      this.store.hydrate(cached.state);
      this.sync = SyncState.fromSnapshot(cached.sync);
    } else this.sync = new SyncState();
    this.conn?.stop();
    this.conn = new Connection({
      url: this.socketUrl,
      token: this.session.token,
      sync: this.sync,
      onFrame: (f) => this.onFrame(f),
      onStatus: (s) => this.onStatus(s),
      onClosed: () => this.setBrowserOnline(this.isOnline()),
      onAuthLost: () => this.lostAuth(),
      createSocket: this.createSocket,
    });
    this.status = this.conn.status; // "connecting…" shows from the first frame, even offline
    this.browserOnline = this.isOnline(); // "offline" instead, from the first frame
    this.conn.start();
    if (typeof window !== "undefined") {
      window.addEventListener("online", this.onOnline);
      window.addEventListener("offline", this.onOffline);
      document.addEventListener("visibilitychange", this.onVisibility);
      window.addEventListener("pagehide", this.saveCache);
    }
  }

  // The bar's "offline" / "connecting…" text follows the browser.
  private onOnline = () => this.setBrowserOnline(true);
  private onOffline = () => this.setBrowserOnline(false);
  private onVisibility = () => {
    if (document.visibilityState === "visible") {
      this.conn?.kick();
      if (this.store.activeChat) this.markRead(this.store.activeChat);
    } else this.saveCache();
  };

  async signOut(): Promise<void> {
    try {
      await this.api.signOut();
    } catch {
      // signed out locally either way
    }
    this.forget();
  }

  private lostAuth(): void {
    if (!this.session) return;
    this.authError = errorText({ code: "unauthorized" });
    this.forget();
  }

  private forget(): void {
    const uid = this.session?.userId;
    this.conn?.stop();
    this.conn = null;
    if (uid) {
      for (const k of [`lx.outbox.${uid}`, `lx.cache.${uid}`]) this.kv.removeItem(k);
    }
    this.kv.removeItem(SESSION_KEY);
    this.session = null;
    this.api.token = null;
    this.status = "stopped";
    this.outbox = new Outbox();
    this.joinRequests.clear();
    if (typeof window !== "undefined") {
      window.removeEventListener("online", this.onOnline);
      window.removeEventListener("offline", this.onOffline);
      document.removeEventListener("visibilitychange", this.onVisibility);
      window.removeEventListener("pagehide", this.saveCache);
    }
    this.store.reset();
  }

  // -- realtime -------------------------------------------------------------------------

  private onStatus(status: ConnStatus): void {
    this.status = status;
    // An event may have fired before this page listened (an offline reload): re-read.
    this.browserOnline = this.isOnline();
    if (status === "syncing") {
      this.windows = windowsFrom(this.conn?.welcome, this.windows);
      writeJSON(this.kv, "lx.windows", this.windows);
    }
    if (status === "online") {
      this.readCounts.refreshAll();
      void this.joinRequests.refresh(Object.values(this.store.state.chats)).then(() => this.changed());
      void this.flush();
      const active = this.store.activeChat;
      if (active) this.markRead(active);
    }
    this.changed();
  }

  private onFrame(frame: ServerFrame): void {
    this.frameHooks.forEach((fn) => fn(frame));
    if (frame.t === "error") {
      if (frame.code && frame.code !== "bad_frame") this.toast(errorText(frame));
      return;
    }
    if (frame.t === "pong" || frame.t === "welcome" || frame.t === "synced" || frame.t === "ok") return;
    if (frame.t === "reads") return this.readCounts.changed(frame.chat, frame.after, frame.upto);
    if (frame.t === "join_request") {
      if (this.joinRequests.apply(frame)) this.changed();
      return;
    }
    const res = this.store.apply(frame);
    for (const cid of res.mine) {
      if (this.outbox.remove(cid)) this.inFlight.delete(cid);
    }
    for (const [chat, seq] of Object.entries(res.received)) this.queueRecv(Number(chat), seq);
    for (const chat of new Set([...res.unknownChats, ...res.refreshChats])) void this.refreshChat(chat);
    if (res.signedOut) {
      this.lostAuth();
      return;
    }
    const active = this.store.activeChat;
    if (active && (res.received[active] || frame.t === "sync")) this.markRead(active);
  }

  private queueRecv(chat: number, seq: number): void {
    this.recvPending.set(chat, Math.max(this.recvPending.get(chat) ?? 0, seq));
    if (this.recvTimer) return;
    this.recvTimer = setTimeout(() => {
      this.recvTimer = null;
      for (const [c, s] of this.recvPending) this.conn?.send({ t: "recv", chat: c, seq: s });
      this.recvPending.clear();
    }, 300);
  }

  async refreshChat(id: number): Promise<void> {
    try {
      const chat = await this.api.chat(id);
      this.store.upsertChat(chat);
      this.store.emit();
      if (this.store.state.members[id]) await this.loadMembers(id);
    } catch (e) {
      if (e instanceof ApiError && (e.code === "not_member" || e.code === "not_found")) this.store.removeChat(id);
    }
  }

  /** A group's members with their roles (kept in the store for the composer and info page). */
  async loadMembers(chat: number): Promise<void> {
    try {
      this.store.setMembers(chat, await this.api.members(chat));
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === "network" || e.code === "not_member"))) this.toast(errorText(e));
    }
  }

  // -- sending --------------------------------------------------------------------------

  send(chat: number, text: string, opts: SendOptions = {}): PendingSend | null {
    const body = text.replace(/\s+$/, "");
    if (!body.trim()) return null;
    const item = this.outbox.add(chat, body, opts);
    this.lastTyping.delete(chat);
    void this.flush();
    return item;
  }

  /** Queue a message of another kind (photo, voice, sticker, …) like a text: same outbox, same exactly-once. */
  sendContent(chat: number, kind: string, content: Record<string, unknown>, data: PendingSend["data"], text = ""): PendingSend {
    const item = this.outbox.addContent(chat, kind, content, data, text);
    void this.flush();
    return item;
  }

  retry(cid: string): void {
    this.outbox.retry(cid);
    void this.flush();
  }

  discard(cid: string): void {
    this.outbox.remove(cid);
  }

  /** Send every queued message, oldest first, one at a time (keeps their order). */
  async flush(): Promise<void> {
    if (this.flushing || !this.conn?.isOnline) return;
    this.flushing = true;
    try {
      for (const item of this.outbox.sendable()) {
        if (!this.conn?.isOnline) break;
        if (this.inFlight.has(item.cid) || !this.outbox.get(item.cid)) continue;
        const ok = await this.sendOne(item);
        if (!ok) break;
      }
    } finally {
      this.flushing = false;
    }
  }

  private async sendOne(item: PendingSend): Promise<boolean> {
    if (!this.conn) return false;
    this.inFlight.add(item.cid);
    const frame: Record<string, unknown> = { t: "send", id: item.cid, chat: item.chat, text: item.text };
    if (item.kind && item.kind !== "text") {
      frame.kind = item.kind;
      frame.content = item.content;
      if (!item.text) delete frame.text;
    }
    if (item.reply_to) frame.reply_to = item.reply_to;
    if (item.mentions?.length) frame.mentions = item.mentions;
    if (item.mention_all) frame.mention_all = true;
    try {
      const ack = await this.conn.request(frame);
      this.store.applyAck(ack, item);
      this.outbox.remove(item.cid);
      return true;
    } catch (e) {
      const code = e instanceof FrameError ? e.code : "unknown";
      if (isPermanent(code)) {
        this.outbox.fail(item.cid, code);
        this.toast(errorText(e));
        return true;
      }
      return false; // network / timeout: it stays queued and goes again on reconnect
    } finally {
      this.inFlight.delete(item.cid);
    }
  }

  typing(chat: number): void {
    const now = Date.now();
    if (now - (this.lastTyping.get(chat) ?? 0) < TYPING_EVERY_MS) return;
    this.lastTyping.set(chat, now);
    this.conn?.send({ t: "typing", chat });
  }

  markRead(chatId: number): void {
    const chat = this.store.state.chats[chatId];
    if (!chat || !chat.active) return;
    if (typeof document !== "undefined" && document.visibilityState === "hidden") return;
    if (chat.last_seq > chat.read_seq || chat.unread > 0) {
      const seq = chat.last_seq;
      if (this.conn?.send({ t: "read", chat: chatId, seq })) {
        this.store.markReadLocally(chat, seq);
        chat.unread = 0;
        this.store.emit();
      }
    }
  }

  async recall(chat: number, seq: number): Promise<void> {
    try {
      let event: ChatEvent;
      if (this.conn?.isOnline) event = (await this.conn.request({ t: "recall", chat, seq })).event;
      else event = await this.api.recall(chat, seq);
      if (event) this.store.apply({ ...event, t: "ev" });
    } catch (e) {
      this.toast(errorText(e));
    }
  }

  /** Change the text of my message; resolves true when the server took it. */
  async edit(chat: number, seq: number, text: string): Promise<boolean> {
    const body = text.replace(/\s+$/, "");
    if (!body.trim()) return false;
    try {
      const res = this.conn?.isOnline ? await this.conn.request({ t: "edit", chat, seq, text: body }) : await this.api.edit(chat, seq, body);
      if (res.event) this.store.apply({ ...res.event, t: "ev" });
      return true;
    } catch (e) {
      this.toast(errorText(e));
      return false;
    }
  }

  /** Add (on) or take back my reaction. */
  async react(chat: number, seq: number, emoji: string, on: boolean): Promise<void> {
    try {
      const res = await this.api.react(chat, seq, emoji, on);
      if (res.event) this.store.apply({ ...res.event, t: "ev" });
      else {
        const target = this.store.findEvent(chat, seq);
        if (target) target.reactions = res.reactions;
        this.store.setMyReaction(chat, seq, emoji, on);
        this.store.emit();
      }
    } catch (e) {
      this.toast(errorText(e));
    }
  }

  private reactionList: Promise<string[]> | null = null;

  /** The emoji the server accepts as reactions (asked once). */
  reactionSet(): Promise<string[]> {
    this.reactionList ??= this.api.reactionSet().then(
      (r) => r.reactions,
      (e) => {
        this.reactionList = null;
        throw e;
      },
    );
    return this.reactionList;
  }

  /** Forward messages (oldest first) into another chat; resolves how many went. */
  async forward(fromChat: number, seqs: number[], toChat: number): Promise<number> {
    let done = 0;
    for (const seq of [...seqs].sort((a, b) => a - b)) {
      try {
        const ev = await this.api.forward(fromChat, seq, toChat, newClientId());
        const { duplicate: _dup, ...event } = ev;
        this.store.apply({ ...event, t: "ev" });
        done += 1;
      } catch (e) {
        this.toast(errorText(e));
        break;
      }
    }
    return done;
  }

  /** Delete messages for me (on all my devices); resolves how many went. */
  async deleteForMe(chat: number, seqs: number[]): Promise<number> {
    const gone: number[] = [];
    for (const seq of seqs) {
      try {
        await this.api.deleteForMe(chat, seq);
        gone.push(seq);
      } catch (e) {
        this.toast(errorText(e));
        break;
      }
    }
    this.store.hideLocally(chat, gone);
    return gone.length;
  }

  /** Set mute / pin / archive on one chat for me. */
  async chatSettings(chat: number, fields: { muted?: boolean; pinned?: boolean; archived?: boolean }): Promise<boolean> {
    try {
      this.store.upsertChat(await this.api.updateSettings(chat, fields));
      this.store.emit();
      return true;
    } catch (e) {
      this.toast(errorText(e));
      return false;
    }
  }

  // -- history --------------------------------------------------------------------------

  /** The newest page of a chat, merged with what is cached (dropping cache across a hole). */
  async loadLatest(chat: number): Promise<void> {
    try {
      const page = await this.api.history(chat, undefined, 50);
      const s = this.store.state;
      const have = s.messages[chat] ?? [];
      const first = page.events[0]?.seq;
      if (first !== undefined && have.length && have[have.length - 1].seq < first - 1) s.messages[chat] = [];
      this.store.addHistory(chat, page.events, page.more, !have.length);
      if (!page.more) s.atStart[chat] = true;
      this.store.emit();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === "network")) this.toast(errorText(e));
    }
  }

  /** Page back from the oldest loaded event; resolves false when there is nothing more. */
  async loadOlder(chat: number): Promise<boolean> {
    const s = this.store.state;
    if (s.atStart[chat] || this.loadingOlder.has(chat)) return false;
    const oldest = s.messages[chat]?.[0]?.seq;
    if (oldest === undefined) {
      await this.loadLatest(chat);
      return true;
    }
    if (oldest <= 1) {
      s.atStart[chat] = true;
      this.store.emit();
      return false;
    }
    this.loadingOlder.add(chat);
    try {
      const page = await this.api.history(chat, oldest, 50);
      this.store.addHistory(chat, page.events, page.more, false);
      s.atStart[chat] = !page.more;
      this.store.emit();
      return page.events.length > 0;
    } catch (e) {
      this.toast(errorText(e));
      return false;
    } finally {
      this.loadingOlder.delete(chat);
    }
  }

  isLoadingOlder(chat: number): boolean {
    return this.loadingOlder.has(chat);
  }

  async requestPresence(users: number[]): Promise<void> {
    if (!users.length) return;
    try {
      const list = this.conn?.isOnline
        ? (await this.conn.request({ t: "presence", users })).users
        : await this.api.presence(users);
      this.store.setPresence(list);
    } catch {
      // presence is best effort
    }
  }

  // -- feedback -------------------------------------------------------------------------

  toast(text: string): void {
    const id = this.toastId++;
    this.toasts = [...this.toasts.slice(-1), { id, text }]; // at most two at once
    this.changed();
    setTimeout(() => {
      this.toasts = this.toasts.filter((x) => x.id !== id);
      this.changed();
    }, 4000);
  }

  // -- cache ----------------------------------------------------------------------------

  private scheduleCache(): void {
    if (this.cacheTimer || !this.session) return;
    this.cacheTimer = setTimeout(() => {
      this.cacheTimer = null;
      this.saveCache();
    }, 1000);
  }

  saveCache = (): void => {
    if (!this.session || !this.store.state.me || !this.sync) return;
    const blob: CacheBlob = { state: this.store.snapshot(), sync: this.sync.snapshot() };
    writeJSON(this.kv, `lx.cache.${this.session.userId}`, blob);
  };
}
