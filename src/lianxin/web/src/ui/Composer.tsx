import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { t } from "../i18n";
import { activeMention, filterCandidates, insertMention, resolveMentions, type Candidate, type MentionQuery } from "../mentions";
import type { ChatEvent, ChatSummary } from "../types";
import { Icon } from "./common";
import { MentionPicker } from "./MentionPicker";

const drafts = new Map<number, string>();

export function Composer({ client, chat, reply, clearReply }: { client: Client; chat: ChatSummary; reply: ChatEvent | null; clearReply: () => void }) {
  const [text, setText] = useState(drafts.get(chat.id) ?? "");
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [index, setIndex] = useState(0);
  const picked = useRef<Candidate[]>([]);
  const area = useRef<HTMLTextAreaElement>(null);
  const store = client.store;
  const group = chat.kind === "group";
  const canAll = group && (chat.role === "owner" || chat.role === "admin");
  const candidates = mention && group ? filterCandidates(store.state.members[chat.id] ?? [], mention.query, store.myId, canAll ? t("mention.all") : null) : [];

  useEffect(() => {
    if (window.matchMedia("(pointer: fine)").matches) area.current?.focus();
  }, [chat.id, reply]);
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  const update = (v: string, caret: number) => {
    setText(v);
    drafts.set(chat.id, v);
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
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };

  const send = () => {
    if (!text.trim()) return;
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
    } else if (e.key === "Escape" && reply) clearReply();
  };

  const replyName = reply ? (reply.from === store.myId ? t("sys.you") : store.userName(reply.from)) : "";
  return (
    <div class="composer">
      {reply ? (
        <div class="reply-bar">
          <div class="reply-bar-text">
            <strong>{t("msg.replying_to", { name: replyName })}</strong>
            <span>{reply.text}</span>
          </div>
          <button type="button" class="icon-btn small" onClick={clearReply} aria-label={t("msg.cancel_reply")} title={t("msg.cancel_reply")}>
            <Icon name="close" size={18} />
          </button>
        </div>
      ) : null}
      {candidates.length ? <MentionPicker items={candidates} index={Math.min(index, candidates.length - 1)} onPick={pick} onHover={setIndex} /> : null}
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
          placeholder={group ? t("msg.placeholder_group") : t("msg.placeholder")}
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
        <button type="submit" class="send-btn" disabled={!text.trim()} aria-label={t("msg.send")} title={t("msg.send")}>
          <Icon name="send" />
        </button>
      </form>
    </div>
  );
}
