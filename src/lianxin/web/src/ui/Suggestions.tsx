import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { Discovery, requestRefusal, suggestionReason, type Suggestion } from "../discovery";
import { errorText } from "../errors";
import { t } from "../i18n";
import { Avatar, PaneHeader } from "./common";

/** People you may know (mutual friends, shared groups), with why; add or dismiss. */
export function Suggestions({ client }: { client: Client }) {
  const api = new Discovery(client.api);
  const [list, setList] = useState<Suggestion[] | null>(null);
  const [sent, setSent] = useState<Set<number>>(new Set());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.suggestions().then(setList).catch((e) => setError(errorText(e)));
  }, []);
  const add = async (s: Suggestion) => {
    try {
      const req = await client.api.sendRequest(s.user.id, t("friends.greeting_default", { name: client.store.state.me?.name ?? "" }));
      if (req.chat_id) void client.refreshChat(req.chat_id);
      else client.store.upsertRequest({ ...req, user: s.user });
      client.store.emit();
      setSent(new Set([...sent, s.user.id]));
    } catch (e) {
      client.toast(requestRefusal(e));
    }
  };
  const dismiss = async (s: Suggestion) => {
    try {
      await api.dismiss(s.user.id);
      setList((list ?? []).filter((x) => x.user.id !== s.user.id));
    } catch (e) {
      client.toast(errorText(e));
    }
  };
  return (
    <div class="page">
      <PaneHeader title={t("ct.suggestions")} back="/friends" />
      <div class="page-body">
        {error ? <p class="form-error" role="alert">{error}</p> : null}
        {list === null && !error ? <span class="spinner" aria-hidden="true" /> : null}
        {list && !list.length ? <p class="empty">{t("ct.sugg_none")}</p> : null}
        <ul class="request-list">
          {(list ?? []).map((s) => (
            <li class="request-row" key={s.user.id} data-testid="suggestion">
              <Avatar id={s.user.id} name={s.user.name} size={40} />
              <div class="request-main">
                <strong>{s.user.name}</strong>
                <span class="muted" data-testid="suggestion-reason">{suggestionReason(s)}</span>
                <div class="request-actions">
                  {sent.has(s.user.id) ? (
                    <span class="muted small">{t("ct.sent")}</span>
                  ) : (
                    <button class="btn primary small" onClick={() => void add(s)} data-testid="suggestion-add">
                      {t("friends.add")}
                    </button>
                  )}
                  <button class="btn small" onClick={() => void dismiss(s)} data-testid="suggestion-dismiss">
                    {t("ct.dismiss")}
                  </button>
                </div>
              </div>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
