import { useEffect, useState } from "preact/hooks";
import { deviceName, type Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import { QrLogin, type QrState } from "../qrlogin";

/** "Scan with the Lianxin app on your phone": a code that signs this browser in once confirmed. */
export function QrSignIn({ client }: { client: Client }) {
  const [state, setState] = useState<QrState>({ step: "starting" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const login = new QrLogin(client.api, deviceName(), setState, (token, user, device) => void client.signIn(token, user, device));
    void login.run();
    return () => login.stop();
  }, [round]);
  return (
    <div class="qr-signin" data-testid="qr-signin">
      <div class="qr-frame">
        {state.step === "showing" ? (
          <img src={state.image} alt={t("qr.signin_alt")} width="200" height="200" data-testid="qr-login-image" class={state.scanned ? "scanned" : ""} />
        ) : (
          <span class="spinner" aria-hidden="true" />
        )}
      </div>
      <p role="status" aria-live="polite" data-testid="qr-status">
        {state.step === "showing"
          ? state.scanned
            ? t("qr.scanned")
            : t("qr.scan_hint")
          : state.step === "expired"
            ? t("qr.expired")
            : state.step === "error"
              ? errorText(state.error)
              : t("qr.loading")}
      </p>
      {state.step === "expired" || state.step === "error" ? (
        <button type="button" class="btn" onClick={() => setRound(round + 1)} data-testid="qr-refresh">
          {t("qr.refresh")}
        </button>
      ) : null}
    </div>
  );
}
