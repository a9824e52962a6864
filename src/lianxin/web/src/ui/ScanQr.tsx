import jsQR from "jsqr";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import type { Client } from "../client";
import { Discovery, qrToken, requestRefusal, type Resolved } from "../discovery";
import { errorText } from "../errors";
import { t } from "../i18n";
import { Avatar, PaneHeader } from "./common";
import { openDirect } from "./Friends";
import { go } from "./hooks";

/** The text inside a QR code in a picture, or null. */
async function readQr(file: File): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  ctx.fillStyle = "#fff"; // transparent PNGs read as black otherwise
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(image.data, image.width, image.height)?.data ?? null;
}

/** Add a friend or join a group by a QR code: upload its picture or paste its link. */
export function ScanQr() {
  const [link, setLink] = useState("");
  const [error, setError] = useState<string | null>(null);
  const open = (text: string) => {
    const token = qrToken(text);
    if (!token) return setError(t("ct.scan_bad_link"));
    go(`/qr/${token}`);
  };
  const upload = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    setError(null);
    try {
      const text = await readQr(file);
      if (text && qrToken(text)) open(text);
      else setError(t("ct.scan_no_code"));
    } catch {
      setError(t("ct.scan_no_code"));
    }
  };
  return (
    <div class="page">
      <PaneHeader title={t("ct.scan")} back="/friends" />
      <div class="page-body">
        <div class="card stack">
          <p class="muted">{t("ct.scan_hint")}</p>
          <label class="btn primary wide file-btn">
            {t("ct.scan_upload")}
            <input type="file" accept="image/*" onChange={(e) => void upload(e)} data-testid="qr-upload" />
          </label>
          <form
            class="input-row"
            onSubmit={(e) => {
              e.preventDefault();
              open(link);
            }}
          >
            <input type="text" inputMode="url" autoComplete="off" placeholder="lianxin://qr/…" aria-label={t("ct.scan_link")} value={link} onInput={(e) => setLink((e.target as HTMLInputElement).value)} data-testid="qr-link" />
            <button class="btn" type="submit" disabled={!link.trim()} data-testid="qr-open">
              {t("ct.scan_open")}
            </button>
          </form>
          {error ? <p class="form-error" role="alert">{error}</p> : null}
        </div>
      </div>
    </div>
  );
}

/** What a scanned code points to: a person to add, or a group to join (or ask to join). */
export function QrTarget({ client, token }: { client: Client; token: string }) {
  const api = new Discovery(client.api);
  const [target, setTarget] = useState<Resolved | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api
      .resolve(token)
      .then(setTarget)
      .catch((e) => setError(e instanceof ApiError && ["not_found", "expired", "gone"].includes(e.code) ? t("ct.scan_dead") : errorText(e)));
  }, [token]);
  const join = async () => {
    setBusy(true);
    try {
      const res = await api.join(token);
      if (res.state === "joined") {
        await client.refreshChat(res.chat_id);
        go(`/chat/${res.chat_id}`);
      } else setNote(t("ct.join_pending"));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const add = async (userId: number, name: string) => {
    setBusy(true);
    try {
      const req = await client.api.sendRequest(userId, t("friends.greeting_default", { name: client.store.state.me?.name ?? "" }));
      if (req.chat_id) void client.refreshChat(req.chat_id);
      setNote(t("friends.request_sent", { name }));
    } catch (e) {
      setError(requestRefusal(e));
    } finally {
      setBusy(false);
    }
  };
  const title = target?.kind === "group" ? t("ct.join_title") : t("ct.profile");
  return (
    <div class="page">
      <PaneHeader title={title} back="/friends" />
      <div class="page-body">
        {error ? <p class="form-error" role="alert" data-testid="qr-error">{error}</p> : null}
        {target?.kind === "group" ? (
          <div class="card profile-card" data-testid="join-card">
            <div class="profile-head">
              <Avatar id={target.chat.id} name={target.chat.title} size={64} group />
              <div>
                <h2>{target.chat.title}</h2>
                <div class="muted">{t("ct.join_members", { n: target.chat.member_count })}</div>
              </div>
            </div>
            {target.member ? (
              <>
                <p class="muted">{t("ct.join_already")}</p>
                <button class="btn primary wide" onClick={() => go(`/chat/${target.chat.id}`)}>
                  {t("ct.open_chat")}
                </button>
              </>
            ) : note ? (
              <p class="form-ok" role="status" data-testid="join-note">{note}</p>
            ) : (
              <button class="btn primary wide" disabled={busy} onClick={() => void join()} data-testid="join-group">
                {target.approval ? t("ct.join_request") : t("ct.join")}
              </button>
            )}
          </div>
        ) : null}
        {target?.kind === "user" ? (
          <div class="card profile-card" data-testid="qr-user">
            <div class="profile-head">
              <Avatar id={target.user.id} name={target.user.name} size={64} />
              <div>
                <h2>{target.user.name}</h2>
                {target.user.handle ? <div class="muted">{t("me.handle")}: {target.user.handle}</div> : null}
              </div>
            </div>
            {target.user.id === client.store.myId ? (
              <p class="muted">{t("friends.self")}</p>
            ) : target.friend ? (
              <button class="btn primary wide" onClick={() => void openDirect(client, target.user.id)}>
                {t("friends.message")}
              </button>
            ) : note ? (
              <p class="form-ok" role="status">{note}</p>
            ) : (
              <button class="btn primary wide" disabled={busy} onClick={() => void add(target.user.id, target.user.name)} data-testid="qr-add">
                {t("friends.send_request")}
              </button>
            )}
          </div>
        ) : null}
      </div>
    </div>
  );
}
