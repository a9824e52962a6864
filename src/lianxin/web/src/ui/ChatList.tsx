import { useState } from "preact/hooks";
import type { Client } from "../client";
import { listTime, preview } from "../format";
import { t } from "../i18n";
import type { ChatSummary } from "../types";
import { Avatar, Icon } from "./common";

function ChatRow({ client, chat, active }: { client: Client; chat: ChatSummary; active: boolean }) {
  const store = client.store;
  const title = store.chatTitle(chat);
  const nameOf = store.userName.bind(store);
  const pending = client.outbox.forChat(chat.id);
  const lastPending = pending[pending.length - 1];
  const typing = store.typingIn(chat.id).length > 0;
  let line = preview(chat.last, store.myId, nameOf, chat.kind === "group");
  if (lastPending && (!chat.last || lastPending.ts >= chat.last.ts)) line = lastPending.text;
  const time = Math.max(chat.last?.ts ?? chat.last_activity_at ?? 0, lastPending?.ts ?? 0);
  return (
    <li>
      <a
        href={`#/chat/${chat.id}`}
        class={`chat-row${active ? " active" : ""}${chat.pinned ? " pinned" : ""}`}
        aria-current={active ? "true" : undefined}
        data-testid="chat-row"
        data-chat={chat.id}
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
              {chat.unread > 0 ? (
                <span class={`badge${chat.muted ? " muted" : ""}`} data-testid="unread">
                  {chat.unread > 99 ? "99+" : chat.unread}
                </span>
              ) : null}
            </span>
          </span>
        </span>
      </a>
    </li>
  );
}

export function ChatList({ client, activeChat }: { client: Client; activeChat?: number }) {
  const [query, setQuery] = useState("");
  const chats = client.store.chatList(query);
  return (
    <section class="list-section" aria-label={t("nav.chats")}>
      <header class="sidebar-header">
        <h1>{t("nav.chats")}</h1>
        <a class="icon-btn" href="#/friends/add" title={t("friends.add")} aria-label={t("friends.add")}>
          <Icon name="addUser" />
        </a>
        <a class="icon-btn" href="#/group" title={t("chats.new_group")} aria-label={t("chats.new_group")}>
          <Icon name="add" />
        </a>
      </header>
      <div class="search">
        <Icon name="search" size={18} />
        <input
          type="search"
          placeholder={t("chats.search")}
          aria-label={t("chats.search")}
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
      </div>
      {chats.length ? (
        <ul class="chat-list">
          {chats.map((c) => (
            <ChatRow key={c.id} client={client} chat={c} active={c.id === activeChat} />
          ))}
        </ul>
      ) : (
        <div class="empty">
          <p>{query ? t("chats.no_match", { q: query }) : t("chats.empty")}</p>
          {query ? null : (
            <a class="btn primary" href="#/friends/add">
              <Icon name="addUser" size={18} />
              {t("friends.add")}
            </a>
          )}
        </div>
      )}
    </section>
  );
}
