import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { t } from "../i18n";
import type { ReadStats } from "../types";

const REFRESH_MS = 10_000;

// One answer per message, shared: the info dialog's fresh count also updates the inline one.
const cache = new Map<string, ReadStats>();
const listeners = new Set<() => void>();

async function load(client: Client, chat: number, seq: number): Promise<void> {
  try {
    cache.set(`${chat}:${seq}`, await client.api.reads(chat, seq));
    listeners.forEach((fn) => fn());
  } catch {
    // the count is a hint; the next refresh tries again
  }
}

/** Read stats of one message, refreshed while shown (groups push no read marks to senders). */
export function useReads(client: Client, chat: number, seq: number, live = true): ReadStats | null {
  const key = `${chat}:${seq}`;
  const [stats, setStats] = useState<ReadStats | null>(cache.get(key) ?? null);
  useEffect(() => {
    const on = () => setStats(cache.get(key) ?? null);
    listeners.add(on);
    on();
    void load(client, chat, seq);
    const id = live ? setInterval(() => document.visibilityState === "visible" && void load(client, chat, seq), REFRESH_MS) : undefined;
    return () => {
      listeners.delete(on);
      if (id) clearInterval(id);
    };
  }, [key, live]);
  return stats;
}

export function readText(s: ReadStats): string {
  if (s.members > 0 && s.read >= s.members) return t("reads.all");
  return s.read ? t("reads.by", { n: s.read }) : t("reads.none");
}

/** "Read by N" under my newest message in a group. */
export function ReadCount({ client, chat, seq }: { client: Client; chat: number; seq: number }) {
  const stats = useReads(client, chat, seq);
  if (!stats) return null;
  return (
    <span class="read-count" data-testid="read-count">
      {readText(stats)}
    </span>
  );
}
