import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import type { Client } from "../client";
import { applyJoinRequest, Discovery, withFramesSince, type InviteCode, type JoinRequest } from "../discovery";
import { errorText } from "../errors";
import { t } from "../i18n";
import type { ChatSummary, ServerFrame } from "../types";
import { Avatar, Toggle } from "./common";
import { Confirm } from "./Dialog";

/** The web client's own link for a code: opening it shows the group and a Join button. */
function webLink(token: string): string {
  return `${location.origin}${location.pathname}#/qr/${token}`;
}

/** Group invite by QR (7 days; admins regenerate / revoke it, require approval, decide requests). */
export function GroupInvite({ client, chat }: { client: Client; chat: ChatSummary }) {
  const api = new Discovery(client.api);
  const admin = chat.role === "owner" || chat.role === "admin";
  const [code, setCode] = useState<InviteCode | null>(null);
  const [image, setImage] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const [requests, setRequests] = useState<JoinRequest[]>([]);
  const [confirm, setConfirm] = useState<"new" | "revoke" | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Frames that arrive while the list is being read are replayed over the answer.
  const arriving = useRef<ServerFrame[] | null>(null);
  const loadRequests = () => {
    if (!admin) return Promise.resolve();
    const seen: ServerFrame[] = (arriving.current = []);
    return api
      .joinRequests(chat.id)
      .then((list) => setRequests(withFramesSince(list, seen, chat.id)))
      .catch(() => {})
      .finally(() => {
        if (arriving.current === seen) arriving.current = null;
      });
  };
  useEffect(() => {
    void loadRequests();
    if (admin) api.invite(chat.id).then(setCode).catch(() => {});
  }, [chat.id, admin]);
  // Requests filed or decided by another admin arrive as frames; after a reconnect
  // (welcome) the list is fetched again, since frames missed offline are not replayed.
  useEffect(() => {
    if (!admin) return;
    const off = client.onServerFrame((f) => {
      if (f.t === "welcome") void loadRequests();
      else if (f.t === "join_request") {
        arriving.current?.push(f);
        setRequests((list) => applyJoinRequest(list, f, chat.id));
      }
    });
    return () => void off();
  }, [chat.id, admin]);
  useEffect(() => {
    if (!shown || !code) return;
    let url: string | null = null;
    client.api
      .imageUrl(`/api/v1/chats/${chat.id}/invite/image?format=svg&t=${code.token}`)
      .then((u) => setImage((url = u)))
      .catch((e) => setError(errorText(e)));
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [shown, code?.token]);

  const show = async () => {
    setError(null);
    try {
      setCode(await api.invite(chat.id));
      setShown(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const regenerate = async () => {
    try {
      setCode(await api.invite(chat.id, true));
      setShown(true);
    } catch (e) {
      client.toast(errorText(e));
    }
  };
  const revoke = async () => {
    try {
      await api.revokeInvite(chat.id);
      setShown(false);
      setImage(null);
      client.toast(t("ct.invite_revoked"));
    } catch (e) {
      client.toast(errorText(e));
    }
  };
  const approval = async (on: boolean) => {
    try {
      const res = await api.setApproval(chat.id, on);
      setCode(code ? { ...code, approval: res.approval } : code);
    } catch (e) {
      client.toast(errorText(e));
    }
  };
  const decide = async (r: JoinRequest, yes: boolean) => {
    try {
      await api.decide(chat.id, r.id, yes);
      setRequests((list) => list.filter((x) => x.id !== r.id));
      if (yes) void client.loadMembers(chat.id);
    } catch (e) {
      if (e instanceof ApiError && e.code === "conflict") setRequests((list) => list.filter((x) => x.id !== r.id));
      client.toast(errorText(e));
    }
  };
  const copy = async () => {
    if (!code) return;
    try {
      await navigator.clipboard.writeText(webLink(code.token));
      client.toast(t("ct.copied"));
    } catch {
      client.toast(webLink(code.token));
    }
  };
  return (
    <div class="card stack" data-testid="group-invite">
      <h2 class="section-title">{t("ct.invite")}</h2>
      {shown && code ? (
        <>
          <div class="qr-frame">{image ? <img src={image} alt={t("ct.invite_alt")} width="180" height="180" data-testid="invite-qr" /> : <span class="spinner" aria-hidden="true" />}</div>
          {code.expires_at ? <p class="muted small">{t("ct.invite_hint", { date: new Date(code.expires_at).toLocaleDateString() })}</p> : null}
          <code class="invite-link" data-testid="invite-link">{webLink(code.token)}</code>
          <div class="button-row">
            <button class="btn" onClick={() => void copy()}>
              {t("ct.invite_copy")}
            </button>
            {admin ? (
              <>
                <button class="btn" onClick={() => setConfirm("new")} data-testid="invite-new">
                  {t("ct.invite_new")}
                </button>
                <button class="btn danger" onClick={() => setConfirm("revoke")} data-testid="invite-revoke">
                  {t("ct.invite_revoke")}
                </button>
              </>
            ) : null}
          </div>
        </>
      ) : (
        <button class="btn wide" onClick={() => void show()} data-testid="invite-show">
          {t("ct.invite_show")}
        </button>
      )}
      {error ? <p class="form-error" role="alert">{error}</p> : null}
      {admin && code ? <Toggle label={t("ct.approval")} checked={code.approval} onChange={(v) => void approval(v)} /> : null}
      {admin && requests.length ? (
        <>
          <h3 class="section-title">{t("ct.join_requests")}</h3>
          <ul class="request-list">
            {requests.map((r) => (
              <li class="request-row" key={r.id} data-testid="join-request">
                <Avatar id={r.user.id} name={r.user.name} size={36} />
                <div class="request-main">
                  <strong>{r.user.name}</strong>
                  <div class="request-actions">
                    <button class="btn primary small" onClick={() => void decide(r, true)} data-testid="join-approve">
                      {t("ct.approve")}
                    </button>
                    <button class="btn small" onClick={() => void decide(r, false)}>
                      {t("ct.deny")}
                    </button>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {confirm === "new" ? <Confirm title={t("ct.invite_new")} text={t("ct.invite_new_confirm")} action={t("ct.invite_new")} onClose={() => setConfirm(null)} onConfirm={() => void regenerate()} /> : null}
      {confirm === "revoke" ? <Confirm title={t("ct.invite_revoke")} text={t("ct.invite_revoke_confirm")} action={t("ct.invite_revoke")} danger onClose={() => setConfirm(null)} onConfirm={() => void revoke()} /> : null}
    </div>
  );
}
