import type { Client } from "../client";
import { t } from "../i18n";
import { splitMentions } from "../mentions";
import type { ChatEvent } from "../types";

/** A message's text with the "@Name"s it mentions highlighted (mine more strongly). */
export function MessageText({ client, ev }: { client: Client; ev: ChatEvent }) {
  const text = ev.text ?? "";
  const store = client.store;
  const ids = ev.mentions ?? [];
  if (!ids.length && !ev.mention_all) return <span class="text">{text}</span>;
  const myName = store.state.me?.name;
  const names = ids.map((id) => store.userName(id));
  const mine = new Set(ids.includes(store.myId) && myName ? [`@${myName}`] : []);
  if (ev.mention_all) {
    // "@all" is typed in the sender's language: match either.
    names.push("all", "所有人", t("mention.all"));
    for (const n of ["all", "所有人", t("mention.all")]) mine.add(`@${n}`);
  }
  if (myName) names.push(myName);
  return (
    <span class="text">
      {splitMentions(text, names).map((s, i) =>
        s.mention ? (
          <span key={i} class={`mention${mine.has(s.text) ? " me" : ""}`} data-testid="mention">
            {s.text}
          </span>
        ) : (
          s.text
        ),
      )}
    </span>
  );
}
