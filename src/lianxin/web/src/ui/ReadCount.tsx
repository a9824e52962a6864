import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { t } from "../i18n";
import type { ReadStats } from "../types";

const REFRESH_MS = 10_000;

/** Read stats of one message, refreshed while shown (groups push no read marks to senders). */
export function useReads(client: Client, chat: number, seq: number, live = true): ReadStats | null {
  const [stats, setStats] = useState<ReadStats | null>(null);
  useEffect(() => {
    let gone = false;
    const load = () =>
      client.api
        .reads(chat, seq)
        .then((s) => !gone && setStats(s))
        .catch(() => {});
    void load();
    const id = live ? setInterval(() => document.visibilityState === "visible" && void load(), REFRESH_MS) : undefined;
    return () => {
      gone = true;
      if (id) clearInterval(id);
    };
  }, [chat, seq, live]);
  return stats;
}

export function readText(s: ReadStats): string {
  if (s.members > 0 && s.read >= s.members) return t("reads.all");
  return t("reads.by", { n: s.read });
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
