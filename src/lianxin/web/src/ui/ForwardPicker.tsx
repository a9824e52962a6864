import { useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import { newClientId } from "../outbox";
import type { ChatEvent } from "../types";
import { Avatar, Icon } from "./common";
import { Dialog } from "./Dialog";

/** A chat record's title, WeChat style: the group's name, or "Me and Alice". */
function recordTitle(client: Client, chat: number): string {
  const store = client.store;
  const c = store.state.chats[chat];
  if (!c) return "";
  const title = c.kind === "group" ? store.chatTitle(c) : t("fwd.record_title", { a: store.state.me?.name ?? "", b: store.chatTitle(c) });
  return [...title].slice(0, 64).join("");
}

/** Several messages as one chat-record message (the server copies what they show). */
async function forwardCombined(client: Client, fromChat: number, seqs: number[], to: number): Promise<number> {
  const content = { chat: fromChat, seqs: [...seqs].sort((a, b) => a - b), title: recordTitle(client, fromChat) || undefined };
  try {
    const ev = await client.api.call<ChatEvent & { duplicate?: boolean }>("POST", `/api/v1/chats/${to}/messages`, { client_id: newClientId(), kind: "chat_record", content });
    const { duplicate: _dup, ...event } = ev;
    client.store.apply({ ...event, t: "ev" });
    return seqs.length;
  } catch (e) {
    client.toast(errorText(e));
    return 0;
  }
}

/** Pick the chat to forward messages to; resolves through `onDone` with how many went. */
export function ForwardPicker({ client, fromChat, seqs, onClose, onDone }: { client: Client; fromChat: number; seqs: number[]; onClose: () => void; onDone: (n: number) => void }) {
  const [query, setQuery] = useState("");
  const [busy, setBusy] = useState(false);
  const [combined, setCombined] = useState(false);
  const store = client.store;
  const chats = store.chatList(query).filter((c) => c.active);
  const go = async (to: number) => {
    setBusy(true);
    const n = combined && seqs.length > 1 ? await forwardCombined(client, fromChat, seqs, to) : await client.forward(fromChat, seqs, to);
    setBusy(false);
    if (n) {
      client.toast(t("fwd.done", { chat: store.chatTitle(store.state.chats[to]) }));
      onDone(n);
    }
  };
  return (
    <Dialog title={t("fwd.title")} onClose={onClose} testId="forward-picker">
      {seqs.length > 1 ? (
        <div class="fwd-mode" role="radiogroup" aria-label={t("fwd.mode")} data-testid="forward-mode">
          {([false, true] as const).map((on) => (
            <label key={String(on)} class={combined === on ? "on" : ""}>
              <input type="radio" name="fwd-mode" checked={combined === on} onChange={() => setCombined(on)} data-testid={on ? "forward-combined" : "forward-separate"} />
              {on ? t("fwd.combined") : t("fwd.one_by_one")}
            </label>
          ))}
        </div>
      ) : null}
      <div class="search in-dialog">
        <Icon name="search" size={18} />
        <input
          type="search"
          placeholder={t("fwd.search")}
          aria-label={t("fwd.search")}
          value={query}
          data-autofocus
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
      </div>
      {chats.length ? (
        <ul class="pick-list dialog-list">
          {chats.map((c) => {
            const title = store.chatTitle(c);
            return (
              <li key={c.id}>
                <button type="button" class="pick-row" disabled={busy} onClick={() => void go(c.id)} data-testid="forward-target">
                  <Avatar id={c.kind === "direct" ? c.peer?.id ?? c.id : c.id} name={title} size={36} group={c.kind === "group"} />
                  <span>{title}</span>
                </button>
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="muted">{t("chats.no_match", { q: query })}</p>
      )}
    </Dialog>
  );
}
