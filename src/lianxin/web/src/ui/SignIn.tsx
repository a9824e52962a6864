import { useEffect, useRef, useState } from "preact/hooks";
import { deviceName, type Client } from "../client";
import { errorText } from "../errors";
import { LANGS, getLang, setLang, t, type Lang } from "../i18n";
import type { Me } from "../types";
import { useClient } from "./hooks";
import { QrSignIn } from "./QrSignIn";

type Step = "phone" | "code" | "name";

export function SignIn({ client }: { client: Client }) {
  useClient(client);
  const [step, setStep] = useState<Step>("phone");
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(client.authError);
  const [wait, setWait] = useState(0);
  const [qr, setQr] = useState(false);
  const [pending, setPending] = useState<{ token: string; user: Me; device: number } | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), [step]);
  useEffect(() => {
    if (wait <= 0) return;
    const id = setTimeout(() => setWait(wait - 1), 1000);
    return () => clearTimeout(id);
  }, [wait]);

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const sendCode = () =>
    run(async () => {
      const res = await client.api.requestCode(phone.trim());
      setWait(res.resend_after_s);
      setCode("");
      setStep("code");
    });

  const verify = () =>
    run(async () => {
      const res = await client.api.verify(phone.trim(), code.trim(), deviceName());
      if (res.new_user) {
        client.api.token = res.token;
        setPending({ token: res.token, user: res.user, device: res.device_id });
        setStep("name");
      } else await client.signIn(res.token, res.user, res.device_id);
    });

  const saveName = () =>
    run(async () => {
      if (!pending) return;
      const user = name.trim() ? await client.api.updateMe({ name: name.trim() }) : pending.user;
      await client.signIn(pending.token, user, pending.device);
    });

  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (step === "phone") void sendCode();
    else if (step === "code") void verify();
    else void saveName();
  };

  return (
    <div class="signin">
      <form class="signin-card" onSubmit={submit} data-testid="signin">
        <img class="signin-logo" src="/icon.svg" alt="" width="72" height="72" />
        <h1>{step === "name" ? t("signin.welcome") : t("signin.title")}</h1>
        <p class="muted">{step === "name" ? t("signin.name_prompt") : t("app.tagline")}</p>
        {step === "phone" && qr ? <QrSignIn client={client} /> : null}
        {step === "phone" && !qr ? (
          <label class="field">
            <span>{t("signin.phone")}</span>
            <input
              ref={input}
              type="tel"
              inputMode="tel"
              autoComplete="tel"
              name="phone"
              placeholder="+86 138 0013 8000"
              value={phone}
              onInput={(e) => setPhone((e.target as HTMLInputElement).value)}
              required
            />
            <small class="muted">{t("signin.phone_hint")}</small>
          </label>
        ) : null}
        {step === "code" ? (
          <>
            <p class="muted">{t("signin.code_sent", { phone })}</p>
            <label class="field">
              <span>{t("signin.code")}</span>
              <input
                ref={input}
                type="text"
                inputMode="numeric"
                autoComplete="one-time-code"
                name="code"
                maxLength={12}
                value={code}
                onInput={(e) => setCode((e.target as HTMLInputElement).value)}
                required
              />
            </label>
          </>
        ) : null}
        {step === "name" ? (
          <label class="field">
            <span>{t("signin.name")}</span>
            <input
              ref={input}
              type="text"
              name="name"
              autoComplete="name"
              maxLength={64}
              value={name}
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
              required
            />
          </label>
        ) : null}
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        {step === "phone" && qr ? null : (
          <button class="btn primary wide" type="submit" disabled={busy}>
            {step === "phone" ? t("signin.send_code") : step === "code" ? t("signin.verify") : t("signin.continue")}
          </button>
        )}
        {step === "phone" ? (
          <button type="button" class="btn link" onClick={() => setQr(!qr)} data-testid="qr-toggle">
            {qr ? t("qr.use_phone") : t("qr.use_qr")}
          </button>
        ) : null}
        {step === "code" ? (
          <div class="row-between">
            <button type="button" class="btn link" onClick={() => setStep("phone")}>
              {t("signin.change_phone")}
            </button>
            <button type="button" class="btn link" disabled={wait > 0 || busy} onClick={() => void sendCode()}>
              {wait > 0 ? t("signin.resend_in", { s: wait }) : t("signin.resend")}
            </button>
          </div>
        ) : null}
        <div class="lang-switch">
          {LANGS.map((l) => (
            <button
              type="button"
              class={`btn link${getLang() === l.code ? " active" : ""}`}
              onClick={() => setLang(l.code as Lang)}
              key={l.code}
            >
              {l.label}
            </button>
          ))}
        </div>
      </form>
    </div>
  );
}
