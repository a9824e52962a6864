// How long after sending a message its sender may recall or edit it: the server says so in
// its welcome frame (`limits`); the last answer is kept for offline starts.
import type { ServerFrame } from "./types";

export interface Windows {
  recallMs: number;
  editMs: number;
}

/** The server's defaults, used until a welcome frame has been seen. */
export const DEFAULT_WINDOWS: Windows = { recallMs: 120_000, editMs: 48 * 3600_000 };

export function windowsFrom(welcome: ServerFrame | null | undefined, fallback: Windows = DEFAULT_WINDOWS): Windows {
  const limits = welcome?.limits as { recall_window_s?: unknown; edit_window_s?: unknown } | undefined;
  const secs = (v: unknown, dflt: number) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v * 1000 : dflt);
  return { recallMs: secs(limits?.recall_window_s, fallback.recallMs), editMs: secs(limits?.edit_window_s, fallback.editMs) };
}

/** Whether a message sent at `ts` is still inside a window of `ms` (with the server's clock). */
export function within(ts: number, ms: number, now = Date.now()): boolean {
  return now - ts < ms;
}
