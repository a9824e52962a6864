// UI text in English and Simplified Chinese. Components call t("key", {params}) only.
// The text itself lives in ./text/, one file per feature area, merged here.

import * as contacts from "./text/contacts";
import * as core from "./text/core";
import * as media from "./text/media";
import * as platform from "./text/platform";
import * as refusals from "./text/refusals";

const en = { ...core.en, ...contacts.en, ...media.en, ...platform.en, ...refusals.en };
const zh = { ...core.zh, ...contacts.zh, ...media.zh, ...platform.zh, ...refusals.zh };

export type MessageKey = keyof typeof en;
type Dict = Record<MessageKey, string>;

export type Lang = "en" | "zh";
export const LANGS: { code: Lang; label: string }[] = [
  { code: "en", label: "English" },
  { code: "zh", label: "简体中文" },
];

const dicts: Record<Lang, Dict> = { en, zh };
const LANG_KEY = "lx.lang";

export function detectLang(navLang: string | undefined, saved: string | null): Lang {
  if (saved === "en" || saved === "zh") return saved;
  return navLang && navLang.toLowerCase().startsWith("zh") ? "zh" : "en";
}

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

let current: Lang = detectLang(
  typeof navigator === "undefined" ? undefined : navigator.language,
  storage()?.getItem(LANG_KEY) ?? null,
);
const listeners = new Set<() => void>();

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  storage()?.setItem(LANG_KEY, lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  listeners.forEach((fn) => fn());
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The text for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dicts[current][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}

export function hasKey(key: string): key is MessageKey {
  return key in en;
}

export const _dicts = dicts; // for tests: both languages have every key
