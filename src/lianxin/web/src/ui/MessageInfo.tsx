import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { clock, dayLabel, snippet } from "../format";
import { t } from "../i18n";
import type { ChatEvent, ChatSummary } from "../types";
import { Dialog } from "./Dialog";
import { useReads } from "./ReadCount";

function when(ms: number): string {
  return `${dayLabel(ms)} ${clock(ms)}`;
}

/** When a message was sent, and who has read it (count in groups, ticks in direct chats). */
export function MessageInfo({ client, chat, ev, onClose }: { client: Client; chat: ChatSummary; ev: ChatEvent; onClose: () => void }) {
  const stats = useReads(client, chat.id, ev.seq);
  const [versions, setVersions] = useState<{ text: string; ts: number }[]>([]);
  useEffect(() => {
    if (ev.edited)
      client.api
        .edits(chat.id, ev.seq)
        .then((r) => setVersions(r.versions))
        .catch(() => {});
  }, [ev.seq, ev.edited]);
  const store = client.store;
  const tick = chat.kind === "direct" ? store.tick(chat, ev.seq) : null;
  return (
    <Dialog title={t("info.title")} onClose={onClose} testId="message-info">
      <blockquote class="info-quote">{snippet(ev)}</blockquote>
      <dl class="info-list">
        <dt>{t("info.sent")}</dt>
        <dd>{when(ev.ts)}</dd>
        {tick ? (
          <>
            <dt>{t("info.status")}</dt>
            <dd data-testid="info-status">{tick === "read" ? t("msg.read") : tick === "delivered" ? t("msg.delivered") : t("msg.sent")}</dd>
          </>
        ) : null}
        {chat.kind === "group" ? (
          <>
            <dt>{t("info.read")}</dt>
            <dd data-testid="info-reads">{stats ? t("info.read_of", { n: stats.read, total: stats.members }) : "…"}</dd>
          </>
        ) : null}
      </dl>
      {versions.length > 1 ? (
        <section>
          <h3 class="section-title">{t("info.edits")}</h3>
          <ol class="edit-history" data-testid="edit-history">
            {versions.map((v, i) => (
              <li key={i}>
                <span class="muted small">{when(v.ts)}</span>
                <span>{v.text}</span>
              </li>
            ))}
          </ol>
        </section>
      ) : null}
    </Dialog>
  );
}
