import type { Client } from "../client";
import { t } from "../i18n";
import type { ChatSummary } from "../types";
import { Confirm } from "./Dialog";
import { setBlocked } from "./FriendProfile";
import { Menu, type MenuItem, type MenuPos } from "./Menu";

/** Per-chat actions for me: pin, mute, archive, mark read, and block (asked first, via `onBlock`). */
export function chatMenuItems(client: Client, chat: ChatSummary, onBlock: (chat: ChatSummary) => void): MenuItem[] {
  const items: MenuItem[] = [
    { label: chat.pinned ? t("chats.unpin") : t("chats.pin"), testId: "menu-pin", onSelect: () => void client.chatSettings(chat.id, { pinned: !chat.pinned }) },
    { label: chat.muted ? t("chats.unmute") : t("chats.mute"), testId: "menu-mute", onSelect: () => void client.chatSettings(chat.id, { muted: !chat.muted }) },
    {
      label: chat.archived ? t("chats.unarchive") : t("chats.archive"),
      testId: "menu-archive",
      onSelect: () => void client.chatSettings(chat.id, { archived: !chat.archived }).then((ok) => ok && client.toast(chat.archived ? t("chats.unarchived") : t("chats.archived_toast"))),
    },
  ];
  if (chat.unread > 0 && chat.active) items.push({ label: t("chats.mark_read"), testId: "menu-read", onSelect: () => client.markRead(chat.id) });
  const peer = chat.kind === "direct" ? chat.peer : undefined;
  if (peer && !peer.is_bot) {
    // Blocking from the chat list or a chat's menu; unblocking is on the profile and in privacy settings.
    items.push({ label: t("ct.block"), testId: "menu-block", onSelect: () => onBlock(chat) });
  }
  return items;
}

export function ChatMenu({ client, chat, at, onClose, onBlock }: { client: Client; chat: ChatSummary; at: MenuPos; onClose: () => void; onBlock: (chat: ChatSummary) => void }) {
  return <Menu items={chatMenuItems(client, chat, onBlock)} at={at} label={t("chats.menu", { name: client.store.chatTitle(chat) })} onClose={onClose} />;
}

/** The app's own "Block {name}?" dialog for a direct chat's peer (the menu closes first). */
export function BlockConfirm({ client, chat, onClose }: { client: Client; chat: ChatSummary; onClose: () => void }) {
  const name = client.store.chatTitle(chat);
  const peer = chat.peer;
  return (
    <Confirm
      title={t("ct.block")}
      text={t("ct.block_confirm", { name })}
      action={t("ct.block")}
      danger
      onClose={onClose}
      onConfirm={() => void (peer && setBlocked(client, peer.id, name, true))}
    />
  );
}
