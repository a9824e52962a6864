import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { snippet } from "../format";
import { t } from "../i18n";
import { activeMention, filterCandidates, insertMention, resolveMentions, type Candidate, type MentionQuery } from "../mentions";
import type { ChatEvent, ChatSummary } from "../types";
import { useBotComposer } from "./BotBar";
import { QuoteThumb } from "./bodies/media";
import { Icon } from "./common";
import { MediaTools, VoiceButton } from "./MediaComposer";
import { MentionPicker } from "./MentionPicker";

const drafts = new Map<number, string>();

interface Props {
  client: Client;
  chat: ChatSummary;
  reply: ChatEvent | null;
  clearReply: () => void;
  /** My message being edited: the composer holds its text and Enter saves it. */
  editing?: ChatEvent | null;
  stopEditing?: () => void;
}

export function Composer({ client, chat, reply, clearReply, editing = null, stopEditing = () => {} }: Props) {
  const [text, setText] = useState(editing ? editing.text ?? "" : drafts.get(chat.id) ?? "");
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [index, setIndex] = useState(0);
  const picked = useRef<Candidate[]>([]);
  const area = useRef<HTMLTextAreaElement>(null);
  const store = client.store;
  const group = chat.kind === "group";
  const canAll = group && (chat.role === "owner" || chat.role === "admin");
  const bot = useBotComposer(client, chat, text, () => update("", 0), !!editing);
  const candidates = mention && group ? filterCandidates(store.state.members[chat.id] ?? [], mention.query, store.myId, canAll ? t("mention.all") : null) : [];

  useEffect(() => {
    if (window.matchMedia("(pointer: fine)").matches) area.current?.focus();
  }, [chat.id, reply]);
  useEffect(() => {
    const el = area.current;
    if (!editing || !el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, [editing]);
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  const update = (v: string, caret: number) => {
    setText(v);
    if (!editing) drafts.set(chat.id, v);
    const m = group ? activeMention(v, caret) : null;
    setMention(m);
    if (m?.query !== mention?.query) setIndex(0);
  };

  const pick = (c: Candidate) => {
    const el = area.current;
    if (!el || !mention) return;
    const next = insertMention(text, mention, el.selectionStart, c.name);
    picked.current = [...picked.current, c];
    setText(next.text);
    drafts.set(chat.id, next.text);
    setMention(null);
    // Put the text and caret in place now, not in a later frame: keys typed right after
    // picking would otherwise land before the caret moves (seen as scrambled text).
    el.value = next.text;
    el.focus();
    el.setSelectionRange(next.caret, next.caret);
  };

  const send = () => {
    if (!text.trim()) return;
    if (editing) {
      const same = text.trim() === (editing.text ?? "").trim();
      if (same) stopEditing();
      else void client.edit(chat.id, editing.seq, text).then((ok) => ok && stopEditing());
      return;
    }
    const { mentions, mentionAll } = resolveMentions(text, picked.current);
    client.send(chat.id, text, { reply_to: reply?.seq, mentions, mention_all: canAll && mentionAll });
    picked.current = [];
    setText("");
    setMention(null);
    drafts.delete(chat.id);
    clearReply();
    area.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (bot.onKey(e)) return;
    const composing = e.isComposing || e.keyCode === 229;
    if (candidates.length && !composing) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const step = e.key === "ArrowDown" ? 1 : -1;
        setIndex((index + step + candidates.length) % candidates.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pick(candidates[Math.min(index, candidates.length - 1)]);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setMention(null);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !composing) {
      e.preventDefault();
      send();
    } else if (e.key === "Escape" && editing) stopEditing();
    else if (e.key === "Escape" && reply) clearReply();
  };

  const replyName = reply ? (reply.from === store.myId ? t("sys.you") : store.userName(reply.from)) : "";
  return (
    <div class="composer">
      {editing ? (
        <div class="reply-bar" data-testid="editing-bar">
          <div class="reply-bar-text">
            <strong>{t("msg.editing")}</strong>
            <span>{editing.text}</span>
          </div>
          <button type="button" class="icon-btn small" onClick={stopEditing} aria-label={t("msg.cancel_edit")} title={t("msg.cancel_edit")}>
            <Icon name="close" size={18} />
          </button>
        </div>
      ) : null}
      {reply ? (
        <div class="reply-bar">
          <div class="reply-bar-text">
            <strong>{t("msg.replying_to", { name: replyName })}</strong>
            <span>{reply.recalled ? t("msg.recalled", { name: replyName }) : snippet(reply)}</span>
          </div>
          <QuoteThumb client={client} ev={reply} />
          <button type="button" class="icon-btn small" onClick={clearReply} aria-label={t("msg.cancel_reply")} title={t("msg.cancel_reply")}>
            <Icon name="close" size={18} />
          </button>
        </div>
      ) : null}
      {bot.picker}
      {candidates.length ? <MentionPicker items={candidates} index={Math.min(index, candidates.length - 1)} onPick={pick} onHover={setIndex} /> : null}
      <form
        class="composer-row"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        {bot.leading}
        {editing ? null : <MediaTools client={client} chat={chat} />}
        <textarea
          ref={area}
          rows={1}
          value={text}
          placeholder={bot.placeholder ?? (group ? t("msg.placeholder_group") : t("msg.placeholder"))}
          aria-label={t("msg.placeholder")}
          aria-autocomplete={group ? "list" : undefined}
          aria-controls={candidates.length ? "mention-list" : undefined}
          aria-activedescendant={candidates.length ? `mention-${candidates[Math.min(index, candidates.length - 1)].id}` : undefined}
          data-testid="composer"
          onInput={(e) => {
            const el = e.target as HTMLTextAreaElement;
            update(el.value, el.selectionStart);
            if (el.value.trim()) client.typing(chat.id);
          }}
          onClick={(e) => {
            const el = e.target as HTMLTextAreaElement;
            if (group) setMention(activeMention(el.value, el.selectionStart));
          }}
          onBlur={() => setMention(null)}
          onKeyDown={onKeyDown}
        />
        {/* As in every messenger: the mic while the box is empty, send once something is typed. */}
        {editing || text.trim() ? (
          <button type="submit" class="send-btn" disabled={!text.trim()} aria-label={editing ? t("msg.save_edit") : t("msg.send")} title={editing ? t("msg.save_edit") : t("msg.send")} data-testid="send">
            <Icon name={editing ? "check" : "send"} />
          </button>
        ) : (
          <VoiceButton client={client} chat={chat} />
        )}
      </form>
      {bot.below}
    </div>
  );
}
