// Server error codes → human text. Never show a raw error object.
import { hasKey, t } from "./i18n";

export function errorCode(err: unknown): string {
  if (err && typeof err === "object" && "code" in err && typeof (err as { code: unknown }).code === "string") {
    return (err as { code: string }).code;
  }
  return "unknown";
}

export function errorText(err: unknown): string {
  const code = errorCode(err);
  const key = `err.${code}`;
  return hasKey(key) ? t(key) : t("err.unknown");
}
