// Contacts and discovery over REST (remarks and tags, suggestions, nearby, QR codes,
// group invites, privacy, blocks, reports), plus the pure logic the screens share.
import { ApiError, type Api } from "./api";
import { errorReason, errorText } from "./errors";
import { t } from "./i18n";
import type { FriendRequest, Privacy, ServerFrame, User } from "./types";

export interface FriendMeta {
  remark: string | null;
  tags: string[];
  starred: boolean;
  close_friend: boolean;
}

export interface Suggestion {
  user: User;
  mutual_friends: number;
  groups: { id: number; title: string }[];
  reason: string;
}

export interface NearbyMine {
  sharing: boolean;
  listed: boolean;
  expires_at?: number;
  gender?: string | null;
  age?: number | null;
}

export interface NearbyPerson {
  user: User;
  distance: string;
  distance_m: number;
  gender?: string;
  age?: number;
}

export interface NearbyFilters {
  gender?: string;
  min_age?: number;
  max_age?: number;
}

export interface ShareOptions {
  gender?: string;
  birth_year?: number;
  show_gender: boolean;
  show_age: boolean;
}

export type Resolved =
  | { kind: "user"; user: User; friend: boolean; can_add: boolean }
  | { kind: "group"; chat: { id: number; title: string; member_count: number }; member: boolean; approval: boolean; expires_at: number | null };

export interface InviteCode {
  token: string;
  url: string;
  expires_at: number | null;
  approval: boolean;
}

export interface JoinRequest {
  id: number;
  chat: number;
  user: User;
  state: string;
}

export type ReportReason = "spam" | "abuse" | "fraud" | "illegal" | "other";
export const REPORT_REASONS: ReportReason[] = ["spam", "abuse", "fraud", "illegal", "other"];

/** Typed calls for the contacts and discovery routes (docs/protocol.md). */
export class Discovery {
  constructor(private api: Api) {}

  updateFriend(id: number, fields: Partial<FriendMeta>) {
    return this.api.call<FriendMeta & { user: number }>("PATCH", `/api/v1/friends/${id}`, fields);
  }
  removeFriend(id: number) {
    return this.api.call<void>("DELETE", `/api/v1/friends/${id}`);
  }
  blocks() {
    return this.api.call<User[]>("GET", "/api/v1/blocks");
  }
  block(id: number, on: boolean) {
    return this.api.call<void>(on ? "PUT" : "DELETE", `/api/v1/blocks/${id}`);
  }
  report(userId: number, reason: ReportReason, note: string) {
    return this.api.call<{ id: number }>("POST", "/api/v1/reports", { user_id: userId, reason, note });
  }
  suggestions() {
    return this.api.call<Suggestion[]>("GET", "/api/v1/suggestions");
  }
  dismiss(id: number) {
    return this.api.call<void>("POST", `/api/v1/suggestions/${id}/dismiss`);
  }
  myPosition() {
    return this.api.call<NearbyMine>("GET", "/api/v1/nearby/position");
  }
  share(lat: number, lon: number, opts: ShareOptions) {
    return this.api.call<NearbyMine>("PUT", "/api/v1/nearby/position", { lat, lon, ...opts });
  }
  clearPosition() {
    return this.api.call<void>("DELETE", "/api/v1/nearby/position");
  }
  nearby(filters: NearbyFilters) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== "") qs.set(k, String(v));
    return this.api.call<{ me: NearbyMine; people: NearbyPerson[] }>("GET", `/api/v1/nearby?${qs}`);
  }
  sayHi(id: number, greeting: string) {
    return this.api.call<FriendRequest & { chat_id?: number }>("POST", `/api/v1/nearby/${id}/hi`, { greeting });
  }
  resolve(token: string) {
    return this.api.call<Resolved>("GET", `/api/v1/qr/${encodeURIComponent(token)}`);
  }
  join(token: string) {
    return this.api.call<{ state: "joined" | "pending"; chat_id: number }>("POST", `/api/v1/qr/${encodeURIComponent(token)}/join`);
  }
  invite(chat: number, regenerate = false) {
    return this.api.call<InviteCode>(regenerate ? "POST" : "GET", `/api/v1/chats/${chat}/invite`);
  }
  revokeInvite(chat: number) {
    return this.api.call<void>("DELETE", `/api/v1/chats/${chat}/invite`);
  }
  setApproval(chat: number, approval: boolean) {
    return this.api.call<{ approval: boolean }>("PUT", `/api/v1/chats/${chat}/join-approval`, { approval });
  }
  joinRequests(chat: number) {
    return this.api.call<JoinRequest[]>("GET", `/api/v1/chats/${chat}/join-requests`);
  }
  /** Pending requests in every group I own or am an admin of. */
  pendingJoinRequests() {
    return this.api.call<JoinRequest[]>("GET", "/api/v1/join-requests");
  }
  decide(chat: number, request: number, approve: boolean) {
    return this.api.call<unknown>("POST", `/api/v1/chats/${chat}/join-requests/${request}/${approve ? "approve" : "decline"}`);
  }
  privacy() {
    return this.api.call<Privacy>("GET", "/api/v1/me/privacy");
  }
  updatePrivacy(fields: Partial<Privacy>) {
    return this.api.call<Privacy>("PATCH", "/api/v1/me/privacy", fields);
  }
}

// -- pure logic ------------------------------------------------------------------------------

export type Friend = User & Partial<FriendMeta>;

/** The name I see for someone: my remark for them, else their own name. */
export function shownName(user: Friend | undefined, fallback = ""): string {
  return user?.remark?.trim() || user?.name || fallback;
}

/** Tags from what people type: split on commas (any script), trimmed, distinct, in order. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[,，、;；]/)) {
    const tag = raw.trim().replace(/\s+/g, " ");
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

/** Every tag my friends carry, sorted. */
export function allTags(friends: Friend[]): string[] {
  return [...new Set(friends.flatMap((f) => f.tags ?? []))].sort((a, b) => a.localeCompare(b));
}

/** Friends matching a search (remark, name, ID) and a tag; starred ones listed apart. */
export function filterFriends(friends: Friend[], query: string, tag: string | null): { starred: Friend[]; others: Friend[] } {
  const q = query.trim().toLowerCase();
  const hits = friends
    .filter((f) => !tag || (f.tags ?? []).includes(tag))
    .filter((f) => !q || [f.remark ?? "", f.name, f.handle ?? ""].some((s) => s.toLowerCase().includes(q)))
    .sort((a, b) => shownName(a).localeCompare(shownName(b)));
  return { starred: hits.filter((f) => f.starred), others: hits.filter((f) => !f.starred) };
}

/** The token inside a scanned Lianxin link (lianxin://qr/T, https://host/qr/T, #/qr/T) or a bare token. */
export function qrToken(text: string): string | null {
  const s = text.trim();
  const m = /^(?:lianxin:\/\/qr\/|https?:\/\/[^\s/]+(?:\/[^\s#?]*)?\/qr\/|(?:https?:\/\/[^\s#]*)?#\/qr\/)?([A-Za-z0-9_-]{8,32})\/?$/.exec(s);
  if (!m || m[1].startsWith("login")) return null;
  return m[1];
}

/** A `join_request` frame applied to one group's pending list: a filed one joins (or
 * replaces itself), a decided one — by me or another admin — leaves. */
export function applyJoinRequest(list: JoinRequest[], frame: ServerFrame, chat: number): JoinRequest[] {
  const r = frame.t === "join_request" ? (frame.request as JoinRequest | undefined) : undefined;
  if (!r || r.chat !== chat || !r.user || typeof r.user !== "object") return list;
  if (r.state !== "pending") return list.filter((x) => x.id !== r.id);
  return list.some((x) => x.id === r.id) ? list.map((x) => (x.id === r.id ? r : x)) : [...list, r];
}

/** A freshly read request list with the frames that arrived while it was being read
 * replayed over it (the read may predate them). */
export function withFramesSince(list: JoinRequest[], frames: ServerFrame[], chat: number): JoinRequest[] {
  return frames.reduce((l, f) => applyJoinRequest(l, f, chat), list);
}

/** Why a suggestion is shown, in the reader's language. */
export function suggestionReason(s: Suggestion): string {
  if (s.mutual_friends === 1) return t("ct.reason_mutual_one");
  if (s.mutual_friends > 1) return t("ct.reason_mutual", { n: s.mutual_friends });
  if (s.groups.length) return t("ct.reason_group", { title: s.groups[0].title });
  return s.reason;
}

/** A friend request refusal in words that say which of their settings refused it (the server's `reason`). */
export function requestRefusal(err: unknown): string {
  if (errorReason(err) === null && err instanceof ApiError && err.code === "not_allowed") return t("ct.refused");
  return errorText(err);
}

/** A search that found no one: by number or by ID, never whether the person exists. */
export function searchRefusal(err: unknown): string {
  if (errorReason(err) === null && err instanceof ApiError && err.code === "not_found") return t("err.no_one_found");
  return errorText(err);
}
