// What the client knows about bots and official accounts, loaded on demand and shared by
// every screen: which peers are official accounts, bot command menus, buttons being
// pressed and the bots' answers, and broadcast progress for owners.
import { ApiError } from "./api";
import type { Client } from "./client";
import { errorText } from "./errors";
import { newClientId } from "./outbox";
import { botsIn, PlatformApi, safeUrl, type BotCommand, type Broadcast, type ChatCommand, type OfficialAccount } from "./platform";
import type { ChatSummary, ServerFrame } from "./types";

const PRESS_TIMEOUT_MS = 15_000;

export interface BotAlert {
  text: string;
  url: string | null;
}

export class Platform {
  api: PlatformApi;
  /** Official account profiles by user id; null when the user is not an official account. */
  accounts = new Map<number, OfficialAccount | null>();
  commands = new Map<number, BotCommand[]>();
  broadcasts = new Map<number, Broadcast[]>();
  /** "chat:seq:data" of buttons waiting for the bot's answer. */
  pressing = new Set<string>();
  alert: BotAlert | null = null;
  private loading = new Set<string>();

  constructor(private client: Client) {
    this.api = new PlatformApi(client.api);
    client.onServerFrame((f) => this.onFrame(f));
  }

  private changed(): void {
    this.client.store.emit();
  }

  private once(key: string, load: () => Promise<void>): void {
    if (this.loading.has(key)) return;
    this.loading.add(key);
    void load().finally(() => this.loading.delete(key));
  }

  /** The account's profile (undefined while loading, null when `id` is not an official account). */
  account(id: number): OfficialAccount | null | undefined {
    if (!this.accounts.has(id)) this.loadAccount(id);
    return this.accounts.get(id);
  }

  loadAccount(id: number): void {
    this.once(`a${id}`, async () => {
      try {
        this.setAccount(await this.api.account(id));
      } catch (e) {
        if (e instanceof ApiError && (e.code === "not_found" || e.status === 404)) {
          this.accounts.set(id, null);
          this.changed();
        }
      }
    });
  }

  setAccount(a: OfficialAccount): void {
    this.accounts.set(a.id, a);
    this.changed();
  }

  /** A bot's declared commands (an empty list until loaded or when it declared none). */
  commandsOf(botId: number): BotCommand[] {
    if (!this.commands.has(botId)) {
      this.once(`c${botId}`, async () => {
        try {
          this.commands.set(botId, await this.api.commands(botId));
        } catch {
          this.commands.set(botId, []); // an official account or a deleted bot has no menu
        }
        this.changed();
      });
    }
    return this.commands.get(botId) ?? [];
  }

  /** Every command offered in a chat, bot by bot. */
  chatCommands(chat: ChatSummary): { commands: ChatCommand[]; bots: number } {
    const s = this.client.store.state;
    const bots = botsIn(chat, s.members[chat.id], s.users).filter((b) => this.accounts.get(b.id) == null);
    const commands = bots.flatMap((b) => this.commandsOf(b.id).map((c) => ({ ...c, bot: b.id, handle: b.handle })));
    return { commands, bots: bots.length };
  }

  isPressing(chat: number, seq: number, data: string): boolean {
    return this.pressing.has(`${chat}:${seq}:${data}`);
  }

  /** Press an inline button: the bot gets the callback; its answer arrives as a frame. */
  async press(chat: number, seq: number, data: string): Promise<void> {
    const key = `${chat}:${seq}:${data}`;
    if (this.pressing.has(key)) return;
    this.pressing.add(key);
    this.changed();
    const done = () => {
      if (this.pressing.delete(key)) this.changed();
    };
    setTimeout(done, PRESS_TIMEOUT_MS); // a bot that never answers does not leave the button spinning
    try {
      await this.api.press(chat, seq, data);
    } catch (e) {
      done();
      this.client.toast(errorText(e));
    }
  }

  private onFrame(f: ServerFrame): void {
    if (f.t === "callback_answer") {
      for (const key of [...this.pressing]) if (key.startsWith(`${f.chat}:${f.seq}:`)) this.pressing.delete(key);
      const url = safeUrl(f.url);
      if (f.alert || url) this.alert = { text: typeof f.text === "string" ? f.text : "", url };
      else if (typeof f.text === "string" && f.text) this.client.toast(f.text);
      this.changed();
    } else if (f.t === "broadcast" && f.broadcast) {
      this.upsertBroadcast(f.broadcast as Broadcast);
    }
  }

  closeAlert(): void {
    this.alert = null;
    this.changed();
  }

  // -- bots -------------------------------------------------------------------------------

  /** Start a bot (its chat, then /start [param]); resolves the chat id. */
  async startBot(botId: number, param?: string): Promise<number | null> {
    try {
      const ev = await this.api.startBot(botId, param);
      await this.client.refreshChat(ev.chat);
      this.client.store.apply({ ...ev, t: "ev" });
      return ev.chat;
    } catch (e) {
      this.client.toast(errorText(e));
      return null;
    }
  }

  // -- official accounts --------------------------------------------------------------------

  async follow(id: number, on: boolean): Promise<OfficialAccount | null> {
    try {
      const a = await this.api.follow(id, on);
      this.setAccount(a);
      if (a.chat_id) await this.client.refreshChat(a.chat_id);
      return a;
    } catch (e) {
      this.client.toast(errorText(e));
      return null;
    }
  }

  async allowTemplates(id: number, allowed: boolean): Promise<void> {
    try {
      this.setAccount(await this.api.allowTemplates(id, allowed));
    } catch (e) {
      this.client.toast(errorText(e));
    }
  }

  loadBroadcasts(id: number): void {
    this.once(`b${id}`, async () => {
      try {
        this.broadcasts.set(id, await this.api.broadcasts(id));
        this.changed();
      } catch (e) {
        this.client.toast(errorText(e));
      }
    });
  }

  async broadcast(id: number, text: string): Promise<boolean> {
    try {
      this.upsertBroadcast(await this.api.broadcast(id, newClientId(), text));
      return true;
    } catch (e) {
      this.client.toast(errorText(e));
      return false;
    }
  }

  async cancelBroadcast(id: number, bid: number): Promise<void> {
    try {
      this.upsertBroadcast(await this.api.cancelBroadcast(id, bid));
    } catch (e) {
      this.client.toast(errorText(e));
    }
  }

  private upsertBroadcast(b: Broadcast): void {
    const list = (this.broadcasts.get(b.account) ?? []).filter((x) => x.id !== b.id);
    this.broadcasts.set(b.account, [b, ...list].sort((x, y) => y.id - x.id));
    this.changed();
  }
}

const byClient = new WeakMap<Client, Platform>();

/** The one Platform of a client (made on first use). */
export function platformOf(client: Client): Platform {
  let p = byClient.get(client);
  if (!p) {
    p = new Platform(client);
    byClient.set(client, p);
  }
  return p;
}
