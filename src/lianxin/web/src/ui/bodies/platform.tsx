// Bubbles of the kinds bots and official accounts send: rich text with inline buttons,
// cards and template notifications (docs/bots.md, docs/official-accounts.md).
import type { ComponentChildren } from "preact";
import type { Client } from "../../client";
import { t } from "../../i18n";
import { buttonsOf, safeUrl, type TemplateContent } from "../../platform";
import { platformOf } from "../../platformState";
import type { ChatEvent, ChatSummary } from "../../types";
import { Dialog } from "../Dialog";
import { MessageText } from "../MessageText";
import type { BodyProps, BodyView } from "./index";

interface Entity {
  type: string;
  offset: number;
  length: number;
  url?: string;
}

const STYLE: Record<string, string> = {
  bold: "strong",
  italic: "em",
  underline: "u",
  strikethrough: "s",
  code: "code",
  pre: "pre",
  spoiler: "span",
};

/** Text with the bot's formatting spans (UTF-16 offsets, which is how JS indexes strings). */
function Formatted({ client, ev }: { client: Client; ev: ChatEvent }) {
  const text = ev.text ?? "";
  const entities = ((ev.data?.entities as Entity[] | undefined) ?? [])
    .filter((e) => (STYLE[e.type] || e.type === "text_link" || e.type === "url") && e.offset >= 0 && e.offset + e.length <= text.length)
    .sort((a, b) => a.offset - b.offset);
  if (!entities.length) return <MessageText client={client} ev={ev} />;
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const e of entities) {
    if (e.offset < at) continue; // overlapping spans: keep the first
    if (e.offset > at) parts.push(text.slice(at, e.offset));
    const piece = text.slice(e.offset, e.offset + e.length);
    const href = e.type === "text_link" ? safeUrl(e.url) : e.type === "url" ? safeUrl(/^https?:\/\//i.test(piece) ? piece : `https://${piece}`) : null;
    if (href) {
      parts.push(
        <a key={at} href={href} target="_blank" rel="noopener noreferrer nofollow">
          {piece}
        </a>,
      );
    } else if (e.type === "text_link" || e.type === "url") parts.push(piece);
    else {
      const Tag = STYLE[e.type] as "strong";
      parts.push(
        <Tag key={at} class={e.type === "spoiler" ? "spoiler" : undefined}>
          {piece}
        </Tag>,
      );
    }
    at = e.offset + e.length;
  }
  parts.push(text.slice(at));
  return <span class="text">{parts}</span>;
}

/** Inline buttons under a bot's message: callbacks go to the bot, links open in a new tab. */
export function InlineButtons({ client, chat, ev }: { client: Client; chat: ChatSummary; ev: ChatEvent }) {
  const rows = buttonsOf(ev);
  if (!rows.length) return null;
  const p = platformOf(client);
  return (
    <div class="inline-kb" data-testid="inline-keyboard" onClick={(e) => e.stopPropagation()}>
      {rows.map((row, i) => (
        <div class="inline-kb-row" key={i}>
          {row.map((b, j) => {
            const url = safeUrl(b.url);
            if (url) {
              return (
                <a key={j} class="inline-btn" href={url} target="_blank" rel="noopener noreferrer nofollow" data-testid="inline-button" title={url}>
                  {b.text}
                  <span class="inline-btn-ext" aria-label={t("bot.opens_link")}>
                    ↗
                  </span>
                </a>
              );
            }
            const busy = p.isPressing(chat.id, ev.seq, b.data!);
            return (
              <button
                key={j}
                type="button"
                class={`inline-btn${busy ? " busy" : ""}`}
                disabled={!chat.active}
                aria-busy={busy}
                data-testid="inline-button"
                onClick={() => void p.press(chat.id, ev.seq, b.data!)}
              >
                {b.text}
              </button>
            );
          })}
        </div>
      ))}
    </div>
  );
}

/** The bot's answer when it asked for an alert (or sent a link): a dialog (rendered once per conversation). */
export function BotAlert({ client }: { client: Client }) {
  const p = platformOf(client);
  const alert = p.alert;
  if (!alert) return null;
  return (
    <Dialog title={t("bot.answer")} onClose={() => p.closeAlert()} testId="bot-alert">
      {alert.text ? <p class="bot-alert-text">{alert.text}</p> : null}
      <div class="row-end">
        {alert.url ? (
          <a class="btn" href={alert.url} target="_blank" rel="noopener noreferrer nofollow" onClick={() => p.closeAlert()}>
            {t("bot.open_link")}
          </a>
        ) : null}
        <button type="button" class="btn primary" onClick={() => p.closeAlert()} data-autofocus>
          {t("common.ok")}
        </button>
      </div>
    </Dialog>
  );
}

function Rich({ client, chat, ev }: BodyProps) {
  return (
    <>
      <Formatted client={client} ev={ev} />
      <InlineButtons client={client} chat={chat} ev={ev} />
    </>
  );
}

function Card({ client, chat, ev }: BodyProps) {
  const title = typeof ev.data?.title === "string" ? ev.data.title : "";
  const image = safeUrl(ev.data?.image);
  return (
    <div class="bot-card" data-testid="bot-card">
      {image ? <img class="bot-card-image" src={image} alt="" loading="lazy" referrerpolicy="no-referrer" /> : null}
      <div class="bot-card-body">
        <strong class="bot-card-title" data-testid="card-title">
          {title}
        </strong>
        {ev.text ? <Formatted client={client} ev={ev} /> : null}
      </div>
      <InlineButtons client={client} chat={chat} ev={ev} />
    </div>
  );
}

function Template({ client, ev }: BodyProps) {
  const c = (ev.data ?? {}) as unknown as TemplateContent;
  const url = safeUrl(c.button?.url);
  return (
    <div class="template-msg" data-testid="template">
      <strong class="template-title">{c.title}</strong>
      {Array.isArray(c.fields) && c.fields.length ? (
        <dl class="template-fields">
          {c.fields.map((f, i) => (
            <div key={i}>
              <dt>{f.label}</dt>
              <dd>{f.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {ev.text ? <MessageText client={client} ev={ev} /> : null}
      {url && c.button ? (
        <a class="template-btn" href={url} target="_blank" rel="noopener noreferrer nofollow" data-testid="template-button">
          {c.button.text}
        </a>
      ) : null}
    </div>
  );
}

export const PLATFORM_BODIES: Record<string, BodyView> = {
  rich: Rich,
  card: Card,
  template: Template,
};
