// REST half of the client (mirrors src/lianxin/client/rest.py). Errors are ApiError.
import type { ChatEvent, ChatSummary, Device, FriendRequest, Me, Member, PresenceInfo, ReadStats, User } from "./types";

export class ApiError extends Error {
  /** `reason`: which privacy setting or block refused it (docs/protocol.md), if any. */
  constructor(
    public status: number,
    public code: string,
    message: string,
    public reason: string | null = null,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export type QrWait =
  | { status: "pending" | "scanned" }
  | { status: "signed_in"; token: string; device_id: number; user: Me };

export interface AddressBookResult {
  matches: { phone: string; name: string; friend: boolean; user: User }[];
  added: number;
  invalid: string[];
  auto_friended: number[];
  total: number;
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export class Api {
  constructor(
    public base: string,
    public token: string | null = null,
    private fetchImpl: Fetch = (i, r) => fetch(i, r),
    private onUnauthorized: () => void = () => {},
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let resp: Response;
    try {
      resp = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "network", "network error");
    }
    if (resp.status === 204) return undefined as T;
    let data: { code?: string; message?: string } & Record<string, unknown>;
    try {
      data = await resp.json();
    } catch {
      data = { code: resp.status >= 500 ? "internal" : "bad_request", message: "" };
    }
    if (!resp.ok) {
      const code = typeof data.code === "string" ? data.code : "unknown";
      if (resp.status === 401 && this.token) this.onUnauthorized();
      throw new ApiError(resp.status, code, String(data.message ?? ""), typeof data.reason === "string" ? data.reason : null);
    }
    return data as T;
  }

  // auth and me
  requestCode(phone: string) {
    return this.call<{ resend_after_s: number; expires_in_s: number }>("POST", "/api/v1/auth/code", { phone });
  }
  verify(phone: string, code: string, deviceName: string) {
    return this.call<{ token: string; user: Me; device_id: number; new_user: boolean }>(
      "POST",
      "/api/v1/auth/verify",
      { phone, code, device_name: deviceName },
    );
  }
  signOut() {
    return this.call<void>("POST", "/api/v1/auth/signout");
  }
  me() {
    return this.call<Me>("GET", "/api/v1/me");
  }
  updateMe(fields: { name?: string; handle?: string; bio?: string }) {
    return this.call<Me>("PATCH", "/api/v1/me", fields);
  }
  devices() {
    return this.call<Device[]>("GET", "/api/v1/me/devices");
  }
  signOutDevice(id: number) {
    return this.call<void>("DELETE", `/api/v1/me/devices/${id}`);
  }
  signOutOthers() {
    return this.call<{ signed_out: number[] }>("POST", "/api/v1/me/devices/signout-others");
  }

  // QR codes
  qrLoginStart(deviceName: string) {
    return this.call<{ token: string; secret: string; url: string; expires_at: number }>("POST", "/api/v1/qr/login", { device_name: deviceName });
  }
  qrLoginWait(token: string, secret: string, timeoutS: number) {
    return this.call<QrWait>("POST", `/api/v1/qr/login/${encodeURIComponent(token)}/wait`, { secret, timeout_s: timeoutS });
  }
  qrLoginImage(token: string) {
    return `${this.base}/api/v1/qr/login/${encodeURIComponent(token)}/image`;
  }
  myQr() {
    return this.call<{ token: string; url: string; kind: string }>("GET", "/api/v1/me/qr");
  }
  rotateMyQr() {
    return this.call<{ token: string; url: string; kind: string }>("POST", "/api/v1/me/qr/rotate");
  }
  /** An authorised image as an object URL (an <img> can't send the token itself). */
  async imageUrl(path: string): Promise<string> {
    let resp: Response;
    try {
      resp = await this.fetchImpl(this.base + path, { headers: this.token ? { Authorization: `Bearer ${this.token}` } : {} });
    } catch {
      throw new ApiError(0, "network", "network error");
    }
    if (!resp.ok) throw new ApiError(resp.status, resp.status === 404 ? "not_found" : "unknown", "");
    return URL.createObjectURL(await resp.blob());
  }

  /** Upload address-book entries; the answer lists who is on Lianxin. */
  uploadAddressBook(add: { name: string; phone: string }[]) {
    return this.call<AddressBookResult>("POST", "/api/v1/addressbook", { add });
  }

  // people
  searchUser(q: string) {
    return this.call<User>("GET", `/api/v1/users/search?q=${encodeURIComponent(q)}`);
  }
  user(id: number) {
    return this.call<User>("GET", `/api/v1/users/${id}`);
  }
  presence(ids: number[]) {
    const qs = ids.map((i) => `ids=${i}`).join("&");
    return this.call<PresenceInfo[]>("GET", `/api/v1/users/presence?${qs}`);
  }
  friends() {
    return this.call<User[]>("GET", "/api/v1/friends");
  }
  requests() {
    return this.call<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }>("GET", "/api/v1/friend-requests");
  }
  sendRequest(userId: number, greeting: string) {
    return this.call<FriendRequest & { chat_id?: number }>("POST", "/api/v1/friend-requests", {
      user_id: userId,
      greeting,
    });
  }
  acceptRequest(id: number) {
    return this.call<{ request: FriendRequest; chat_id: number }>("POST", `/api/v1/friend-requests/${id}/accept`);
  }
  declineRequest(id: number) {
    return this.call<FriendRequest>("POST", `/api/v1/friend-requests/${id}/decline`);
  }

  // chats
  chats() {
    return this.call<ChatSummary[]>("GET", "/api/v1/chats");
  }
  chat(id: number) {
    return this.call<ChatSummary>("GET", `/api/v1/chats/${id}`);
  }
  openDirect(userId: number) {
    return this.call<ChatSummary>("POST", "/api/v1/chats/direct", { user_id: userId });
  }
  createGroup(title: string, members: number[]) {
    return this.call<ChatSummary>("POST", "/api/v1/chats/groups", { title, members });
  }
  updateGroup(id: number, fields: { title?: string; announcement?: string }) {
    return this.call<ChatSummary>("PATCH", `/api/v1/chats/${id}`, fields);
  }
  updateSettings(id: number, fields: { muted?: boolean; pinned?: boolean; archived?: boolean }) {
    return this.call<ChatSummary>("PATCH", `/api/v1/chats/${id}/settings`, fields);
  }
  members(id: number) {
    return this.call<Member[]>("GET", `/api/v1/chats/${id}/members`);
  }
  addMembers(id: number, users: number[]) {
    return this.call<{ added: number[] }>("POST", `/api/v1/chats/${id}/members`, { users });
  }
  removeMember(id: number, userId: number) {
    return this.call<void>("DELETE", `/api/v1/chats/${id}/members/${userId}`);
  }
  setRole(id: number, userId: number, role: "owner" | "admin" | "member") {
    return this.call<void>("PUT", `/api/v1/chats/${id}/members/${userId}/role`, { role });
  }
  leave(id: number) {
    return this.call<void>("POST", `/api/v1/chats/${id}/leave`);
  }

  // messages
  history(chat: number, before?: number, limit = 50) {
    const qs = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) qs.set("before", String(before));
    return this.call<{ chat: number; events: ChatEvent[]; more: boolean }>(
      "GET",
      `/api/v1/chats/${chat}/messages?${qs}`,
    );
  }
  forward(chat: number, seq: number, toChat: number, clientId: string) {
    return this.call<ChatEvent & { duplicate: boolean }>("POST", `/api/v1/chats/${chat}/messages/${seq}/forward`, {
      client_id: clientId,
      to_chat: toChat,
    });
  }
  deleteForMe(chat: number, seq: number) {
    return this.call<void>("DELETE", `/api/v1/chats/${chat}/messages/${seq}`);
  }
  reads(chat: number, seq: number) {
    return this.call<ReadStats>("GET", `/api/v1/chats/${chat}/messages/${seq}/reads`);
  }
  edit(chat: number, seq: number, text: string) {
    return this.call<{ message: ChatEvent; event: ChatEvent | null }>("PATCH", `/api/v1/chats/${chat}/messages/${seq}`, { text });
  }
  edits(chat: number, seq: number) {
    return this.call<{ chat: number; seq: number; versions: { text: string; ts: number }[] }>("GET", `/api/v1/chats/${chat}/messages/${seq}/edits`);
  }
  react(chat: number, seq: number, emoji: string, on: boolean) {
    const path = `/api/v1/chats/${chat}/messages/${seq}/reactions`;
    return on
      ? this.call<{ reactions: Record<string, number>; event: ChatEvent | null }>("POST", path, { emoji })
      : this.call<{ reactions: Record<string, number>; event: ChatEvent | null }>("DELETE", `${path}/${encodeURIComponent(emoji)}`);
  }
  reactionSet() {
    return this.call<{ reactions: string[] }>("GET", "/api/v1/reactions");
  }
  recall(chat: number, seq: number) {
    return this.call<ChatEvent>("POST", `/api/v1/chats/${chat}/messages/${seq}/recall`);
  }
}
