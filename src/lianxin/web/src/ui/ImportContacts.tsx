import { useState } from "preact/hooks";
import type { AddressBookResult } from "../api";
import type { Client } from "../client";
import { parseAddressBook } from "../contacts";
import { errorText } from "../errors";
import { t } from "../i18n";
import { Avatar, PaneHeader } from "./common";

type Result = AddressBookResult;
type Match = Result["matches"][number];

/** Find friends from an address-book file (vCard or CSV): numbers go to the server, matches come back. */
export function ImportContacts({ client }: { client: Client }) {
  const [result, setResult] = useState<Result | null>(null);
  const [count, setCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [asked, setAsked] = useState<Set<number>>(new Set());
  const me = client.store.state.me;

  const upload = async (file: File) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const entries = parseAddressBook(await file.text());
      setCount(entries.length);
      if (!entries.length) {
        setError(t("import.none_found"));
        return;
      }
      setResult(await client.api.uploadAddressBook(entries));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const add = async (m: Match) => {
    try {
      await client.api.sendRequest(m.user.id, t("friends.greeting_default", { name: me?.name ?? "" }));
      setAsked(new Set([...asked, m.user.id]));
      client.toast(t("friends.request_sent", { name: m.user.name }));
    } catch (e) {
      client.toast(errorText(e));
    }
  };

  return (
    <div class="page">
      <PaneHeader title={t("import.title")} back="/friends" />
      <div class="page-body">
        <div class="card">
          <p class="muted">{t("import.hint")}</p>
          <label class="btn primary file-btn">
            {busy ? t("import.reading") : t("import.choose")}
            <input
              type="file"
              accept=".vcf,.vcard,.csv,.txt,text/vcard,text/csv"
              disabled={busy}
              data-testid="import-file"
              onChange={(e) => {
                const f = (e.target as HTMLInputElement).files?.[0];
                if (f) void upload(f);
                (e.target as HTMLInputElement).value = "";
              }}
            />
          </label>
          {error ? (
            <p class="form-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        {result ? (
          <div class="card" data-testid="import-result">
            <h2 class="section-title">{t("import.found", { n: result.matches.length, total: count })}</h2>
            {result.invalid.length ? <p class="muted small">{t("import.invalid", { n: result.invalid.length })}</p> : null}
            {result.matches.length ? (
              <ul class="member-list">
                {result.matches.map((m) => {
                  const friend = m.friend || result.auto_friended.includes(m.user.id) || !!client.store.state.friends[m.user.id];
                  return (
                    <li key={m.user.id} class="member-row" data-testid="import-match">
                      <Avatar id={m.user.id} name={m.user.name} size={36} />
                      <span class="member-name">
                        {m.user.name}
                        {m.name && m.name !== m.user.name ? <span class="muted small"> · {t("import.in_book", { name: m.name })}</span> : null}
                      </span>
                      {friend ? (
                        <span class="role-tag">{t("import.friend")}</span>
                      ) : asked.has(m.user.id) ? (
                        <span class="muted small">{t("friends.outgoing")}</span>
                      ) : m.user.id === me?.id ? null : (
                        <button type="button" class="btn small" onClick={() => void add(m)} data-testid="import-add">
                          {t("friends.add")}
                        </button>
                      )}
                    </li>
                  );
                })}
              </ul>
            ) : (
              <p class="muted">{t("import.no_matches")}</p>
            )}
          </div>
        ) : null}
      </div>
    </div>
  );
}
