import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { t } from "../i18n";
import type { ReadStats } from "../types";

/** Read stats of one message while shown; the server pushes `reads` when they change. */
export function useReads(client: Client, chat: number, seq: number): ReadStats | null {
  const counts = client.readCounts;
  const [stats, setStats] = useState<ReadStats | null>(counts.get(chat, seq));
  useEffect(() => {
    setStats(counts.get(chat, seq));
    return counts.watch(chat, seq, () => setStats(counts.get(chat, seq)));
  }, [chat, seq]);
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
