import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import type { ChatEvent } from "../types";
import { Menu, type MenuPos } from "./Menu";

/** The reaction counts under a message; mine are highlighted and a click toggles mine. */
export function ReactionChips({ client, chat, ev }: { client: Client; chat: number; ev: ChatEvent }) {
  const counts = Object.entries(ev.reactions ?? {}).filter(([, n]) => n > 0);
  if (!counts.length) return null;
  const mine = client.store.myReactionsOn(chat, ev.seq);
  return (
    <div class="reactions" data-testid="reactions">
      {counts.map(([emoji, n]) => {
        const on = mine.includes(emoji);
        return (
          <button
            type="button"
            key={emoji}
            class={`reaction${on ? " mine" : ""}`}
            aria-pressed={on}
            aria-label={t(on ? "react.remove" : "react.add", { emoji, n })}
            data-testid="reaction"
            onClick={(e) => {
              e.stopPropagation();
              void client.react(chat, ev.seq, emoji, !on);
            }}
          >
            <span class="emoji">{emoji}</span>
            <span>{n}</span>
          </button>
        );
      })}
    </div>
  );
}

/** The emoji palette the server offers, opened from a message's toolbar. */
export function ReactionPalette({ client, chat, ev, at, onClose }: { client: Client; chat: number; ev: ChatEvent; at: MenuPos; onClose: () => void }) {
  const [set, setSet] = useState<string[] | null>(null);
  useEffect(() => {
    client.reactionSet().then(setSet, (e) => {
      client.toast(errorText(e));
      onClose();
    });
  }, []);
  if (!set) return null;
  const mine = client.store.myReactionsOn(chat, ev.seq);
  return (
    <Menu
      palette
      at={at}
      label={t("react.pick")}
      onClose={onClose}
      items={set.map((emoji) => ({
        label: emoji,
        ariaLabel: t("react.with", { emoji }),
        testId: "react-option",
        onSelect: () => void client.react(chat, ev.seq, emoji, !mine.includes(emoji)),
      }))}
    />
  );
}
