// Wire shapes of the Lianxin server (see src/lianxin/actions/views.py and gateway/).

export interface User {
  id: number;
  name: string;
  handle: string | null;
  bio: string | null;
  is_bot?: boolean;
  /** My private labels, on friends only (never sent to anyone else). */
  remark?: string | null;
  tags?: string[];
  starred?: boolean;
  close_friend?: boolean;
}

/** Every privacy and contact setting: GET/PATCH /api/v1/me/privacy. */
export interface Privacy {
  find_by_phone: boolean;
  find_by_handle: boolean;
  find_nearby: boolean;
  add_me: "everyone" | "friends_of_friends" | "nobody";
  stranger_messages: boolean;
  last_seen: "everyone" | "friends" | "nobody";
  read_receipts: boolean;
  auto_friend: boolean;
}

export interface Me extends User {
  phone: string;
  privacy: Privacy;
}

export interface SystemData {
  type?: string;
  by?: number;
  user?: number;
  users?: number[];
  names?: Record<string, string>;
  title?: string;
  text?: string;
  seq?: number;
  sender?: number;
  role?: string;
  new_owner?: number;
  forwarded?: { chat: number; seq: number; from: number | null; ts: number };
  /** On a reply: what the quoted message showed when it was sent (kind, text, naming data). */
  reply?: { seq: number; from: number | null; kind: string; text?: string; recalled?: boolean; data?: Record<string, unknown> };
  emoji?: string;
  on?: boolean;
  counts?: Record<string, number>;
  edited_at?: number;
  recalled?: boolean;
  [key: string]: unknown;
}

/** A chat event (`t: "ev"`): a text message or a system line. */
export interface ChatEvent {
  t?: "ev";
  chat: number;
  seq: number;
  id: number;
  from: number | null;
  kind: "text" | "system" | string;
  ts: number;
  cid?: string;
  recalled?: boolean;
  text?: string;
  reply_to?: number;
  mentions?: number[];
  mention_all?: boolean;
  edited?: boolean;
  edited_at?: number;
  /** emoji -> how many people reacted with it */
  reactions?: Record<string, number>;
  /** The emoji I put on it: only on per-user pages (history, catch-up), not on live frames. */
  my_reactions?: string[];
  /** On others' voice / view-once messages, only on per-user pages: my played/opened mark or null. */
  my_mark?: "played" | "opened" | null;
  /** On my voice / view-once messages, only on per-user pages: how many listeners played/opened it. */
  mark_count?: number;
  data?: SystemData;
}

export interface ChatSummary {
  id: number;
  kind: "direct" | "group";
  title: string;
  announcement: string | null;
  member_count: number;
  last_seq: number;
  last_activity_at: number;
  active: boolean;
  role: string;
  visible_from: number;
  read_seq: number;
  unread: number;
  muted: boolean;
  pinned: boolean;
  pinned_at: number | null;
  archived: boolean;
  last: ChatEvent | null;
  peer?: User;
  peer_read_seq?: number;
  peer_delivered_seq?: number;
}

export interface FriendRequest {
  id: number;
  from: number;
  to: number;
  greeting: string;
  state: "pending" | "accepted" | "declined" | string;
  created_at: number;
  updated_at: number;
  user?: User;
}

export interface PresenceInfo {
  user: number;
  /** null: hidden from me (their last-seen setting, or a block either way). */
  online: boolean | null;
  last_seen: number | null;
}

export interface Member extends User {
  role: string;
  joined_at: number;
}

export interface ReadStats {
  seq: number;
  read: number;
  members: number;
}

export interface Device {
  id: number;
  name: string;
  created_at: number;
  last_active_at: number | null;
  current: boolean;
}

/** Any frame from the server; the fields depend on `t`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServerFrame = { t: string; r?: number | string | null } & Record<string, any>;

/** A message typed here and not yet acknowledged by the server. */
export interface SendOptions {
  reply_to?: number;
  mentions?: number[];
  mention_all?: boolean;
}

export interface PendingSend extends SendOptions {
  cid: string;
  chat: number;
  text: string;
  ts: number;
  failed?: string; // an error code when the server refused it for good
  /** A message other than text (photo, voice, sticker, …): what to send, and what to show meanwhile. */
  kind?: string;
  content?: Record<string, unknown>;
  data?: SystemData;
}
