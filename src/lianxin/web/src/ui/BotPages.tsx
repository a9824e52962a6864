// Finding and starting bots: a bot's page (by Lianxin ID or link, `#/bot/<handle>[/<param>]`)
// with its commands and a Start button, and adding bots to a group from its info page.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import { platformOf } from "../platformState";
import type { ChatSummary, User } from "../types";
import { Avatar, PaneHeader } from "./common";
import { go } from "./hooks";

/** My direct chat with a user, if there is one. */
function directWith(client: Client, userId: number): ChatSummary | undefined {
  return Object.values(client.store.state.chats).find((c) => c.kind === "direct" && c.peer?.id === userId);
}

/** A chat header's subtitle for a bot peer: "Official account" or "Bot" (bots have no presence). */
export function botSubtitle(client: Client, id: number): string {
  const account = platformOf(client).account(id);
  return account ? (account.verified ? `${t("oa.profile")} · ${t("oa.verified")}` : t("oa.profile")) : t("bot.badge");
}

const ROBOT =
  "M20 9V7a2 2 0 0 0-2-2h-3a3 3 0 0 0-6 0H6a2 2 0 0 0-2 2v2a3 3 0 0 0 0 6v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4a3 3 0 0 0 0-6zM7.5 11.5a1.5 1.5 0 1 1 3 0 1.5 1.5 0 0 1-3 0zM16 17H8v-2h8zm-1-4a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3z";

/** A bot's avatar: its initials, marked with a small robot so it never passes for a person. */
export function BotAvatar({ id, name, size }: { id: number; name: string; size: number }) {
  const mark = Math.max(14, Math.round(size * 0.36));
  return (
    <span class="bot-avatar" data-testid="bot-avatar">
      <Avatar id={id} name={name} size={size} />
      <span class="bot-avatar-mark" style={{ width: `${mark}px`, height: `${mark}px` }} aria-hidden="true">
        <svg width={Math.round(mark * 0.7)} height={Math.round(mark * 0.7)} viewBox="0 0 24 24">
          <path d={ROBOT} fill="currentColor" />
        </svg>
      </span>
    </span>
  );
}

export function BotBadge() {
  return (
    <span class="chip bot-chip" data-testid="bot-badge">
      {t("bot.badge")}
    </span>
  );
}

/** A bot's page: who it is, what it can do, and Start (which sends /start [param]). */
export function BotProfile({ client, botRef, param }: { client: Client; botRef: string; param?: string }) {
  const p = platformOf(client);
  const store = client.store;
  const [bot, setBot] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setBot(null);
    setError(null);
    const id = /^\d+$/.test(botRef) ? Number(botRef) : null;
    const find = id !== null ? client.api.user(id) : client.api.searchUser(botRef.replace(/^@/, ""));
    find.then(
      (u) => {
        store.setUsers([u]);
        setBot(u);
      },
      (e) => setError(e instanceof ApiError && e.code === "not_found" ? t("bot.not_found") : errorText(e)),
    );
  }, [botRef]);
  const account = bot?.is_bot ? p.account(bot.id) : null;
  useEffect(() => {
    if (account) go(`/official/${account.id}`); // an official account has its own page
  }, [account?.id]);
  const commands = bot?.is_bot && account === null ? p.commandsOf(bot.id) : [];
  const chat = bot ? directWith(client, bot.id) : undefined;
  const start = async () => {
    if (!bot) return;
    setBusy(true);
    const chatId = await p.startBot(bot.id, param);
    setBusy(false);
    if (chatId) go(`/chat/${chatId}`);
  };
  return (
    <div class="page" data-testid="bot-profile">
      <PaneHeader title={bot?.name ?? ""} back="/friends" />
      <div class="page-body">
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        {bot && !bot.is_bot ? (
          <p class="empty">
            {t("bot.not_a_bot")} <a href={`#/user/${bot.id}`}>{bot.name}</a>
          </p>
        ) : null}
        {bot?.is_bot ? (
          <>
            <div class="card profile-card">
              <div class="profile-head">
                <BotAvatar id={bot.id} name={bot.name} size={72} />
                <div>
                  <h2>
                    {bot.name} <BotBadge />
                  </h2>
                  {bot.handle ? <div class="muted">@{bot.handle}</div> : null}
                </div>
              </div>
              {bot.bio ? <p class="bio">{bot.bio}</p> : null}
              <p class="muted small">{t("bot.start_hint")}</p>
              <div class="row-end">
                {chat ? (
                  <a class="btn" href={`#/chat/${chat.id}`} data-testid="bot-open-chat">
                    {t("bot.open_chat")}
                  </a>
                ) : null}
                <button class="btn primary" disabled={busy} onClick={() => void start()} data-testid="bot-start">
                  {chat ? t("bot.restart") : t("bot.start")}
                </button>
              </div>
            </div>
            {commands.length ? (
              <div class="card">
                <h2 class="section-title">{t("bot.commands")}</h2>
                <ul class="command-table">
                  {commands.map((c) => (
                    <li key={c.command}>
                      <span class="command-name">/{c.command}</span>
                      <span class="command-desc">{c.description}</span>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
          </>
        ) : null}
      </div>
    </div>
  );
}

/** Group info: the bots in the group, and adding one by Lianxin ID or from bots I chat with. */
export function GroupBots({ client, chat }: { client: Client; chat: ChatSummary }) {
  const p = platformOf(client);
  const store = client.store;
  const [handle, setHandle] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const members = store.state.members[chat.id] ?? [];
  const inGroup = new Set(members.map((m) => m.id));
  const bots = members.filter((m) => m.is_bot);
  const known = Object.values(store.state.chats)
    .filter((c) => c.kind === "direct" && c.peer?.is_bot && !inGroup.has(c.peer.id) && p.account(c.peer.id) === null)
    .map((c) => c.peer!);
  const add = async (u: User) => {
    setBusy(true);
    setError(null);
    try {
      await client.api.addMembers(chat.id, [u.id]);
      await client.loadMembers(chat.id);
      setHandle("");
      client.toast(t("bot.added", { name: u.name }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const find = async (e: Event) => {
    e.preventDefault();
    if (!handle.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const u = await client.api.searchUser(handle.trim().replace(/^@/, ""));
      setBusy(false);
      if (!u.is_bot || (await p.api.account(u.id).then(() => true, () => false))) setError(t("bot.not_a_bot"));
      else if (inGroup.has(u.id)) setError(t("bot.already_in", { name: u.name }));
      else await add(u);
    } catch (err) {
      setBusy(false);
      setError(err instanceof ApiError && err.code === "not_found" ? t("bot.not_found") : errorText(err));
    }
  };
  return (
    <div class="card" data-testid="group-bots">
      <h2 class="section-title">{t("bot.group_bots")}</h2>
      {bots.length ? (
        <ul class="friend-list">
          {bots.map((b) => (
            <li key={b.id}>
              <a class="friend-row" href={`#/bot/${b.id}`}>
                <BotAvatar id={b.id} name={b.name} size={36} />
                <span class="friend-main">
                  <strong>{b.name}</strong>
                  {b.handle ? <span class="muted small">@{b.handle}</span> : null}
                </span>
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {chat.active ? (
        <form onSubmit={find}>
          <label class="field">
            <span>{t("bot.add_to_group")}</span>
            <div class="input-row">
              <input type="text" value={handle} maxLength={64} placeholder={t("bot.add_hint")} onInput={(e) => setHandle((e.target as HTMLInputElement).value)} data-testid="add-bot-handle" />
              <button class="btn primary" type="submit" disabled={busy || !handle.trim()} data-testid="add-bot">
                {t("bot.add")}
              </button>
            </div>
          </label>
          {known.length ? (
            <div class="chip-row">
              {known.map((b) => (
                <button type="button" class="chip" key={b.id} disabled={busy} onClick={() => void add(b)}>
                  + {b.name}
                </button>
              ))}
            </div>
          ) : null}
          {error ? (
            <p class="form-error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
