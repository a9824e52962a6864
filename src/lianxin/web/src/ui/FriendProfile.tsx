import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { Discovery, parseTags, REPORT_REASONS, requestRefusal, shownName, type ReportReason } from "../discovery";
import { errorText } from "../errors";
import { presenceText } from "../format";
import { t } from "../i18n";
import { Avatar, PaneHeader, Toggle } from "./common";
import { Confirm, Dialog } from "./Dialog";
import { openDirect } from "./Friends";
import { go } from "./hooks";

/** Report someone to the operators, with a reason. */
export function ReportDialog({ client, userId, name, onClose }: { client: Client; userId: number; name: string; onClose: () => void }) {
  const [reason, setReason] = useState<ReportReason>("spam");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await new Discovery(client.api).report(userId, reason, note.trim());
      client.toast(t("ct.reported"));
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("ct.report_title", { name })} onClose={onClose} testId="report-dialog">
      <form onSubmit={send} class="stack">
        <fieldset class="choices">
          <legend>{t("ct.report_reason")}</legend>
          {REPORT_REASONS.map((r) => (
            <label key={r} class="choice">
              <input type="radio" name="reason" value={r} checked={reason === r} onChange={() => setReason(r)} />
              {t(`ct.reason_${r}`)}
            </label>
          ))}
        </fieldset>
        <label class="field">
          <span>{t("ct.report_note")}</span>
          <textarea rows={3} maxLength={1000} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        </label>
        {error ? <p class="form-error" role="alert">{error}</p> : null}
        <button class="btn danger wide" type="submit" disabled={busy} data-testid="report-send">
          {t("ct.report_send")}
        </button>
      </form>
    </Dialog>
  );
}

/** Block or unblock, confirming a block first; resolves to the new state. */
export async function setBlocked(client: Client, userId: number, name: string, on: boolean): Promise<boolean> {
  try {
    await new Discovery(client.api).block(userId, on);
    client.store.blockChanged(userId, on); // this device at once; the others by the `block` frame
    client.toast(t(on ? "ct.blocked" : "ct.unblocked", { name }));
    return on;
  } catch (e) {
    client.toast(errorText(e));
    return !on;
  }
}

/** Someone's profile: for a friend also my remark, tags, star, close friend; block, report, delete. */
export function FriendProfile({ client, userId }: { client: Client; userId: number }) {
  const store = client.store;
  const api = new Discovery(client.api);
  const friend = store.state.friends[userId];
  const user = friend ?? store.state.users[userId];
  const [remark, setRemark] = useState(friend?.remark ?? "");
  const [tags, setTags] = useState((friend?.tags ?? []).join(", "));
  const [blocked, setBlockedState] = useState(false);
  const [dialog, setDialog] = useState<"block" | "report" | "delete" | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client.api.user(userId).then((u) => store.setUsers([u])).catch(() => {});
    api.blocks().then((list) => setBlockedState(list.some((u) => u.id === userId))).catch(() => {});
    if (!store.state.presence[userId]) void client.requestPresence([userId]);
  }, [userId]);
  useEffect(() => {
    setRemark(friend?.remark ?? "");
    setTags((friend?.tags ?? []).join(", "));
  }, [friend?.remark, (friend?.tags ?? []).join(",")]);

  if (!user) return <div class="page"><PaneHeader title="" back="/friends" /></div>;
  const name = shownName(friend ?? user);
  const save = async (fields: { remark?: string; tags?: string[]; starred?: boolean; close_friend?: boolean }, toast = true) => {
    setBusy(true);
    setError(null);
    try {
      const meta = await api.updateFriend(userId, fields);
      store.state.friends[userId] = { ...store.state.friends[userId], ...meta };
      store.emit();
      if (toast) client.toast(t("ct.saved"));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const changed = friend && (remark.trim() !== (friend.remark ?? "") || parseTags(tags).join(",") !== (friend.tags ?? []).join(","));
  const addFriend = async () => {
    try {
      const req = await client.api.sendRequest(userId, t("friends.greeting_default", { name: store.state.me?.name ?? "" }));
      if (req.chat_id) void client.refreshChat(req.chat_id);
      else store.upsertRequest({ ...req, user });
      store.emit();
      client.toast(t("friends.request_sent", { name: user.name }));
    } catch (e) {
      client.toast(requestRefusal(e));
    }
  };
  return (
    <div class="page">
      <PaneHeader title={name} back="/friends" />
      <div class="page-body">
        <div class="card profile-card" data-testid="friend-profile">
          <div class="profile-head">
            <Avatar id={user.id} name={name} size={72} />
            <div>
              <h2 data-testid="profile-name">{name}</h2>
              {friend?.remark ? <div class="muted">{t("ct.name", { name: user.name })}</div> : null}
              <div class="muted">
                {t("me.handle")}: {user.handle ?? t("me.handle_none")}
              </div>
              <div class="muted small">{presenceText(store.state.presence[user.id])}</div>
            </div>
          </div>
          {user.bio ? <p class="bio">{user.bio}</p> : null}
          {blocked ? <p class="form-error">{t("ct.is_blocked")}</p> : null}
          {user.id !== store.myId ? (
            <div class="button-row">
              <button class="btn primary" onClick={() => void openDirect(client, user.id)} data-testid="message-friend">
                {t("friends.message")}
              </button>
              {!friend ? (
                <button class="btn" onClick={() => void addFriend()} data-testid="profile-add">
                  {t("ct.add")}
                </button>
              ) : null}
            </div>
          ) : null}
        </div>
        {friend ? (
          <form
            class="card stack"
            onSubmit={(e) => {
              e.preventDefault();
              void save({ remark: remark.trim(), tags: parseTags(tags) });
            }}
          >
            <label class="field">
              <span>{t("ct.remark")}</span>
              <input type="text" maxLength={64} value={remark} placeholder={user.name} onInput={(e) => setRemark((e.target as HTMLInputElement).value)} data-testid="remark" />
              <small class="muted">{t("ct.remark_hint")}</small>
            </label>
            <label class="field">
              <span>{t("ct.tags")}</span>
              <input type="text" maxLength={400} value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} data-testid="tags" />
              <small class="muted">{t("ct.tags_hint")}</small>
            </label>
            {error ? <p class="form-error" role="alert">{error}</p> : null}
            <button class="btn primary" type="submit" disabled={busy || !changed} data-testid="save-friend">
              {t("ct.save")}
            </button>
            <Toggle label={t("ct.star")} checked={!!friend.starred} onChange={(v) => void save({ starred: v }, false)} />
            <Toggle label={t("ct.close_friend")} checked={!!friend.close_friend} onChange={(v) => void save({ close_friend: v }, false)} />
          </form>
        ) : null}
        {user.id !== store.myId ? (
          <div class="card stack">
            <button class="btn wide" onClick={() => (blocked ? void setBlocked(client, userId, name, false).then(setBlockedState) : setDialog("block"))} data-testid="profile-block">
              {blocked ? t("ct.unblock") : t("ct.block")}
            </button>
            <button class="btn wide" onClick={() => setDialog("report")} data-testid="profile-report">
              {t("ct.report")}
            </button>
            {friend ? (
              <button class="btn danger wide" onClick={() => setDialog("delete")} data-testid="profile-delete">
                {t("ct.delete")}
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      {dialog === "block" ? (
        <Confirm title={t("ct.block")} text={t("ct.block_confirm", { name })} action={t("ct.block")} danger onClose={() => setDialog(null)} onConfirm={() => void setBlocked(client, userId, name, true).then(setBlockedState)} />
      ) : null}
      {dialog === "report" ? <ReportDialog client={client} userId={userId} name={name} onClose={() => setDialog(null)} /> : null}
      {dialog === "delete" ? (
        <Confirm
          title={t("ct.delete")}
          text={t("ct.delete_confirm", { name })}
          action={t("ct.delete")}
          danger
          onClose={() => setDialog(null)}
          onConfirm={() =>
            void api
              .removeFriend(userId)
              .then(() => {
                delete store.state.friends[userId];
                store.emit();
                client.toast(t("ct.deleted", { name }));
                go("/friends");
              })
              .catch((e) => client.toast(errorText(e)))
          }
        />
      ) : null}
    </div>
  );
}
