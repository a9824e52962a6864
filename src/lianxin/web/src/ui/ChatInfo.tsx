import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { presenceText } from "../format";
import { t } from "../i18n";
import type { Member } from "../types";
import { Avatar, PaneHeader, Toggle } from "./common";
import { go } from "./hooks";
import { FriendPicker } from "./NewGroup";

export function ChatInfo({ client, chatId }: { client: Client; chatId: number }) {
  const store = client.store;
  const chat = store.state.chats[chatId];
  const [members, setMembers] = useState<Member[]>([]);
  const [title, setTitle] = useState(chat?.title ?? "");
  const [announcement, setAnnouncement] = useState(chat?.announcement ?? "");
  const [adding, setAdding] = useState(false);
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState(false);

  const loadMembers = () =>
    client.api
      .members(chatId)
      .then((m) => {
        setMembers(m);
        store.setUsers(m);
      })
      .catch(() => {});
  useEffect(() => {
    if (chat?.active) void loadMembers();
  }, [chatId, chat?.member_count]);
  useEffect(() => {
    setTitle(chat?.title ?? "");
    setAnnouncement(chat?.announcement ?? "");
  }, [chat?.title, chat?.announcement]);

  if (!chat) return <div class="page"><PaneHeader title={t("group.info")} back={`/chat/${chatId}`} /></div>;

  const run = async (fn: () => Promise<void>, ok?: string) => {
    setBusy(true);
    try {
      await fn();
      if (ok) client.toast(ok);
    } catch (e) {
      client.toast(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const setting = (fields: { muted?: boolean; pinned?: boolean }) =>
    run(async () => {
      store.upsertChat(await client.api.updateSettings(chatId, fields));
      store.emit();
    });
  const admin = chat.role === "owner" || chat.role === "admin";
  const inGroup = new Set(members.map((m) => m.id));
  const candidates = store.friendList().filter((f) => !inGroup.has(f.id));

  return (
    <div class="page">
      <PaneHeader title={t("group.info")} back={`/chat/${chatId}`} />
      <div class="page-body">
        {chat.kind === "direct" && chat.peer ? (
          <div class="card profile-card">
            <div class="profile-head">
              <Avatar id={chat.peer.id} name={store.chatTitle(chat)} size={64} />
              <div>
                <h2>{store.chatTitle(chat)}</h2>
                <div class="muted">
                  {t("me.handle")}: {chat.peer.handle ?? t("me.handle_none")}
                </div>
                <div class="muted small">{presenceText(store.state.presence[chat.peer.id])}</div>
              </div>
            </div>
            {chat.peer.bio ? <p class="bio">{chat.peer.bio}</p> : null}
          </div>
        ) : null}
        {chat.kind === "group" && chat.active ? (
          <>
            <form
              class="card"
              onSubmit={(e) => {
                e.preventDefault();
                void run(async () => {
                  store.upsertChat(await client.api.updateGroup(chatId, { title: title.trim() }));
                  store.emit();
                }, t("group.saved"));
              }}
            >
              <label class="field">
                <span>{t("group.rename")}</span>
                <div class="input-row">
                  <input type="text" maxLength={64} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} data-testid="group-rename" />
                  <button class="btn" type="submit" disabled={busy || !title.trim() || title.trim() === chat.title}>
                    {t("group.save")}
                  </button>
                </div>
              </label>
            </form>
            <form
              class="card"
              onSubmit={(e) => {
                e.preventDefault();
                void run(async () => {
                  store.upsertChat(await client.api.updateGroup(chatId, { announcement: announcement.trim() }));
                  store.emit();
                }, t("group.saved"));
              }}
            >
              <label class="field">
                <span>{t("group.announcement")}</span>
                {admin ? (
                  <textarea rows={3} maxLength={2000} value={announcement} onInput={(e) => setAnnouncement((e.target as HTMLTextAreaElement).value)} />
                ) : (
                  <p class="bio">{chat.announcement || t("group.announcement_none")}</p>
                )}
              </label>
              {admin ? (
                <button class="btn" type="submit" disabled={busy || announcement.trim() === (chat.announcement ?? "")}>
                  {t("group.save")}
                </button>
              ) : (
                <small class="muted">{t("group.announcement_admin_only")}</small>
              )}
            </form>
            <div class="card">
              <h2 class="section-title">
                {t("group.members")} <span class="muted small">{t("group.members_count", { n: chat.member_count })}</span>
              </h2>
              <ul class="member-list" data-testid="members">
                {members.map((m) => (
                  <li key={m.id} class="member-row">
                    <Avatar id={m.id} name={m.name} size={36} />
                    <span class="member-name">{m.id === store.myId ? `${m.name} (${t("sys.you")})` : m.name}</span>
                    {m.role !== "member" ? <span class="role-tag">{m.role === "owner" ? t("role.owner") : t("role.admin")}</span> : null}
                  </li>
                ))}
              </ul>
              {adding ? (
                candidates.length ? (
                  <>
                    <FriendPicker
                      friends={candidates}
                      picked={picked}
                      onToggle={(id) => {
                        const next = new Set(picked);
                        if (next.has(id)) next.delete(id);
                        else next.add(id);
                        setPicked(next);
                      }}
                    />
                    <div class="row-end">
                      <button class="btn" type="button" onClick={() => setAdding(false)}>
                        {t("common.cancel")}
                      </button>
                      <button
                        class="btn primary"
                        type="button"
                        disabled={busy || !picked.size}
                        onClick={() =>
                          void run(async () => {
                            await client.api.addMembers(chatId, [...picked]);
                            setPicked(new Set());
                            setAdding(false);
                            await loadMembers();
                          })
                        }
                      >
                        {t("group.add")}
                      </button>
                    </div>
                  </>
                ) : (
                  <p class="muted">{t("group.no_more_friends")}</p>
                )
              ) : (
                <button class="btn" type="button" onClick={() => setAdding(true)}>
                  {t("group.add_members")}
                </button>
              )}
            </div>
          </>
        ) : null}
        {chat.active ? (
          <div class="card">
            <Toggle label={t("group.mute")} checked={chat.muted} onChange={(v) => void setting({ muted: v })} />
            <Toggle label={t("group.pin")} checked={chat.pinned} onChange={(v) => void setting({ pinned: v })} />
          </div>
        ) : null}
        {chat.kind === "group" && chat.active ? (
          <button
            class="btn danger wide"
            type="button"
            data-testid="leave-group"
            onClick={() => {
              if (!window.confirm(t("group.leave_confirm"))) return;
              void run(async () => {
                await client.api.leave(chatId);
                await client.refreshChat(chatId);
                go("/chats");
              });
            }}
          >
            {t("group.leave")}
          </button>
        ) : null}
      </div>
    </div>
  );
}
