import { useEffect, useReducer, useState } from "preact/hooks";
import type { Client } from "../client";
import { onLangChange } from "../i18n";

/** Re-render on any client change (batched to one render per frame). */
export function useClient(client: Client): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const rendered = client.version; // the effect below sees the first render's value
  useEffect(() => {
    let queued = false;
    const schedule = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        bump(0);
      });
    };
    const a = client.subscribe(schedule, rendered);
    const b = onLangChange(schedule);
    return () => {
      a();
      b();
    };
  }, [client]);
}

export interface Route {
  name: "chats" | "archived" | "import" | "chat" | "info" | "friends" | "add" | "user" | "group" | "me" | "official" | "account" | "inbox" | "bot" | "suggestions" | "nearby" | "scan" | "qr" | "privacy";
  id?: number;
  /** A scanned code (`#/qr/<token>`): a profile or a group invite. */
  token?: string;
  /** A bot's Lianxin ID (or id) and its start parameter: `#/bot/<ref>[/<param>]`. */
  ref?: string;
  param?: string;
  /** An official account's conversation in its owner's inbox: `#/official/<id>/messages/<chat>`. */
  chat?: number;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const id = Number(parts[1]);
  switch (parts[0]) {
    case "chat":
      if (!Number.isFinite(id)) return { name: "chats" };
      return parts[2] === "info" ? { name: "info", id } : { name: "chat", id };
    case "friends":
      if (parts[1] === "suggestions" || parts[1] === "nearby" || parts[1] === "scan") return { name: parts[1] };
      return parts[1] === "add" ? { name: "add" } : parts[1] === "import" ? { name: "import" } : { name: "friends" };
    case "qr":
      return /^[A-Za-z0-9_-]{8,32}$/.test(parts[1] ?? "") ? { name: "qr", token: parts[1] } : { name: "friends" };
    case "privacy":
      return { name: "privacy" };
    case "user":
      return Number.isFinite(id) ? { name: "user", id } : { name: "friends" };
    case "group":
      return { name: "group" };
    case "me":
      return { name: "me" };
    case "archived":
      return { name: "archived" };
    case "official":
      if (!Number.isFinite(id)) return { name: "official" };
      if (parts[2] !== "messages") return { name: "account", id };
      return Number.isFinite(Number(parts[3])) && parts[3] ? { name: "inbox", id, chat: Number(parts[3]) } : { name: "inbox", id };
    case "bot":
      return parts[1] ? { name: "bot", ref: decodeURIComponent(parts[1]), param: parts[2] && decodeURIComponent(parts[2]) } : { name: "friends" };
  }
  return { name: "chats" };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return parseRoute(hash);
}

export function go(path: string): void {
  if (location.hash !== `#${path}`) location.hash = path;
}

/** The two-pane layout's breakpoint (styles.css: under 760px one pane shows at a time). */
export const WIDE_QUERY = "(min-width: 760px)";

/** True while the window is wide enough for the sidebar and the main pane side by side. */
export function useWide(): boolean {
  const query = typeof matchMedia === "undefined" ? null : matchMedia(WIDE_QUERY);
  const [wide, setWide] = useState(query?.matches ?? true);
  useEffect(() => {
    if (!query) return;
    const on = () => setWide(query.matches);
    on();
    query.addEventListener("change", on);
    return () => query.removeEventListener("change", on);
  }, []);
  return wide;
}

/** Re-render every `ms` while `active` (relative times, typing expiry). */
export function useTicker(ms: number, active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms, active]);
  return now;
}
