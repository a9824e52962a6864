import { useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { presenceText } from "../format";
import { t } from "../i18n";
import { Avatar, PaneHeader, Toggle } from "./common";
import { Confirm } from "./Dialog";
import { go } from "./hooks";
import { AlbumSection } from "./Album";
import { GroupInvite } from "./GroupInvite";
import { Members } from "./Members";
import { BotBadge, GroupBots } from "./BotPages";
import { FriendPicker } from "./NewGroup";

export function ChatInfo({ client, chatId }: { client: Client; chatId: number }) {
  const store = client.store;
  const chat = store.state.chats[chatId];
  const members = store.state.members[chatId] ?? [];
  const [leaving, setLeaving] = useState(false);
  const [title, setTitle] = useState(chat?.title ?? "");
  const [announcement, setAnnouncement] = useState(chat?.announcement ?? "");
  const [adding, setAdding] = useState(false);
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState(false);

  const loadMembers = () => client.loadMembers(chatId);
  useEffect(() => {
    if (chat?.active && chat.kind === "group") void loadMembers();
  }, [chatId, chat?.member_count, chat?.role]);
  // Follow changes made elsewhere, but never clobber what the user is typing with the
  // value the form already started from (the effect also runs once after mounting).
  const shown = useRef({ title: chat?.title, announcement: chat?.announcement });
  useEffect(() => {
    if (chat?.title !== shown.current.title) setTitle(chat?.title ?? "");
    if (chat?.announcement !== shown.current.announcement) setAnnouncement(chat?.announcement ?? "");
    shown.current = { title: chat?.title, announcement: chat?.announcement };
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
  const setting = (fields: { muted?: boolean; pinned?: boolean; archived?: boolean }) => void client.chatSettings(chatId, fields);
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
            {chat.peer.is_bot ? (
              <a class="btn wide" href={`#/bot/${chat.peer.id}`} data-testid="peer-bot-page">
                <BotBadge /> {t("bot.about")}
              </a>
            ) : (
              <a class="btn wide" href={`#/user/${chat.peer.id}`} data-testid="peer-profile">
                {t("ct.profile")}
              </a>
            )}
          </div>
        ) : null}
        {chat.kind === "group" ? <GroupBots client={client} chat={chat} /> : null}
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
                  <textarea
                    rows={3}
                    maxLength={2000}
                    value={announcement}
                    placeholder={t("group.announcement_placeholder")}
                    data-testid="announcement-input"
                    onInput={(e) => setAnnouncement((e.target as HTMLTextAreaElement).value)}
                  />
                ) : (
                  <p class="bio">{chat.announcement || t("group.announcement_none")}</p>
                )}
              </label>
              {admin ? (
                <button class="btn" type="submit" disabled={busy || announcement.trim() === (chat.announcement ?? "")} data-testid="announcement-save">
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
              <Members client={client} chat={chat} />
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
        {chat.kind === "group" && chat.active ? <GroupInvite client={client} chat={chat} /> : null}
        {chat.active ? (
          <div class="card">
            <Toggle label={t("group.mute")} checked={chat.muted} onChange={(v) => void setting({ muted: v })} />
            <Toggle label={t("group.pin")} checked={chat.pinned} onChange={(v) => void setting({ pinned: v })} />
            <Toggle label={t("group.archive")} checked={chat.archived} onChange={(v) => void setting({ archived: v })} />
          </div>
        ) : null}
        {chat.kind === "group" && chat.active ? <AlbumSection client={client} chat={chat.id} /> : null}
        {chat.kind === "group" && chat.active ? (
          <button
            class="btn danger wide"
            type="button"
            data-testid="leave-group"
            onClick={() => setLeaving(true)}
          >
            {t("group.leave")}
          </button>
        ) : null}
        {leaving ? (
          <Confirm
            title={t("group.leave")}
            text={chat.role === "owner" ? `${t("group.leave_confirm")} ${t("group.you_owner")}` : t("group.leave_confirm")}
            action={t("group.leave")}
            danger
            onClose={() => setLeaving(false)}
            onConfirm={() =>
              void run(async () => {
                await client.api.leave(chatId);
                await client.refreshChat(chatId);
                go("/chats");
              }, t("group.left"))
            }
          />
        ) : null}
      </div>
    </div>
  );
}
