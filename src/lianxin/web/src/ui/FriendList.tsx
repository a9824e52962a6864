import { useState } from "preact/hooks";
import "../contacts.css";
import type { Client } from "../client";
import { allTags, filterFriends, shownName, type Friend } from "../discovery";
import { presenceText } from "../format";
import { t } from "../i18n";
import { Avatar } from "./common";
import type { Route } from "./hooks";

/** My friends: search (remark, name, ID), filter by tag, starred friends first. */
export function FriendList({ client, route }: { client: Client; route: Route }) {
  const store = client.store;
  const [query, setQuery] = useState("");
  const [tag, setTag] = useState<string | null>(null);
  const friends = Object.values(store.state.friends) as Friend[];
  const tags = allTags(friends);
  const { starred, others } = filterFriends(friends, query, tag && tags.includes(tag) ? tag : null);
  const row = (f: Friend) => (
    <li key={f.id}>
      <a href={`#/user/${f.id}`} class={`friend-row${route.name === "user" && route.id === f.id ? " active" : ""}`} data-testid="friend">
        <Avatar id={f.id} name={shownName(f)} size={40} />
        <span class="friend-main">
          <strong>{shownName(f)}</strong>
          <span class="muted small">{(f.tags ?? []).length ? (f.tags ?? []).join(" · ") : presenceText(store.state.presence[f.id])}</span>
        </span>
      </a>
    </li>
  );
  if (!friends.length) return <p class="empty">{t("friends.none")}</p>;
  return (
    <>
      <div class="friend-search">
        <input type="search" value={query} placeholder={t("ct.search")} aria-label={t("ct.search")} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} data-testid="friend-search" />
      </div>
      {tags.length ? (
        <div class="tag-chips" role="group" aria-label={t("ct.tags")}>
          {[null, ...tags].map((x) => (
            <button key={x ?? ""} type="button" class={`chip${tag === x ? " active" : ""}`} aria-pressed={tag === x} onClick={() => setTag(x)} data-testid="tag-chip">
              {x ?? t("ct.all_tags")}
            </button>
          ))}
        </div>
      ) : null}
      {starred.length ? (
        <>
          <h2 class="section-title">{t("ct.starred")}</h2>
          <ul class="friend-list" data-testid="starred-list">{starred.map(row)}</ul>
        </>
      ) : null}
      <h2 class="section-title">{t("friends.title")}</h2>
      {others.length ? <ul class="friend-list">{others.map(row)}</ul> : starred.length ? null : <p class="empty">{t("ct.no_match")}</p>}
    </>
  );
}
