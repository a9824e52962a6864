import { useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import type { User } from "../types";
import { Avatar, PaneHeader } from "./common";
import { go } from "./hooks";

export function FriendPicker({ friends, picked, onToggle }: { friends: User[]; picked: Set<number>; onToggle: (id: number) => void }) {
  return (
    <ul class="pick-list">
      {friends.map((f) => (
        <li key={f.id}>
          <label class="pick-row" data-testid="pick-friend">
            <input type="checkbox" checked={picked.has(f.id)} onChange={() => onToggle(f.id)} />
            <Avatar id={f.id} name={f.name} size={36} />
            <span>{f.name}</span>
          </label>
        </li>
      ))}
    </ul>
  );
}

export function NewGroup({ client }: { client: Client }) {
  const friends = client.store.friendList();
  const [title, setTitle] = useState("");
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (id: number) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked(next);
  };
  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const chat = await client.api.createGroup(title.trim(), [...picked]);
      client.store.upsertChat(chat);
      client.store.emit();
      go(`/chat/${chat.id}`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="page">
      <PaneHeader title={t("group.new")} back="/friends" />
      <form class="page-body" onSubmit={create}>
        <div class="card">
          <label class="field">
            <span>{t("group.name")}</span>
            <input
              type="text"
              maxLength={64}
              required
              value={title}
              onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
              data-testid="group-title"
            />
          </label>
        </div>
        <div class="card">
          <h2 class="section-title">
            {t("group.pick")} <span class="muted small">{t("group.selected", { n: picked.size })}</span>
          </h2>
          {friends.length ? <FriendPicker friends={friends} picked={picked} onToggle={toggle} /> : <p class="empty">{t("group.need_friends")}</p>}
        </div>
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button class="btn primary wide" type="submit" disabled={busy || !title.trim() || !picked.size} data-testid="create-group">
          {t("group.create")}
        </button>
      </form>
    </div>
  );
}
