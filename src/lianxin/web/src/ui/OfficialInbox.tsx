// The owner's inbox of an official account: followers' conversations (newest first, unread
// counts) and one conversation with a reply box that sends as the account. Live through
// officialInbox.ts; reached from the account's profile ("Messages"), owners only.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { clock, dayLabel, listTime, preview, sameDay, systemText } from "../format";
import { t } from "../i18n";
import { mediaOf } from "../mediaclient";
import { inboxOf, type PendingReply } from "../officialInbox";
import { platformOf } from "../platformState";
import type { ChatEvent, ChatSummary } from "../types";
import { MessageBody } from "./bodies";
import { Avatar, Icon, PaneHeader } from "./common";

/** The profile's way in: "Messages" with the unread count (owners only). */
export function InboxButton({ client, account }: { client: Client; account: number }) {
  const inbox = inboxOf(client);
  useEffect(() => void inbox.load(account), [account]);
  const unread = (inbox.chats.get(account) ?? []).reduce((n, c) => n + Math.max(0, c.unread), 0);
  return (
    <a class="btn primary" href={`#/official/${account}/messages`} data-testid="oa-messages">
      {t("oa.messages")}
      {unread ? (
        <span class="badge inbox-badge" aria-label={t("oa.inbox_unread", { n: unread })} data-testid="oa-messages-unread">
          {unread > 99 ? "99+" : unread}
        </span>
      ) : null}
    </a>
  );
}

function InboxRow({ client, account, chat }: { client: Client; account: number; chat: ChatSummary }) {
  const name = chat.peer?.name ?? chat.title;
  const nameOf = (id: number | null | undefined) => (id === chat.peer?.id ? name : client.store.userName(id ?? 0));
  const time = Math.max(chat.last?.ts ?? 0, chat.last_activity_at);
  return (
    <li class="chat-row-wrap">
      <a href={`#/official/${account}/messages/${chat.id}`} class="chat-row" data-testid="inbox-row" data-chat={chat.id}>
        <Avatar id={chat.peer?.id ?? chat.id} name={name} />
        <span class="chat-row-main">
          <span class="chat-row-top">
            <span class="chat-title">{name}</span>
            <span class="chat-time">{listTime(time)}</span>
          </span>
          <span class="chat-row-bottom">
            <span class="chat-preview">{preview(chat.last, account, nameOf, false)}</span>
            <span class="chat-flags">
              {chat.unread > 0 ? (
                <span class="badge" data-testid="inbox-unread" aria-label={t("oa.inbox_unread", { n: chat.unread })}>
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

/** Followers' conversations with the account, newest first. */
export function OfficialInbox({ client, accountId }: { client: Client; accountId: number }) {
  const inbox = inboxOf(client);
  const account = platformOf(client).account(accountId);
  useEffect(() => void inbox.load(accountId), [accountId]);
  const chats = inbox.chats.get(accountId);
  const error = inbox.errors.get(accountId);
  const name = account?.name ?? "";
  return (
    <div class="page inbox-page" data-testid="oa-inbox">
      <PaneHeader title={t("oa.messages")} subtitle={name} back={`/official/${accountId}`} />
      <div class="page-body">
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        {chats === undefined ? null : chats.length ? (
          <ul class="card inbox-list">
            {chats.map((c) => (
              <InboxRow key={c.id} client={client} account={accountId} chat={c} />
            ))}
          </ul>
        ) : (
          <p class="empty" data-testid="inbox-empty">
            {t("oa.inbox_empty", { name })}
          </p>
        )}
      </div>
    </div>
  );
}

type Item = { kind: "day"; key: string; ts: number } | { kind: "event"; key: string; ev: ChatEvent; first: boolean } | { kind: "pending"; key: string; p: PendingReply };

function items(events: ChatEvent[], pending: PendingReply[]): Item[] {
  const out: Item[] = [];
  let lastTs = 0;
  let lastFrom: number | null | undefined;
  for (const ev of events) {
    if (ev.kind === "system" && ev.data?.type === "recall") continue;
    if (!lastTs || !sameDay(lastTs, ev.ts)) {
      out.push({ kind: "day", key: `d${ev.seq}`, ts: ev.ts });
      lastFrom = undefined;
    }
    out.push({ kind: "event", key: `e${ev.seq}`, ev, first: lastFrom !== ev.from || ev.ts - lastTs > 5 * 60_000 });
    lastTs = ev.ts;
    lastFrom = ev.from;
  }
  for (const p of pending) out.push({ kind: "pending", key: p.cid, p });
  return out;
}

function InboxMessage({ client, chat, account, ev, first }: { client: Client; chat: ChatSummary; account: number; ev: ChatEvent; first: boolean }) {
  const name = chat.peer?.name ?? chat.title;
  const nameOf = (id: number | null | undefined) => (id === account ? platformOf(client).accounts.get(account)?.name ?? "" : id === chat.peer?.id ? name : client.store.userName(id ?? 0));
  if (ev.kind === "system") {
    return (
      <div class="system-line" data-seq={ev.seq} data-testid="system-line">
        <span>{systemText(ev, -1, nameOf)}</span>
      </div>
    );
  }
  const mine = ev.from === account;
  const media = ev.data?.media;
  if (typeof media === "number") mediaOf(client).viaAccount(media, account); // the owner reads it through the account
  if (ev.recalled) {
    return (
      <div class="system-line" data-seq={ev.seq}>
        <span>{t("msg.recalled", { name: nameOf(ev.from) })}</span>
      </div>
    );
  }
  return (
    <div class={`msg ${mine ? "mine" : "theirs"}${first ? " first" : ""}`} data-seq={ev.seq} data-testid="inbox-message">
      <div class="msg-row">
        <div class="bubble">
          <MessageBody client={client} chat={chat} ev={ev} />
          <span class="meta">
            {ev.edited ? <span class="edited">{t("msg.edited")}</span> : null}
            <time dateTime={new Date(ev.ts).toISOString()}>{clock(ev.ts)}</time>
          </span>
        </div>
      </div>
    </div>
  );
}

function PendingBubble({ client, account, p }: { client: Client; account: number; p: PendingReply }) {
  const inbox = inboxOf(client);
  return (
    <div class={`msg mine first pending${p.failed ? " failed" : ""}`} data-testid="inbox-message" data-pending={p.cid}>
      <div class="msg-row">
        <div class="bubble">
          <span class="text">{p.text}</span>
          <span class="meta">
            <time>{clock(p.ts)}</time>
          </span>
        </div>
      </div>
      {p.failed ? (
        <div class="failed-row">
          <Icon name="alert" size={16} />
          <span>{t("msg.failed")}</span>
          <button type="button" class="btn link" onClick={() => inbox.retry(account, p.cid, p.chat)}>
            {t("msg.retry")}
          </button>
          <button type="button" class="btn link" onClick={() => inbox.discard(p.chat, p.cid)}>
            {t("msg.discard")}
          </button>
        </div>
      ) : null}
    </div>
  );
}

function ReplyBox({ client, account, chat, name }: { client: Client; account: number; chat: number; name: string }) {
  const [text, setText] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);
  useEffect(() => {
    if (window.matchMedia("(pointer: fine)").matches) area.current?.focus();
  }, [chat]);
  const send = () => {
    if (!text.trim()) return;
    inboxOf(client).send(account, chat, text);
    setText("");
    area.current?.focus();
  };
  return (
    <div class="composer">
      <form
        class="composer-row"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <textarea
          ref={area}
          rows={1}
          value={text}
          maxLength={4096}
          placeholder={t("oa.reply_as", { name })}
          aria-label={t("oa.reply_as", { name })}
          data-testid="inbox-composer"
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
              e.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" class="send-btn" disabled={!text.trim()} aria-label={t("msg.send")} title={t("msg.send")} data-testid="inbox-send">
          <Icon name="send" />
        </button>
      </form>
    </div>
  );
}

/** One follower's conversation, read and answered as the account. */
export function OfficialInboxChat({ client, accountId, chatId }: { client: Client; accountId: number; chatId: number }) {
  const inbox = inboxOf(client);
  const account = platformOf(client).account(accountId);
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prevHeight = useRef(0);
  useEffect(() => {
    void inbox.load(accountId);
    void inbox.loadChat(accountId, chatId);
    return () => inbox.setOpen(null);
  }, [accountId, chatId]);
  const chat = inbox.chat(accountId, chatId);
  useEffect(() => {
    if (chat) inbox.setOpen({ account: accountId, chat: chatId });
  }, [!!chat, chat?.last_seq]);
  const events = inbox.events.get(chatId) ?? [];
  const pending = inbox.pending.get(chatId) ?? [];
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const grewAtTop = prevHeight.current && !atBottom.current && el.scrollTop < 50;
    if (atBottom.current) el.scrollTop = el.scrollHeight;
    else if (grewAtTop) el.scrollTop += el.scrollHeight - prevHeight.current; // older page above: stay put
    prevHeight.current = el.scrollHeight;
  }, [events.length, pending.length]);
  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 200) void inbox.loadOlder(accountId, chatId);
  };
  const name = chat?.peer?.name ?? chat?.title ?? "";
  const accountName = account?.name ?? "";
  return (
    <div class="conversation inbox-page" data-testid="inbox-conversation">
      <PaneHeader
        title={
          <span class="title-with-avatar">
            {chat ? <Avatar id={chat.peer?.id ?? chat.id} name={name} size={36} /> : null}
            <span class="title-text" data-testid="inbox-chat-title">
              {name}
            </span>
          </span>
        }
        subtitle={<span data-testid="inbox-chat-subtitle">{t("oa.reply_as", { name: accountName })}</span>}
        back={`/official/${accountId}/messages`}
      />
      <div class="messages" ref={list} onScroll={onScroll} role="log" aria-live="polite" data-testid="inbox-messages">
        <div class="history-edge">{inbox.more.get(chatId) === false ? t("oa.inbox_beginning") : events.length ? t("oa.inbox_older") : ""}</div>
        {chat
          ? items(events, pending).map((it) =>
              it.kind === "day" ? (
                <div class="day-sep" key={it.key}>
                  <span>{dayLabel(it.ts)}</span>
                </div>
              ) : it.kind === "event" ? (
                <InboxMessage key={it.key} client={client} chat={chat} account={accountId} ev={it.ev} first={it.first} />
              ) : (
                <PendingBubble key={it.key} client={client} account={accountId} p={it.p} />
              ),
            )
          : null}
      </div>
      {chat ? <ReplyBox client={client} account={accountId} chat={chatId} name={accountName} /> : null}
    </div>
  );
}
