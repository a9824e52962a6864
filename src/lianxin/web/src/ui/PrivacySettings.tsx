import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { Discovery } from "../discovery";
import { errorText } from "../errors";
import { t, type MessageKey } from "../i18n";
import type { Privacy, User } from "../types";
import { Avatar, PaneHeader, Toggle } from "./common";

function Choice<V extends string>({ label, value, options, onChange, testId }: { label: string; value: V; options: [V, MessageKey][]; onChange: (v: V) => void; testId: string }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value as V)} data-testid={testId}>
        {options.map(([v, key]) => (
          <option key={v} value={v}>
            {t(key)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Every privacy and contact setting (one server resource, /me/privacy) and my block list. */
export function PrivacySettings({ client }: { client: Client }) {
  const api = new Discovery(client.api);
  const [p, setP] = useState<Privacy | null>(null);
  const [blocked, setBlocked] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.privacy().then(setP).catch((e) => setError(errorText(e)));
    api.blocks().then(setBlocked).catch(() => {});
  }, []);
  const change = async (fields: Partial<Privacy>) => {
    if (!p) return;
    const before = p;
    setP({ ...p, ...fields }); // show it at once; put it back if the server refuses
    try {
      setP(await api.updatePrivacy(fields));
      setError(null);
    } catch (e) {
      setP(before);
      setError(errorText(e));
    }
  };
  const unblock = async (u: User) => {
    try {
      await api.block(u.id, false);
      client.store.blockChanged(u.id, false);
      setBlocked(blocked.filter((x) => x.id !== u.id));
      client.toast(t("ct.unblocked", { name: u.name }));
    } catch (e) {
      client.toast(errorText(e));
    }
  };
  return (
    <div class="page">
      <PaneHeader title={t("ct.privacy")} back="/me" />
      <div class="page-body" data-testid="privacy-settings">
        {error ? <p class="form-error" role="alert">{error}</p> : null}
        {p ? (
          <>
            <div class="card stack">
              <h2 class="section-title">{t("ct.privacy_find")}</h2>
              <Toggle label={t("ct.find_by_phone")} checked={p.find_by_phone} onChange={(v) => void change({ find_by_phone: v })} />
              <Toggle label={t("ct.find_by_handle")} checked={p.find_by_handle} onChange={(v) => void change({ find_by_handle: v })} />
              <Toggle label={t("ct.find_nearby")} checked={p.find_nearby} onChange={(v) => void change({ find_nearby: v })} />
            </div>
            <div class="card stack">
              <Choice
                label={t("ct.add_me")}
                value={p.add_me}
                options={[["everyone", "ct.add_everyone"], ["friends_of_friends", "ct.add_fof"], ["nobody", "ct.add_nobody"]]}
                onChange={(v) => void change({ add_me: v })}
                testId="privacy-add-me"
              />
              <Toggle label={t("ct.stranger_messages")} checked={p.stranger_messages} onChange={(v) => void change({ stranger_messages: v })} />
              <Toggle label={t("ct.auto_friend")} checked={p.auto_friend} onChange={(v) => void change({ auto_friend: v })} />
              <small class="muted">{t("ct.auto_friend_hint")}</small>
            </div>
            <div class="card stack">
              <Choice
                label={t("ct.last_seen")}
                value={p.last_seen}
                options={[["everyone", "ct.seen_everyone"], ["friends", "ct.seen_friends"], ["nobody", "ct.seen_nobody"]]}
                onChange={(v) => void change({ last_seen: v })}
                testId="privacy-last-seen"
              />
              <Toggle label={t("ct.read_receipts")} checked={p.read_receipts} onChange={(v) => void change({ read_receipts: v })} />
              <small class="muted">{t("ct.read_receipts_hint")}</small>
            </div>
          </>
        ) : error ? null : (
          <span class="spinner" aria-hidden="true" />
        )}
        <div class="card stack">
          <h2 class="section-title">{t("ct.blocked_list")}</h2>
          {blocked.length ? (
            <ul class="request-list">
              {blocked.map((u) => (
                <li class="request-row" key={u.id}>
                  <Avatar id={u.id} name={u.name} size={36} />
                  <div class="request-main">
                    <strong>{u.name}</strong>
                  </div>
                  <button class="btn small" onClick={() => void unblock(u)}>
                    {t("ct.unblock")}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted small">{t("ct.blocked_none")}</p>
          )}
        </div>
      </div>
    </div>
  );
}
