// @mentions in the composer: find the "@query" being typed, suggest members, insert the
// picked name, and work out which ids a finished text still mentions.
import type { User } from "./types";

/** The special "everyone" entry (owners and admins only). */
export const ALL = 0;

export interface Candidate {
  id: number; // a user id, or ALL
  name: string;
}

export interface MentionQuery {
  start: number; // index of "@"
  query: string; // what follows it, up to the caret
}

const MAX_QUERY = 32;

/** The mention being typed at `caret`: an "@" at the start or after a space, no newline since. */
export function activeMention(text: string, caret: number): MentionQuery | null {
  const head = text.slice(0, caret);
  const at = head.lastIndexOf("@");
  if (at < 0) return null;
  if (at > 0 && !/\s/.test(head[at - 1])) return null;
  const query = head.slice(at + 1);
  if (query.length > MAX_QUERY || /[\n@]/.test(query) || /^\s/.test(query)) return null;
  return { start: at, query };
}

/** Members matching `query` (name or Lianxin ID; prefix matches first), never me. */
export function filterCandidates(members: User[], query: string, myId: number, allLabel: string | null, limit = 8): Candidate[] {
  const q = query.toLowerCase();
  const scored: { c: Candidate; score: number }[] = [];
  if (allLabel !== null && (!q || allLabel.toLowerCase().startsWith(q) || "all".startsWith(q))) {
    scored.push({ c: { id: ALL, name: allLabel }, score: -1 });
  }
  for (const m of members) {
    if (m.id === myId) continue;
    const name = m.name.toLowerCase();
    const handle = (m.handle ?? "").toLowerCase();
    let score: number;
    if (!q || name.startsWith(q)) score = 0;
    else if (name.split(/\s+/).some((w) => w.startsWith(q)) || handle.startsWith(q)) score = 1;
    else if (name.includes(q)) score = 2;
    else continue;
    scored.push({ c: { id: m.id, name: m.name }, score });
  }
  scored.sort((a, b) => a.score - b.score || a.c.name.localeCompare(b.c.name));
  return scored.slice(0, limit).map((s) => s.c);
}

/** Replace the "@query" at `m` with "@Name " and say where the caret goes. */
export function insertMention(text: string, m: MentionQuery, caret: number, name: string): { text: string; caret: number } {
  const token = `@${name} `;
  const rest = text.slice(caret).replace(/^ /, "");
  return { text: text.slice(0, m.start) + token + rest, caret: m.start + token.length };
}

/** Which picked mentions are still in the text when it is sent. */
export function resolveMentions(text: string, picked: Candidate[]): { mentions: number[]; mentionAll: boolean } {
  const mentions: number[] = [];
  let mentionAll = false;
  for (const c of picked) {
    if (!text.includes(`@${c.name}`)) continue;
    if (c.id === ALL) mentionAll = true;
    else if (!mentions.includes(c.id)) mentions.push(c.id);
  }
  return { mentions, mentionAll };
}

export interface Segment {
  text: string;
  mention: boolean;
}

/** Split a message into plain text and "@Name" runs for the names it mentions. */
export function splitMentions(text: string, names: string[]): Segment[] {
  const tokens = [...new Set(names.filter(Boolean).map((n) => `@${n}`))].sort((a, b) => b.length - a.length);
  if (!tokens.length) return [{ text, mention: false }];
  const out: Segment[] = [];
  let plain = "";
  let i = 0;
  while (i < text.length) {
    const hit = tokens.find((tok) => text.startsWith(tok, i));
    if (hit) {
      if (plain) out.push({ text: plain, mention: false });
      plain = "";
      out.push({ text: hit, mention: true });
      i += hit.length;
    } else {
      plain += text[i];
      i += 1;
    }
  }
  if (plain) out.push({ text: plain, mention: false });
  return out;
}

/** Does this event mention me (by id, or @all)? */
export function mentionsMe(ev: { mentions?: number[]; mention_all?: boolean; from: number | null }, myId: number): boolean {
  if (ev.from === myId) return false;
  return !!ev.mention_all || !!ev.mentions?.includes(myId);
}
