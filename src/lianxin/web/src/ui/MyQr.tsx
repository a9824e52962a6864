import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import { Confirm } from "./Dialog";

/** My personal QR code: others scan it to find me; resetting it retires the old one. */
export function MyQr({ client }: { client: Client }) {
  const [src, setSrc] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    client.api
      .imageUrl(`/api/v1/me/qr/image?format=svg&v=${version}`)
      .then((u) => {
        url = u;
        setSrc(u);
        setError(null);
      })
      .catch((e) => setError(errorText(e)));
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [version]);
  const rotate = () =>
    client.api
      .rotateMyQr()
      .then(() => {
        setVersion(version + 1);
        client.toast(t("qr.reset_done"));
      })
      .catch((e) => client.toast(errorText(e)));
  return (
    <div class="card my-qr">
      <h2 class="section-title">{t("qr.mine")}</h2>
      <div class="qr-frame">{src ? <img src={src} alt={t("qr.mine_alt")} width="180" height="180" data-testid="my-qr" /> : error ? <p class="form-error">{error}</p> : <span class="spinner" aria-hidden="true" />}</div>
      <p class="muted small">{t("qr.mine_hint")}</p>
      <button type="button" class="btn" onClick={() => setConfirm(true)} data-testid="qr-reset">
        {t("qr.reset")}
      </button>
      {confirm ? <Confirm title={t("qr.reset")} text={t("qr.reset_confirm")} action={t("qr.reset")} onClose={() => setConfirm(false)} onConfirm={() => void rotate()} /> : null}
    </div>
  );
}
