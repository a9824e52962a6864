import { useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { requestRefusal, searchRefusal } from "../discovery";
import { t } from "../i18n";
import type { FriendRequest, User } from "../types";
import { Avatar, Icon, PaneHeader } from "./common";
import { go, type Route } from "./hooks";
import { BotBadge, BotProfile } from "./BotPages";
import { FriendList } from "./FriendList";
import { FriendProfile } from "./FriendProfile";

export async function openDirect(client: Client, userId: number): Promise<void> {
  const existing = Object.values(client.store.state.chats).find((c) => c.kind === "direct" && c.peer?.id === userId);
  if (existing) {
    go(`/chat/${existing.id}`);
    return;
  }
  try {
    const chat = await client.api.openDirect(userId);
    client.store.upsertChat(chat);
    client.store.emit();
    go(`/chat/${chat.id}`);
  } catch (e) {
    client.toast(errorText(e));
  }
}

function RequestRow({ client, req }: { client: Client; req: FriendRequest }) {
  const [busy, setBusy] = useState(false);
  const incoming = req.to === client.store.myId;
  const user = req.user ?? client.store.state.users[incoming ? req.from : req.to];
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      client.toast(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="request-row" data-testid="request">
      <Avatar id={user?.id ?? 0} name={user?.name ?? "?"} size={40} />
      <div class="request-main">
        <strong>{user?.name}</strong>
        <span class="muted">{req.greeting || (incoming ? t("friends.wants") : t("friends.outgoing"))}</span>
        {incoming ? (
          <div class="request-actions">
            <button
              class="btn primary small"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  const res = await client.api.acceptRequest(req.id);
                  client.store.upsertRequest(res.request);
                  client.store.emit();
                  void client.refreshChat(res.chat_id);
                })
              }
            >
              {t("friends.accept")}
            </button>
            <button
              class="btn small"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  client.store.upsertRequest(await client.api.declineRequest(req.id));
                  client.store.emit();
                })
              }
            >
              {t("friends.decline")}
            </button>
          </div>
        ) : (
          <div class="request-actions">
            <span class="muted small">{t("friends.outgoing")}</span>
          </div>
        )}
      </div>
    </li>
  );
}

export function FriendsTab({ client, route }: { client: Client; route: Route }) {
  const store = client.store;
  const incoming = store.pendingRequests();
  const outgoing = store.outgoingRequests();
  return (
    <section class="list-section" aria-label={t("friends.title")}>
      <header class="sidebar-header">
        <h1>{t("friends.title")}</h1>
      </header>
      <div class="scroll">
        <div class="quick-actions">
          <a class={`quick${route.name === "add" ? " active" : ""}`} href="#/friends/add">
            <span class="quick-icon">
              <Icon name="addUser" />
            </span>
            {t("friends.add")}
          </a>
          <a class={`quick${route.name === "import" ? " active" : ""}`} href="#/friends/import" data-testid="import-contacts">
            <span class="quick-icon">
              <Icon name="device" />
            </span>
            {t("import.title")}
          </a>
          <a class={`quick${route.name === "group" ? " active" : ""}`} href="#/group" data-testid="new-group">
            <span class="quick-icon">
              <Icon name="group" />
            </span>
            {t("group.new")}
          </a>
          <a class={`quick${route.name === "official" || route.name === "account" ? " active" : ""}`} href="#/official" data-testid="official-accounts">
            <span class="quick-icon">
              <Icon name="chats" />
            </span>
            {t("oa.title")}
          </a>
          <a class={`quick${route.name === "suggestions" ? " active" : ""}`} href="#/friends/suggestions" data-testid="suggestions">
            <span class="quick-icon">
              <Icon name="friends" />
            </span>
            {t("ct.suggestions")}
          </a>
          <a class={`quick${route.name === "nearby" ? " active" : ""}`} href="#/friends/nearby" data-testid="nearby">
            <span class="quick-icon">
              <Icon name="pin" />
            </span>
            {t("ct.nearby")}
          </a>
          <a class={`quick${route.name === "scan" || route.name === "qr" ? " active" : ""}`} href="#/friends/scan" data-testid="scan-qr">
            <span class="quick-icon">
              <Icon name="select" />
            </span>
            {t("ct.scan")}
          </a>
        </div>
        {incoming.length || outgoing.length ? (
          <>
            <h2 class="section-title">{t("friends.requests")}</h2>
            <ul class="request-list">
              {[...incoming, ...outgoing].map((r) => (
                <RequestRow key={r.id} client={client} req={r} />
              ))}
            </ul>
          </>
        ) : null}
        <FriendList client={client} route={route} />
      </div>
    </section>
  );
}

export function AddFriend({ client }: { client: Client }) {
  const store = client.store;
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<User | null>(null);
  const [greeting, setGreeting] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const find = async (e: Event) => {
    e.preventDefault();
    if (!query.trim()) return;
    setBusy(true);
    setError(null);
    setDone(null);
    setFound(null);
    try {
      const user = await client.api.searchUser(query.trim());
      setFound(user);
      setGreeting(t("friends.greeting_default", { name: store.state.me?.name ?? "" }));
    } catch (err) {
      setError(searchRefusal(err));
    } finally {
      setBusy(false);
    }
  };

  const send = async (e: Event) => {
    e.preventDefault();
    if (!found) return;
    setBusy(true);
    setError(null);
    try {
      const req = await client.api.sendRequest(found.id, greeting.trim());
      if (req.chat_id) {
        void client.refreshChat(req.chat_id);
      } else {
        store.upsertRequest({ ...req, user: found });
        store.emit();
      }
      setDone(t("friends.request_sent", { name: found.name }));
      setFound(null);
      setQuery("");
    } catch (err) {
      setError(requestRefusal(err));
    } finally {
      setBusy(false);
    }
  };

  const isFriend = found && store.state.friends[found.id];
  const isMe = found && found.id === store.myId;
  return (
    <div class="page">
      <PaneHeader title={t("friends.add")} back="/friends" />
      <div class="page-body">
        <form class="card" onSubmit={find}>
          <label class="field">
            <span>{t("friends.add_hint")}</span>
            <div class="input-row">
              <input
                ref={input}
                type="search"
                name="q"
                value={query}
                maxLength={64}
                placeholder={t("friends.add_hint")}
                onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
                data-testid="friend-query"
              />
              <button class="btn primary" type="submit" disabled={busy || !query.trim()}>
                {t("friends.find")}
              </button>
            </div>
          </label>
          {error ? (
            <p class="form-error" role="alert">
              {error}
            </p>
          ) : null}
          {done ? (
            <p class="form-ok" role="status">
              {done}
            </p>
          ) : null}
        </form>
        {found ? (
          <form class="card profile-card" onSubmit={send} data-testid="found-user">
            <div class="profile-head">
              <Avatar id={found.id} name={found.name} size={64} />
              <div>
                <h2>{found.name}</h2>
                {found.handle ? <div class="muted">{t("me.handle")}: {found.handle}</div> : null}
                {found.bio ? <div class="bio">{found.bio}</div> : null}
              </div>
            </div>
            {isMe ? (
              <p class="muted">{t("friends.self")}</p>
            ) : found.is_bot ? (
              <a class="btn primary" href={`#/bot/${found.id}`} data-testid="open-bot">
                <BotBadge /> {found.name}
              </a>
            ) : isFriend ? (
              <>
                <p class="muted">{t("friends.already", { name: found.name })}</p>
                <button type="button" class="btn primary" onClick={() => void openDirect(client, found.id)}>
                  {t("friends.message")}
                </button>
              </>
            ) : (
              <>
                <label class="field">
                  <span>{t("friends.greeting")}</span>
                  <input
                    type="text"
                    maxLength={200}
                    value={greeting}
                    onInput={(e) => setGreeting((e.target as HTMLInputElement).value)}
                    data-testid="greeting"
                  />
                </label>
                <button class="btn primary" type="submit" disabled={busy}>
                  {t("friends.send_request")}
                </button>
              </>
            )}
          </form>
        ) : null}
      </div>
    </div>
  );
}

export function UserCard({ client, userId }: { client: Client; userId: number }) {
  const store = client.store;
  const user = store.state.users[userId] ?? store.state.friends[userId];
  useEffect(() => {
    client.api
      .user(userId)
      .then((u) => store.setUsers([u]))
      .catch(() => {});
    if (!store.state.presence[userId]) void client.requestPresence([userId]);
  }, [userId]);
  if (!user) return <div class="page"><PaneHeader title="" back="/friends" /></div>;
  if (user.is_bot) return <BotProfile client={client} botRef={String(user.id)} />;
  return <FriendProfile client={client} userId={userId} />;
}
