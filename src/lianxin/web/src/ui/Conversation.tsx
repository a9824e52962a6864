import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { clock, dayLabel, presenceText, sameDay, snippet, systemText } from "../format";
import { t } from "../i18n";
import { within } from "../limits";
import { mentionsMe } from "../mentions";
import { isSilent } from "../store";
import { forwardable, picked, prune, toggle } from "../selection";
import type { ChatEvent, ChatSummary, PendingSend, SystemData } from "../types";
import { Avatar, Icon, JoinRequestsBadge, PaneHeader } from "./common";
import { botSubtitle } from "./BotPages";
import { Composer } from "./Composer";
import { Confirm } from "./Dialog";
import { ForwardPicker } from "./ForwardPicker";
import { useTicker } from "./hooks";
import { MessageInfo } from "./MessageInfo";
import { MessageBody } from "./bodies";
import { QuoteThumb } from "./bodies/media";
import { UploadList } from "./MediaComposer";
import { below, type MenuPos } from "./Menu";
import { ReactionChips, ReactionPalette } from "./Reactions";
import { ReadCount } from "./ReadCount";
import { SelectionBar } from "./SelectionBar";

type MsgAction = "reply" | "forward" | "copy" | "select" | "info" | "recall" | "toggle" | "react" | "edit";

type Item =
  | { kind: "day"; key: string; ts: number }
  | { kind: "event"; key: string; ev: ChatEvent; first: boolean }
  | { kind: "pending"; key: string; p: PendingSend };

function buildItems(events: ChatEvent[], pending: PendingSend[]): Item[] {
  const out: Item[] = [];
  let lastTs = 0;
  let lastFrom: number | null | undefined;
  let lastKind = "";
  for (const ev of events) {
    if (ev.kind === "system" && (ev.data?.type === "recall" || isSilent(ev))) continue; // shown on the message it changes
    if (!lastTs || !sameDay(lastTs, ev.ts)) {
      out.push({ kind: "day", key: `d${ev.seq}`, ts: ev.ts });
      lastFrom = undefined;
    }
    const first = lastFrom !== ev.from || lastKind !== "text" || ev.ts - lastTs > 5 * 60_000;
    out.push({ kind: "event", key: `e${ev.seq}`, ev, first });
    lastTs = ev.ts;
    lastFrom = ev.from;
    lastKind = ev.recalled ? "system" : ev.kind;
  }
  for (const p of pending) {
    if (!lastTs || !sameDay(lastTs, p.ts)) out.push({ kind: "day", key: `dp${p.cid}`, ts: p.ts });
    lastTs = p.ts;
    out.push({ kind: "pending", key: `p${p.cid}`, p });
  }
  return out;
}

function Ticks({ state }: { state: "sending" | "queued" | "sent" | "delivered" | "read" }) {
  const label =
    state === "sending" ? t("msg.sending") : state === "queued" ? t("msg.queued") : state === "sent" ? t("msg.sent") : state === "delivered" ? t("msg.delivered") : t("msg.read");
  const icon = state === "sending" || state === "queued" ? "clock" : state === "sent" ? "check" : "checks";
  return (
    <span class={`tick tick-${state}`} title={label} data-tick={state}>
      <Icon name={icon} size={15} title={label} />
    </span>
  );
}

function Quote({ client, chat, seq, hint }: { client: Client; chat: number; seq: number; hint?: SystemData["reply"] }) {
  const store = client.store;
  // The loaded message, else what the reply carries of it (older history not loaded yet).
  const ev = store.findEvent(chat, seq) ?? (hint ? ({ ...hint, chat, id: 0, ts: 0, data: hint.data as SystemData | undefined } as ChatEvent) : undefined);
  const name = ev ? (ev.from === store.myId ? t("sys.you") : store.userName(ev.from)) : "";
  const text = !ev ? t("msg.unknown_quote") : ev.recalled ? t("msg.recalled", { name }) : snippet(ev);
  const jump = () => {
    const el = document.querySelector(`[data-seq="${seq}"]`);
    if (el) {
      el.scrollIntoView({ block: "center", behavior: "smooth" });
      el.classList.add("flash");
      setTimeout(() => el.classList.remove("flash"), 1200);
    }
  };
  return (
    <button type="button" class="quote" onClick={jump} data-testid="quote">
      <span class="quote-text">
        {name ? <strong>{name}</strong> : null}
        <span>{text}</span>
      </span>
      {ev ? <QuoteThumb client={client} ev={ev} /> : null}
    </button>
  );
}

function Message({
  client,
  chat,
  ev,
  first,
  selecting,
  selected,
  act,
}: {
  client: Client;
  chat: ChatSummary;
  ev: ChatEvent;
  first: boolean;
  selecting: boolean;
  selected: boolean;
  act: (action: MsgAction, ev: ChatEvent, anchor?: Element) => void;
}) {
  const store = client.store;
  const me = store.myId;
  const nameOf = store.userName.bind(store);
  if (ev.kind === "system") {
    return (
      <div class="system-line" data-seq={ev.seq} data-testid="system-line">
        <span>{systemText(ev, me, nameOf)}</span>
      </div>
    );
  }
  const pick = selecting ? (
    <input
      type="checkbox"
      class="msg-check"
      checked={selected}
      aria-label={t("sel.pick")}
      data-testid="msg-check"
      onClick={(e) => e.stopPropagation()}
      onChange={() => act("toggle", ev)}
    />
  ) : null;
  if (ev.recalled) {
    return (
      <div class={`system-line${selecting ? " selectable" : ""}${selected ? " selected" : ""}`} data-seq={ev.seq} onClick={selecting ? () => act("toggle", ev) : undefined}>
        {pick}
        <span>{ev.from === me ? t("msg.recalled_me") : t("msg.recalled", { name: nameOf(ev.from) })}</span>
      </div>
    );
  }
  const mine = ev.from === me;
  const canRecall = mine && within(ev.ts, client.windows.recallMs) && chat.active;
  const canEdit = mine && ev.kind === "text" && within(ev.ts, client.windows.editMs) && chat.active;
  const forwarded = ev.data?.forwarded;
  const button = (action: MsgAction, icon: string, label: string, testId?: string) => (
    <button type="button" class="icon-btn small" title={label} aria-label={label} data-testid={testId} onClick={(e) => act(action, ev, e.currentTarget as Element)}>
      <Icon name={icon} size={18} />
    </button>
  );
  return (
    <div
      class={`msg ${mine ? "mine" : "theirs"}${first ? " first" : ""}${mentionsMe(ev, me) ? " mentions-me" : ""}${selecting ? " selectable" : ""}${selected ? " selected" : ""}`}
      data-seq={ev.seq}
      data-testid="message"
      onClick={selecting ? () => act("toggle", ev) : undefined}
    >
      {chat.kind === "group" && !mine && first ? <div class="sender">{nameOf(ev.from)}</div> : null}
      <div class="msg-row">
        {pick}
        <div class="bubble" tabIndex={selecting ? -1 : 0}>
          {forwarded ? (
            <div class="forwarded" data-testid="forwarded">
              <Icon name="forward" size={14} />
              {forwarded.from != null ? t("msg.forwarded_from", { name: nameOf(forwarded.from) }) : t("msg.forwarded")}
            </div>
          ) : null}
          {ev.reply_to ? <Quote client={client} chat={chat.id} seq={ev.reply_to} hint={ev.data?.reply} /> : null}
          <MessageBody client={client} chat={chat} ev={ev} />
          <span class="meta">
            {ev.edited ? (
              <span class="edited" data-testid="edited">
                {t("msg.edited")}
              </span>
            ) : null}
            <time dateTime={new Date(ev.ts).toISOString()}>{clock(ev.ts)}</time>
            {mine && chat.kind === "direct" ? <Ticks state={store.tick(chat, ev.seq)} /> : null}
          </span>
        </div>
        {selecting ? null : (
          <div class="msg-actions" role="group" aria-label={t("msg.actions")}>
            {chat.active ? button("react", "smile", t("react.pick"), "react") : null}
            {chat.active ? button("reply", "reply", t("msg.reply")) : null}
            {canEdit ? button("edit", "edit", t("msg.edit"), "edit") : null}
            {forwardable(ev) ? button("forward", "forward", t("msg.forward"), "forward") : null}
            {button("copy", "copy", t("msg.copy"))}
            {button("select", "select", t("msg.select"), "select")}
            {mine ? button("info", "info", t("info.title"), "msg-info") : null}
            {canRecall ? button("recall", "recall", t("msg.recall"), "recall") : null}
          </div>
        )}
      </div>
      <ReactionChips client={client} chat={chat.id} ev={ev} />
      {mine && chat.kind === "group" && chat.last_seq >= ev.seq && isNewestMine(store.state.messages[chat.id] ?? [], ev, me) ? (
        <ReadCount client={client} chat={chat.id} seq={ev.seq} />
      ) : null}
    </div>
  );
}

/** Is `ev` my newest loaded message (the one that shows "Read by N")? */
function isNewestMine(events: ChatEvent[], ev: ChatEvent, me: number): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.from === me && e.kind !== "system" && !e.recalled) return e.seq === ev.seq; // photos and voice too
  }
  return false;
}

function PendingMessage({ client, chat, p }: { client: Client; chat: ChatSummary; p: PendingSend }) {
  const online = client.status === "online";
  return (
    <div class={`msg mine first pending${p.failed ? " failed" : ""}`} data-testid="message" data-pending={p.cid}>
      <div class="msg-row">
        <div class="bubble">
          {p.reply_to ? <Quote client={client} chat={chat.id} seq={p.reply_to} /> : null}
          {p.kind && p.kind !== "text" ? (
            <MessageBody client={client} chat={chat} ev={{ chat: p.chat, seq: 0, id: 0, from: client.store.myId, kind: p.kind, ts: p.ts, text: p.text || undefined, data: p.data }} />
          ) : (
            <span class="text">{p.text}</span>
          )}
          <span class="meta">
            <time>{clock(p.ts)}</time>
            {p.failed ? null : <Ticks state={online ? "sending" : "queued"} />}
          </span>
        </div>
      </div>
      {p.failed ? (
        <div class="failed-row">
          <Icon name="alert" size={16} />
          <span>{t("msg.failed")}</span>
          <button type="button" class="btn link" onClick={() => client.retry(p.cid)}>
            {t("msg.retry")}
          </button>
          <button type="button" class="btn link" onClick={() => client.discard(p.cid)}>
            {t("msg.discard")}
          </button>
        </div>
      ) : null}
    </div>
  );
}

export function Conversation({ client, chatId }: { client: Client; chatId: number }) {
  const store = client.store;
  const chat = store.state.chats[chatId];
  const events = store.state.messages[chatId] ?? [];
  const pending = client.outbox.forChat(chatId);
  const [reply, setReply] = useState<ChatEvent | null>(null);
  const [selected, setSelected] = useState<Set<number> | null>(null);
  const [forwarding, setForwarding] = useState<number[] | null>(null);
  const [deleting, setDeleting] = useState<number[] | null>(null);
  const [info, setInfo] = useState<ChatEvent | null>(null);
  const [palette, setPalette] = useState<{ ev: ChatEvent; at: MenuPos } | null>(null);
  const [editing, setEditing] = useState<ChatEvent | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prev = useRef({ first: 0, height: 0, top: 0, count: 0 });
  const typingUsers = store.typingIn(chatId);
  useTicker(1000, typingUsers.length > 0);

  useEffect(() => {
    store.activeChat = chatId;
    atBottom.current = true;
    void client.loadLatest(chatId);
    return () => {
      if (store.activeChat === chatId) store.activeChat = null;
    };
  }, [chatId]);

  useEffect(() => {
    if (!chat) return;
    if (chat.kind === "direct" && chat.peer && !store.state.presence[chat.peer.id]) void client.requestPresence([chat.peer.id]);
    if (chat.kind === "group" && chat.active) void client.loadMembers(chatId);
  }, [chatId, !!chat]);

  // Esc leaves selection mode (dialogs handle their own Esc first).
  useEffect(() => {
    if (!selected) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && !e.defaultPrevented && setSelected(null);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [!!selected]);

  useEffect(() => {
    client.markRead(chatId);
  }, [chatId, chat?.last_seq, client.status]);

  // Keep the view pinned: at the bottom for new messages, in place when older ones load.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const first = events[0]?.seq ?? 0;
    const p = prev.current;
    const count = events.length + pending.length;
    if (p.first && first < p.first && p.height) {
      el.scrollTop = el.scrollHeight - p.height + p.top;
    } else if (count !== p.count && (atBottom.current || pending.length)) {
      el.scrollTop = el.scrollHeight;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prev.current = { first, height: el.scrollHeight, top: el.scrollTop, count };
    if (el.scrollHeight <= el.clientHeight + 40 && events.length && !store.state.atStart[chatId]) void client.loadOlder(chatId);
  });

  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    prev.current.top = el.scrollTop;
    prev.current.height = el.scrollHeight;
    if (el.scrollTop < 200 && !store.state.atStart[chatId]) void client.loadOlder(chatId);
  };

  if (!chat) {
    return (
      <div class="conversation">
        <PaneHeader title={<span class="skeleton" />} back="/chats" />
        <div class="messages" />
      </div>
    );
  }

  const title = store.chatTitle(chat);
  const asking = client.joinRequests.count(chat.id);
  let subtitle = "";
  if (typingUsers.length) {
    subtitle = chat.kind === "direct" ? t("msg.typing") : t("msg.typing_name", { name: typingUsers.map((u) => store.userName(u)).join(t("sys.and")) });
  } else if (chat.kind === "direct" && chat.peer) subtitle = chat.peer.is_bot ? botSubtitle(client, chat.peer.id) : presenceText(store.state.presence[chat.peer.id]);
  else if (chat.kind === "group") subtitle = t("group.members_count", { n: chat.member_count });

  const items = buildItems(events, pending);
  const atStart = store.state.atStart[chatId];
  const sel = selected ? prune(events, selected) : null;
  const chosen = sel ? picked(events, sel) : [];
  const act = (action: MsgAction, ev: ChatEvent, anchor?: Element) => {
    switch (action) {
      case "reply":
        setEditing(null);
        setReply(ev);
        break;
      case "edit":
        setReply(null);
        setEditing(ev);
        break;
      case "react":
        setPalette({ ev, at: anchor ? below(anchor) : { x: 0, y: 0 } });
        break;
      case "forward":
        setForwarding([ev.seq]);
        break;
      case "copy":
        void navigator.clipboard?.writeText(ev.text ?? "").then(() => client.toast(t("msg.copied")), () => client.toast(t("err.unknown")));
        break;
      case "select":
        setSelected(new Set([ev.seq]));
        setReply(null);
        break;
      case "toggle":
        setSelected(toggle(sel ?? new Set(), ev.seq));
        break;
      case "info":
        setInfo(ev);
        break;
      case "recall":
        void client.recall(chat.id, ev.seq);
        break;
    }
  };
  const header = sel ? (
    <SelectionBar
      count={sel.size}
      canForward={chosen.length > 0 && chosen.every(forwardable)}
      onForward={() => setForwarding(chosen.map((e) => e.seq))}
      onDelete={() => setDeleting(chosen.map((e) => e.seq))}
      onCancel={() => setSelected(null)}
    />
  ) : (
    <PaneHeader
        title={
          <span class="title-with-avatar">
            <Avatar id={chat.kind === "direct" ? chat.peer?.id ?? chat.id : chat.id} name={title} size={36} group={chat.kind === "group"} />
            <span class="title-text" data-testid="chat-title">
              {title}
            </span>
          </span>
        }
        subtitle={<span class={typingUsers.length ? "typing" : ""} data-testid="chat-subtitle">{subtitle}</span>}
        back="/chats"
      >
        {asking > 0 ? (
          <a class="header-badge" href={`#/chat/${chatId}/info`} data-testid="header-join-requests">
            <JoinRequestsBadge n={asking} />
          </a>
        ) : null}
        <a class="icon-btn" href={`#/chat/${chatId}/info`} aria-label={t("group.info")} title={t("group.info")} data-testid="chat-info">
          <Icon name="info" />
        </a>
      </PaneHeader>
  );
  return (
    <div class={`conversation${sel ? " selecting" : ""}`} data-testid="conversation">
      {header}
      {chat.kind === "group" && chat.announcement ? (
        <a class="announcement" href={`#/chat/${chatId}/info`}>
          <strong>{t("group.announcement")}</strong> {chat.announcement}
        </a>
      ) : null}
      <div class="messages" ref={list} onScroll={onScroll} role="log" aria-live="polite" data-testid="messages">
        <div class="history-edge">{atStart ? t("msg.beginning") : events.length ? t("msg.load_more") : ""}</div>
        {items.map((it) =>
          it.kind === "day" ? (
            <div class="day-sep" key={it.key}>
              <span>{dayLabel(it.ts)}</span>
            </div>
          ) : it.kind === "event" ? (
            <Message key={it.key} client={client} chat={chat} ev={it.ev} first={it.first} selecting={!!sel} selected={!!sel?.has(it.ev.seq)} act={act} />
          ) : (
            <PendingMessage key={it.key} client={client} chat={chat} p={it.p} />
          ),
        )}
        <UploadList client={client} chat={chatId} />
      </div>
      {sel ? null : chat.active ? (
        <Composer
          key={editing ? `edit-${editing.seq}` : "new"}
          client={client}
          chat={chat}
          reply={reply}
          clearReply={() => setReply(null)}
          editing={editing}
          stopEditing={() => setEditing(null)}
        />
      ) : (
        <div class="composer-disabled">{t("msg.not_member")}</div>
      )}
      {forwarding ? (
        <ForwardPicker
          client={client}
          fromChat={chatId}
          seqs={forwarding}
          onClose={() => setForwarding(null)}
          onDone={() => {
            setForwarding(null);
            setSelected(null);
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title={t("sel.delete")}
          text={t("sel.delete_confirm", { n: deleting.length })}
          action={t("sel.delete_action")}
          danger
          onClose={() => setDeleting(null)}
          onConfirm={() => void client.deleteForMe(chatId, deleting).then(() => setSelected(null))}
        />
      ) : null}
      {palette ? <ReactionPalette client={client} chat={chatId} ev={palette.ev} at={palette.at} onClose={() => setPalette(null)} /> : null}
      {info ? <MessageInfo client={client} chat={chat} ev={info} onClose={() => setInfo(null)} /> : null}
    </div>
  );
}
