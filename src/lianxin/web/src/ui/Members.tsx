import { useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import { memberActions, sortMembers, type MemberAction } from "../roles";
import type { ChatSummary, Member } from "../types";
import { Avatar, Icon } from "./common";
import { Confirm } from "./Dialog";
import { below, Menu, type MenuItem, type MenuPos } from "./Menu";

const LABEL: Record<MemberAction, Parameters<typeof t>[0]> = {
  make_admin: "group.make_admin",
  remove_admin: "group.remove_admin",
  make_owner: "group.make_owner",
  remove: "group.remove_member",
};

function roleLabel(role: string): string | null {
  return role === "owner" ? t("role.owner") : role === "admin" ? t("role.admin") : null;
}

/** A group's members with their roles; the owner and admins get a menu per member. */
export function Members({ client, chat }: { client: Client; chat: ChatSummary }) {
  const store = client.store;
  const members = sortMembers(store.state.members[chat.id] ?? []);
  const [menu, setMenu] = useState<{ member: Member; at: MenuPos } | null>(null);
  const [confirm, setConfirm] = useState<{ member: Member; action: "remove" | "make_owner" } | null>(null);

  const run = async (m: Member, action: MemberAction) => {
    try {
      if (action === "remove") {
        await client.api.removeMember(chat.id, m.id);
        client.toast(t("group.removed", { name: m.name }));
      } else {
        const role = action === "make_admin" ? "admin" : action === "make_owner" ? "owner" : "member";
        await client.api.setRole(chat.id, m.id, role);
        client.toast(t("group.role_saved"));
      }
    } catch (e) {
      client.toast(errorText(e));
    }
    await client.refreshChat(chat.id);
    await client.loadMembers(chat.id);
  };
  const items = (m: Member): MenuItem[] =>
    memberActions(chat.role, m.role, m.id === store.myId).map((action) => ({
      label: t(LABEL[action]),
      danger: action === "remove",
      testId: `member-${action}`,
      onSelect: () => (action === "remove" || action === "make_owner" ? setConfirm({ member: m, action }) : void run(m, action)),
    }));

  return (
    <>
      <ul class="member-list" data-testid="members">
        {members.map((m) => {
          const actions = items(m);
          const role = roleLabel(m.role);
          return (
            <li key={m.id} class="member-row" data-testid="member" data-user={m.id}>
              <Avatar id={m.id} name={m.name} size={36} />
              <span class="member-name">{m.id === store.myId ? `${m.name} (${t("sys.you")})` : m.name}</span>
              {role ? (
                <span class={`role-tag role-${m.role}`} data-testid="role">
                  {role}
                </span>
              ) : null}
              {actions.length ? (
                <button
                  type="button"
                  class="icon-btn small"
                  aria-haspopup="menu"
                  aria-label={t("group.member_menu", { name: m.name })}
                  title={t("group.member_menu", { name: m.name })}
                  data-testid="member-more"
                  onClick={(e) => setMenu({ member: m, at: below(e.currentTarget as Element) })}
                >
                  <Icon name="more" size={18} />
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
      {menu ? <Menu items={items(menu.member)} at={menu.at} label={t("group.member_menu", { name: menu.member.name })} onClose={() => setMenu(null)} /> : null}
      {confirm ? (
        <Confirm
          title={t(LABEL[confirm.action])}
          text={confirm.action === "remove" ? t("group.remove_confirm", { name: confirm.member.name }) : t("group.owner_confirm", { name: confirm.member.name })}
          action={t(LABEL[confirm.action])}
          danger={confirm.action === "remove"}
          onClose={() => setConfirm(null)}
          onConfirm={() => void run(confirm.member, confirm.action)}
        />
      ) : null}
    </>
  );
}
