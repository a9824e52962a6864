// Official accounts: the directory (search), an account's profile (follow, template
// permission, its menu) and, for the owner, the broadcast composer with live progress.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import { broadcastProgress, menuOf, type Broadcast, type OfficialAccount } from "../platform";
import { platformOf } from "../platformState";
import { Avatar, Icon, PaneHeader, Toggle } from "./common";
import { Confirm } from "./Dialog";
import { go } from "./hooks";
import { InboxButton } from "./OfficialInbox";

function followers(n: number): string {
  return n === 1 ? t("oa.followers_one") : t("oa.followers", { n });
}

export function VerifiedBadge() {
  return (
    <span class="verified" title={t("oa.verified")} data-testid="verified">
      <svg class="icon" width={16} height={16} viewBox="0 0 24 24" role="img" aria-label={t("oa.verified")}>
        <path
          fill="currentColor"
          d="m23 12-2.4-2.8.3-3.7-3.6-.8-1.9-3.2L12 3 8.6 1.5 6.7 4.7l-3.6.8.3 3.7L1 12l2.4 2.8-.3 3.7 3.6.8 1.9 3.2L12 21l3.4 1.5 1.9-3.2 3.6-.8-.3-3.7zm-12.9 4.7-3.8-3.8 1.5-1.5 2.3 2.3 5.9-5.9 1.5 1.5z"
        />
      </svg>
    </span>
  );
}

function AccountRow({ a }: { a: OfficialAccount }) {
  return (
    <li>
      <a href={`#/official/${a.id}`} class="friend-row" data-testid="oa-row">
        <Avatar id={a.id} name={a.name} size={44} />
        <span class="friend-main">
          <strong>
            {a.name} {a.verified ? <VerifiedBadge /> : null}
          </strong>
          <span class="muted small oa-desc">{a.description || followers(a.follower_count)}</span>
        </span>
        {a.following ? <span class="chip">{t("oa.following")}</span> : null}
      </a>
    </li>
  );
}

/** Find accounts: verified first, then the most followed; plus the ones I follow and own. */
export function OfficialDirectory({ client }: { client: Client }) {
  const p = platformOf(client);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<OfficialAccount[] | null>(null);
  const [mine, setMine] = useState<OfficialAccount[]>([]);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const search = async (q: string) => {
    const n = ++seq.current;
    try {
      const list = await p.api.directory(q.trim());
      if (n === seq.current) {
        setFound(list);
        setError(null);
      }
    } catch (e) {
      if (n === seq.current) setError(errorText(e));
    }
  };
  useEffect(() => {
    void search("");
    p.api.mine().then(setMine, () => {});
  }, []);
  useEffect(() => {
    const id = setTimeout(() => void search(query), 250);
    return () => clearTimeout(id);
  }, [query]);
  return (
    <div class="page" data-testid="oa-directory">
      <PaneHeader title={t("oa.title")} back="/friends" />
      <div class="page-body">
        <label class="search oa-search">
          <Icon name="search" size={18} />
          <input
            type="search"
            value={query}
            maxLength={64}
            placeholder={t("oa.search")}
            aria-label={t("oa.search")}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            data-testid="oa-search"
          />
        </label>
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        {mine.length && !query ? (
          <>
            <h2 class="section-title">{t("oa.mine")}</h2>
            <ul class="friend-list card">
              {mine.map((a) => (
                <AccountRow key={a.id} a={a} />
              ))}
            </ul>
          </>
        ) : null}
        <h2 class="section-title">{query ? t("oa.results") : t("oa.discover")}</h2>
        {found === null ? null : found.length ? (
          <ul class="friend-list card">
            {found.map((a) => (
              <AccountRow key={a.id} a={a} />
            ))}
          </ul>
        ) : (
          <p class="empty">{t("oa.none")}</p>
        )}
      </div>
    </div>
  );
}

function stateText(b: Broadcast): string {
  if (b.state === "done") return t("oa.state_done");
  if (b.state === "cancelled") return t("oa.state_cancelled");
  if (b.state === "sending") return t("oa.state_sending");
  return t("oa.state_queued");
}

/** The owner's broadcast composer and the recent broadcasts with their progress (live). */
function Broadcasts({ client, account }: { client: Client; account: OfficialAccount }) {
  const p = platformOf(client);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  useEffect(() => p.loadBroadcasts(account.id), [account.id]);
  const list = p.broadcasts.get(account.id) ?? [];
  const send = async () => {
    setBusy(true);
    if (await p.broadcast(account.id, text.trim())) {
      setText("");
      client.toast(t("oa.broadcast_queued"));
    }
    setBusy(false);
  };
  return (
    <section class="card" aria-label={t("oa.broadcast")} data-testid="oa-broadcast">
      <h2 class="section-title">{t("oa.broadcast")}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) setConfirm(true);
        }}
      >
        <label class="field">
          <span>{account.follower_count === 1 ? t("oa.broadcast_hint_one") : t("oa.broadcast_hint", { n: account.follower_count })}</span>
          <textarea rows={3} maxLength={4000} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} data-testid="broadcast-text" />
        </label>
        <button class="btn primary" type="submit" disabled={busy || !text.trim()} data-testid="broadcast-send">
          {t("oa.broadcast_send")}
        </button>
      </form>
      {list.length ? (
        <ul class="broadcast-list">
          {list.slice(0, 10).map((b) => (
            <li key={b.id} data-testid="broadcast" data-state={b.state}>
              <div class="broadcast-text">{b.text}</div>
              <progress max={1} value={broadcastProgress(b)} aria-label={stateText(b)} />
              <div class="muted small">
                {stateText(b)} · {t("oa.progress", { sent: b.sent, total: b.total })}
                {b.skipped ? ` · ${t("oa.skipped", { n: b.skipped })}` : ""}
                {b.state === "queued" || b.state === "sending" ? (
                  <button type="button" class="btn link" onClick={() => void p.cancelBroadcast(account.id, b.id)}>
                    {t("oa.cancel")}
                  </button>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {confirm ? (
        <Confirm
          title={t("oa.broadcast")}
          text={t("oa.broadcast_confirm", { n: account.follower_count })}
          action={t("oa.broadcast_send")}
          onClose={() => setConfirm(false)}
          onConfirm={() => void send()}
        />
      ) : null}
    </section>
  );
}

/** An account's profile: who it is, follow / unfollow, templates, its menu, and for the owner broadcasts. */
export function OfficialProfile({ client, accountId }: { client: Client; accountId: number }) {
  const p = platformOf(client);
  const [busy, setBusy] = useState(false);
  const [unfollowing, setUnfollowing] = useState(false);
  useEffect(() => p.loadAccount(accountId), [accountId]);
  const a = p.accounts.get(accountId);
  if (a === null) {
    return (
      <div class="page">
        <PaneHeader title={t("oa.profile")} back="/official" />
        <p class="empty">{t("oa.not_found")}</p>
      </div>
    );
  }
  if (!a) return <div class="page"><PaneHeader title={t("oa.profile")} back="/official" /></div>;
  const follow = async (on: boolean) => {
    setBusy(true);
    const res = await p.follow(a.id, on);
    setBusy(false);
    if (res && on && res.chat_id) go(`/chat/${res.chat_id}`);
  };
  const menu = menuOf(a.menu);
  return (
    <div class="page" data-testid="oa-profile">
      <PaneHeader title={t("oa.profile")} back="/official" />
      <div class="page-body">
        <div class="card profile-card">
          <div class="profile-head">
            <Avatar id={a.id} name={a.name} size={72} />
            <div>
              <h2 data-testid="oa-name">
                {a.name} {a.verified ? <VerifiedBadge /> : null}
              </h2>
              {a.handle ? (
                <div class="muted">
                  {t("me.handle")}: {a.handle}
                </div>
              ) : null}
              <div class="muted small">{followers(a.follower_count)}</div>
            </div>
          </div>
          {a.description ? <p class="bio" data-testid="oa-description">{a.description}</p> : null}
          {a.owner !== undefined ? (
            <>
              <p class="muted small" data-testid="oa-owner-note">
                {t("oa.owner_note")}
              </p>
              <div class="row-end">
                {a.following ? (
                  <button class="btn" disabled={busy} onClick={() => setUnfollowing(true)} data-testid="oa-unfollow">
                    {t("oa.unfollow")}
                  </button>
                ) : null}
                <InboxButton client={client} account={a.id} />
              </div>
            </>
          ) : a.following ? (
            <div class="row-end">
              <button class="btn" disabled={busy} onClick={() => setUnfollowing(true)} data-testid="oa-unfollow">
                {t("oa.unfollow")}
              </button>
              {a.chat_id ? (
                <a class="btn primary" href={`#/chat/${a.chat_id}`} data-testid="oa-open-chat">
                  {t("oa.open_chat")}
                </a>
              ) : null}
            </div>
          ) : (
            <button class="btn primary wide" disabled={busy} onClick={() => void follow(true)} data-testid="oa-follow">
              {t("oa.follow")}
            </button>
          )}
        </div>
        {a.following ? (
          <div class="card">
            <Toggle label={t("oa.templates")} checked={a.templates_allowed} onChange={(v) => void p.allowTemplates(a.id, v)} />
            <p class="muted small">{t("oa.templates_hint")}</p>
          </div>
        ) : null}
        {menu.length ? (
          <div class="card">
            <h2 class="section-title">{t("oa.menu")}</h2>
            <ul class="oa-menu-preview" data-testid="oa-menu-preview">
              {menu.map((m, i) => (
                <li key={i}>
                  <strong>{m.name}</strong>
                  {m.entries ? <span class="muted small"> · {m.entries.map((s) => s.name).join(" · ")}</span> : null}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {a.owner !== undefined ? <Broadcasts client={client} account={a} /> : null}
      </div>
      {unfollowing ? (
        <Confirm
          title={t("oa.unfollow")}
          text={t("oa.unfollow_confirm", { name: a.name })}
          action={t("oa.unfollow")}
          danger
          onClose={() => setUnfollowing(false)}
          onConfirm={() => void follow(false)}
        />
      ) : null}
    </div>
  );
}
