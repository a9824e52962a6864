import { useState } from "preact/hooks";
import type { Client } from "../client";
import { listTime, preview } from "../format";
import { t } from "../i18n";
import type { ChatSummary } from "../types";
import { BlockConfirm, ChatMenu } from "./ChatMenu";
import { Avatar, Icon, JoinRequestsBadge, PaneHeader } from "./common";
import { below, useLongPress, type MenuPos } from "./Menu";

function ChatRow({ client, chat, active, onMenu }: { client: Client; chat: ChatSummary; active: boolean; onMenu: (chat: ChatSummary, at: MenuPos) => void }) {
  const store = client.store;
  const title = store.chatTitle(chat);
  const nameOf = store.userName.bind(store);
  const pending = client.outbox.forChat(chat.id);
  const lastPending = pending[pending.length - 1];
  const typing = chat.active && store.typingIn(chat.id).length > 0;
  const mentioned = store.mentionIn(chat.id) !== undefined;
  const asking = client.joinRequests.count(chat.id);
  const press = useLongPress((at) => onMenu(chat, at));
  let line = preview(store.lastShown(chat), store.myId, nameOf, chat.kind === "group");
  if (lastPending && (!chat.last || lastPending.ts >= chat.last.ts)) line = lastPending.text;
  const time = Math.max(chat.last?.ts ?? chat.last_activity_at ?? 0, lastPending?.ts ?? 0);
  return (
    <li class="chat-row-wrap">
      <a
        href={`#/chat/${chat.id}`}
        class={`chat-row${active ? " active" : ""}${chat.pinned ? " pinned" : ""}`}
        aria-current={active ? "true" : undefined}
        data-testid="chat-row"
        data-chat={chat.id}
        {...press}
      >
        <Avatar id={chat.kind === "direct" ? chat.peer?.id ?? chat.id : chat.id} name={title} group={chat.kind === "group"} />
        <span class="chat-row-main">
          <span class="chat-row-top">
            <span class="chat-title">{title}</span>
            <span class="chat-time">{listTime(time)}</span>
          </span>
          <span class="chat-row-bottom">
            <span class={`chat-preview${typing ? " typing" : ""}`}>
              {lastPending?.failed ? <Icon name="alert" size={14} /> : lastPending ? <Icon name="clock" size={14} /> : null}
              {mentioned && !typing ? (
                <span class="mention-flag" data-testid="mention-flag">
                  {t("chats.mentioned")}
                </span>
              ) : null}
              {typing ? t("msg.typing") : !chat.active ? t("chats.left") : line}
            </span>
            <span class="chat-flags">
              {chat.muted ? (
                <span class="flag" title={t("chats.muted")}>
                  <Icon name="mute" size={16} title={t("chats.muted")} />
                </span>
              ) : null}
              {chat.pinned ? (
                <span class="flag" title={t("chats.pinned")}>
                  <Icon name="pin" size={16} title={t("chats.pinned")} />
                </span>
              ) : null}
              {asking > 0 ? <JoinRequestsBadge n={asking} /> : null}
              {chat.unread > 0 ? (
                <span class={`badge${chat.muted ? " muted" : ""}`} data-testid="unread">
                  {chat.unread > 99 ? "99+" : chat.unread}
                </span>
              ) : null}
            </span>
          </span>
        </span>
      </a>
      <button
        type="button"
        class="icon-btn small row-more"
        aria-label={t("chats.menu", { name: title })}
        title={t("chats.more")}
        aria-haspopup="menu"
        data-testid="chat-more"
        onClick={(e) => onMenu(chat, below(e.currentTarget as Element))}
      >
        <Icon name="more" size={18} />
      </button>
    </li>
  );
}

function ArchivedRow({ count }: { count: number }) {
  return (
    <li>
      <a href="#/archived" class="chat-row archived-row" data-testid="archived-row">
        <span class="avatar archived-avatar" aria-hidden="true">
          <Icon name="archive" />
        </span>
        <span class="chat-row-main">
          <span class="chat-title">{t("chats.archived")}</span>
        </span>
        <span class="badge muted">{count}</span>
      </a>
    </li>
  );
}

export function ChatList({ client, activeChat, archived = false }: { client: Client; activeChat?: number; archived?: boolean }) {
  const [query, setQuery] = useState("");
  const [menu, setMenu] = useState<{ id: number; at: MenuPos } | null>(null);
  const [blocking, setBlocking] = useState<ChatSummary | null>(null);
  const store = client.store;
  const chats = store.chatList(query, archived);
  const archivedCount = archived || query ? 0 : store.archivedCount();
  const menuChat = menu ? store.state.chats[menu.id] : undefined;
  const header = archived ? (
    <PaneHeader title={t("chats.archived")} back="/chats" />
  ) : (
    <header class="sidebar-header">
      <h1>{t("nav.chats")}</h1>
      <a class="icon-btn" href="#/friends/add" title={t("friends.add")} aria-label={t("friends.add")}>
        <Icon name="addUser" />
      </a>
      <a class="icon-btn" href="#/group" title={t("chats.new_group")} aria-label={t("chats.new_group")}>
        <Icon name="add" />
      </a>
    </header>
  );
  return (
    <section class="list-section" aria-label={archived ? t("chats.archived") : t("nav.chats")} data-testid={archived ? "archived-list" : "chat-list"}>
      {header}
      <div class="search">
        <Icon name="search" size={18} />
        <input
          type="search"
          placeholder={t("chats.search")}
          aria-label={t("chats.search")}
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => e.key === "Escape" && setQuery("")}
          data-testid="chat-search"
        />
      </div>
      {chats.length || archivedCount ? (
        <ul class="chat-list">
          {archivedCount ? <ArchivedRow count={archivedCount} /> : null}
          {chats.map((c) => (
            <ChatRow key={c.id} client={client} chat={c} active={c.id === activeChat} onMenu={(chat, at) => setMenu({ id: chat.id, at })} />
          ))}
        </ul>
      ) : (
        <div class="empty">
          <p>{query ? t("chats.no_match", { q: query }) : archived ? t("chats.archived_empty") : t("chats.empty")}</p>
          {query || archived ? null : (
            <a class="btn primary" href="#/friends/add">
              <Icon name="addUser" size={18} />
              {t("friends.add")}
            </a>
          )}
        </div>
      )}
      {menu && menuChat ? <ChatMenu client={client} chat={menuChat} at={menu.at} onClose={() => setMenu(null)} onBlock={setBlocking} /> : null}
      {blocking ? <BlockConfirm client={client} chat={blocking} onClose={() => setBlocking(null)} /> : null}
    </section>
  );
}
