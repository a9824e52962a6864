import { useState } from "preact/hooks";
import type { Client } from "../client";
import { t } from "../i18n";
import { Avatar, Icon } from "./common";
import { Dialog } from "./Dialog";

/** Pick the chat to forward messages to; resolves through `onDone` with how many went. */
export function ForwardPicker({ client, fromChat, seqs, onClose, onDone }: { client: Client; fromChat: number; seqs: number[]; onClose: () => void; onDone: (n: number) => void }) {
  const [query, setQuery] = useState("");
  const [busy, setBusy] = useState(false);
  const store = client.store;
  const chats = store.chatList(query).filter((c) => c.active);
  const go = async (to: number) => {
    setBusy(true);
    const n = await client.forward(fromChat, seqs, to);
    setBusy(false);
    if (n) {
      client.toast(t("fwd.done", { chat: store.chatTitle(store.state.chats[to]) }));
      onDone(n);
    }
  };
  return (
    <Dialog title={t("fwd.title")} onClose={onClose} testId="forward-picker">
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
