// What the composer gains in chats with bots and official accounts: the command list
// ("/" or the menu button), the bot's reply keyboard, and an account's custom menu.
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Client } from "../client";
import { t } from "../i18n";
import {
  activeKeyboard,
  botPlaceholder,
  commandQuery,
  commandText,
  filterCommands,
  keyboardShown,
  menuOf,
  safeUrl,
  type ChatCommand,
  type MenuAction,
  type MenuEntry,
} from "../platform";
import { platformOf } from "../platformState";
import type { ChatSummary } from "../types";
import { BotAlert } from "./bodies/platform";
import "./platform.css";

const GLYPHS: Record<string, string> = {
  keyboard:
    "M20 5H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm-9 3h2v2h-2zm0 3h2v2h-2zM8 8h2v2H8zm0 3h2v2H8zm-1 2H5v-2h2zm0-3H5V8h2zm9 7H8v-2h8zm0-4h-2v-2h2zm0-3h-2V8h2zm3 3h-2v-2h2zm0-3h-2V8h2z",
  menu: "M3 18h18v-2H3zm0-5h18v-2H3zm0-7v2h18V6z",
  slash: "M7 21 15.5 3h2L9 21z",
};

export function Glyph({ name, size = 20 }: { name: string; size?: number }) {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <path d={GLYPHS[name]} fill="currentColor" />
    </svg>
  );
}

export interface BotComposer {
  placeholder: string | null;
  /** The command list, above the input row. */
  picker: JSX.Element | null;
  /** Buttons at the start of the input row (command menu, keyboard toggle). */
  leading: JSX.Element | null;
  /** Under the input row: the reply keyboard or the account's menu. */
  below: JSX.Element | null;
  /** Arrow keys / Enter / Esc while the command list is open; true when handled. */
  onKey: (e: KeyboardEvent) => boolean;
}

/** The composer's bot features for `chat`, given what is typed (`text`) and how to clear it. */
export function useBotComposer(client: Client, chat: ChatSummary, text: string, clear: () => void, editing: boolean): BotComposer {
  const p = platformOf(client);
  const store = client.store;
  const me = store.myId;
  const [menuOpen, setMenuOpen] = useState(false);
  const [index, setIndex] = useState(0);
  const [toggled, setToggled] = useState<{ seq: number; open: boolean } | null>(null);
  const peer = chat.kind === "direct" ? chat.peer : undefined;
  const account = peer && (store.state.users[peer.id]?.is_bot ?? peer.is_bot) ? p.account(peer.id) : null;
  const { commands, bots } = p.chatCommands(chat);
  const query = commandQuery(text);
  const matches = query !== null ? filterCommands(commands, query) : menuOpen ? commands : [];
  const listOpen = !editing && matches.length > 0 && (query !== null || menuOpen);
  useEffect(() => setIndex(0), [query, menuOpen]);

  const events = store.state.messages[chat.id] ?? [];
  const kb = activeKeyboard(events, me); // only bots and accounts can send one
  const showKb = !editing && keyboardShown(kb, toggled);

  const sendText = (body: string) => {
    client.send(chat.id, body);
  };
  const pick = (c: ChatCommand) => {
    sendText(commandText(c, bots));
    clear();
    setMenuOpen(false);
  };
  const onKey = (e: KeyboardEvent): boolean => {
    if (!listOpen || e.isComposing) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      setIndex((index + (e.key === "ArrowDown" ? 1 : -1) + matches.length) % matches.length);
    } else if (e.key === "Enter" || e.key === "Tab") {
      pick(matches[Math.min(index, matches.length - 1)]);
    } else if (e.key === "Escape") {
      setMenuOpen(false);
      if (query !== null) clear();
    } else return false;
    e.preventDefault();
    return true;
  };

  const picker = listOpen ? (
    <ul class="mention-picker command-list" role="listbox" id="command-list" aria-label={t("bot.commands")} data-testid="command-list">
      {matches.map((c, i) => (
        <li
          key={`${c.bot}/${c.command}`}
          id={`command-${i}`}
          role="option"
          aria-selected={i === index}
          class={i === index ? "selected" : ""}
          data-testid="command-option"
          onMouseDown={(e) => {
            e.preventDefault(); // keep focus in the composer
            pick(c);
          }}
          onMouseEnter={() => setIndex(i)}
        >
          <span class="command-name">/{c.command}</span>
          <span class="command-desc">{c.description}</span>
          {bots > 1 && c.handle ? <span class="muted small">@{c.handle}</span> : null}
        </li>
      ))}
    </ul>
  ) : null;

  const leading =
    editing || (!commands.length && !kb) ? null : (
      <>
        {commands.length ? (
          <button
            type="button"
            class={`bot-menu-btn${menuOpen ? " active" : ""}`}
            aria-expanded={menuOpen}
            aria-controls="command-list"
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => setMenuOpen(!menuOpen)}
            data-testid="bot-menu"
            title={t("bot.commands")}
          >
            <Glyph name="menu" size={18} />
            <span>{t("bot.menu")}</span>
          </button>
        ) : null}
        {kb ? (
          <button
            type="button"
            class={`icon-btn bot-kb-toggle${showKb ? " active" : ""}`}
            aria-pressed={showKb}
            aria-label={showKb ? t("bot.keyboard_hide") : t("bot.keyboard_show")}
            title={showKb ? t("bot.keyboard_hide") : t("bot.keyboard_show")}
            onClick={() => setToggled({ seq: kb.seq, open: !showKb })}
            data-testid="keyboard-toggle"
          >
            <Glyph name="keyboard" />
          </button>
        ) : null}
      </>
    );

  let below: JSX.Element | null = null;
  if (showKb && kb) {
    const k = kb.keyboard;
    below = (
      <div class={`reply-kb${k.resize ? " resize" : ""}`} role="group" aria-label={t("bot.keyboard")} data-testid="reply-keyboard">
        {(k.rows ?? []).map((row, i) => (
          <div class="reply-kb-row" key={i}>
            {row.map((key, j) => (
              <button
                type="button"
                key={j}
                class="reply-key"
                data-testid="reply-key"
                onClick={() => {
                  sendText(key.text);
                  if (k.one_time) setToggled({ seq: kb.seq, open: false });
                }}
              >
                {key.text}
              </button>
            ))}
          </div>
        ))}
      </div>
    );
  } else if (account && account.following && !editing) {
    const menu = menuOf(account.menu);
    if (menu.length) below = <AccountMenu client={client} chat={chat} menu={menu} />;
  }
  return {
    placeholder: editing ? null : botPlaceholder(events, me, showKb ? kb : null),
    picker,
    leading,
    below: (
      <>
        {below}
        <BotAlert client={client} />
      </>
    ),
    onKey,
  };
}

/** Run a menu action: commands are sent as my message; links open in a new tab (they are <a>s). */
function runAction(client: Client, chat: ChatSummary, action: MenuAction): void {
  if (action.type === "command" && action.text) client.send(chat.id, action.text);
  else if (action.type === "mini_app" && !safeUrl(action.url)) client.toast(t("oa.mini_app_unavailable"));
}

function MenuItem({ client, chat, name, action, onDone, sub }: { client: Client; chat: ChatSummary; name: string; action: MenuAction; onDone: () => void; sub?: boolean }) {
  const url = action.type === "url" || action.type === "mini_app" ? safeUrl(action.url) : null;
  const cls = sub ? "oa-sub-item" : "oa-menu-item";
  if (url) {
    return (
      <a class={cls} href={url} target="_blank" rel="noopener noreferrer nofollow" onClick={onDone} data-testid="oa-menu-item" role={sub ? "menuitem" : undefined}>
        {name}
      </a>
    );
  }
  return (
    <button
      type="button"
      class={cls}
      role={sub ? "menuitem" : undefined}
      data-testid="oa-menu-item"
      onClick={() => {
        runAction(client, chat, action);
        onDone();
      }}
    >
      {name}
    </button>
  );
}

/** An official account's custom menu: up to 3 entries, each an action or up to 5 sub-entries. */
function AccountMenu({ client, chat, menu }: { client: Client; chat: ChatSummary; menu: MenuEntry[] }) {
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    if (open === null) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(null);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  return (
    <nav class="oa-menu" aria-label={t("oa.menu")} data-testid="oa-menu">
      {menu.map((entry, i) =>
        entry.entries ? (
          <div class="oa-menu-slot" key={i}>
            <button type="button" class={`oa-menu-item${open === i ? " active" : ""}`} aria-haspopup="menu" aria-expanded={open === i} onClick={() => setOpen(open === i ? null : i)} data-testid="oa-menu-item">
              <Glyph name="menu" size={14} /> {entry.name}
            </button>
            {open === i ? (
              <div class="oa-sub" role="menu" data-testid="oa-submenu">
                {entry.entries.map((s, j) => (
                  <MenuItem key={j} client={client} chat={chat} name={s.name} action={s.action} onDone={() => setOpen(null)} sub />
                ))}
              </div>
            ) : null}
          </div>
        ) : (
          <div class="oa-menu-slot" key={i}>
            <MenuItem client={client} chat={chat} name={entry.name} action={entry.action!} onDone={() => setOpen(null)} />
          </div>
        ),
      )}
    </nav>
  );
}
