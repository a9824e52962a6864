// Server error codes → human text. Never show a raw error object.
import { hasKey, t } from "./i18n";

export function errorCode(err: unknown): string {
  if (err && typeof err === "object" && "code" in err && typeof (err as { code: unknown }).code === "string") {
    return (err as { code: string }).code;
  }
  return "unknown";
}

/** Which privacy setting or block refused it (`reason` of an ApiError or an error frame), or null. */
export function errorReason(err: unknown): string | null {
  if (!err || typeof err !== "object") return null;
  const own = (err as { reason?: unknown }).reason;
  if (typeof own === "string") return own;
  const frame = (err as { frame?: { reason?: unknown } }).frame;
  return frame && typeof frame.reason === "string" ? frame.reason : null;
}

export function errorText(err: unknown): string {
  const reasonKey = `reason.${errorReason(err)}`;
  if (hasKey(reasonKey)) return t(reasonKey);
  const code = errorCode(err);
  const key = `err.${code}`;
  return hasKey(key) ? t(key) : t("err.unknown");
}
