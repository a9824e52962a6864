"""REST half of the client: one method per endpoint, errors raised as :class:`ApiError`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport

from lianxin.client.connection import Connection, SyncState


class ApiError(Exception):
    """A refusal from the server: a stable ``code`` plus a human ``message``.

    ``reason`` says which privacy setting or block refused it (``privacy_nobody``,
    ``strangers_off``, ``blocked``, …; see docs/protocol.md), or is None.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        reason: str | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.reason = reason


class Client:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 15.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """``http``: an HTTP connection pool to share between many clients (e.g. one per
        process for many devices); the caller owns it and :meth:`close` leaves it open.
        Without one the client makes its own on aiohttp's HTTP/1.1 (``AiohttpTransport``):
        httpx's default transport (httpcore, h11, anyio) cost about twice the client CPU of
        a small request (docs/performance.md, seventh round)."""
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.account: dict[str, Any] | None = None
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, transport=AiohttpTransport()
        )

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = await self._http.request(method, path, headers=headers, **kwargs)
        if resp.status_code == 204:
            return None
        try:
            body = resp.json()
        except ValueError:
            body = {"code": "internal", "message": resp.text[:200]}
        if resp.status_code >= 400:
            raise ApiError(
                resp.status_code,
                body.get("code", "error"),
                body.get("message", ""),
                body.get("details"),
                body.get("reason"),
            )
        return body

    # -- auth and me ------------------------------------------------------------------------

    async def request_code(self, phone: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", "/api/v1/auth/code", json={"phone": phone})
        return result

    async def verify(
        self, phone: str, code: str, *, device_name: str = "python", name: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"phone": phone, "code": code, "device_name": device_name}
        if name is not None:
            body["name"] = name
        result: dict[str, Any] = await self.call("POST", "/api/v1/auth/verify", json=body)
        self.token = result["token"]
        self.account = result["user"]
        return result

    async def sign_out(self) -> None:
        await self.call("POST", "/api/v1/auth/signout")

    async def me(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/api/v1/me")
        return result

    async def update_me(self, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("PATCH", "/api/v1/me", json=fields)
        return result

    async def privacy(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/api/v1/me/privacy")
        return result

    async def update_privacy(self, **fields: Any) -> dict[str, Any]:
        """Change some of ``find_by_phone``, ``find_by_handle``, ``find_nearby``, ``add_me``,
        ``stranger_messages``, ``last_seen``, ``read_receipts``, ``auto_friend``."""
        result: dict[str, Any] = await self.call("PATCH", "/api/v1/me/privacy", json=fields)
        return result

    async def devices(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/me/devices")
        return result

    async def sign_out_device(self, device_id: int) -> None:
        await self.call("DELETE", f"/api/v1/me/devices/{device_id}")

    async def sign_out_others(self) -> list[int]:
        result: dict[str, list[int]] = await self.call("POST", "/api/v1/me/devices/signout-others")
        return result["signed_out"]

    # -- people -----------------------------------------------------------------------------

    async def search(self, query: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/api/v1/users/search", params={"q": query})
        return result

    async def user(self, user_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/api/v1/users/{user_id}")
        return result

    async def presence(self, user_ids: list[int]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", "/api/v1/users/presence", params={"ids": user_ids}
        )
        return result

    async def friends(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/friends")
        return result

    async def remove_friend(self, user_id: int) -> None:
        await self.call("DELETE", f"/api/v1/friends/{user_id}")

    async def friend_requests(self) -> dict[str, list[dict[str, Any]]]:
        result: dict[str, list[dict[str, Any]]] = await self.call("GET", "/api/v1/friend-requests")
        return result

    async def send_friend_request(self, user_id: int, greeting: str = "") -> dict[str, Any]:
        body = {"user_id": user_id, "greeting": greeting}
        result: dict[str, Any] = await self.call("POST", "/api/v1/friend-requests", json=body)
        return result

    async def accept_request(self, request_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/friend-requests/{request_id}/accept"
        )
        return result

    async def decline_request(self, request_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/friend-requests/{request_id}/decline"
        )
        return result

    async def block(self, user_id: int) -> None:
        await self.call("PUT", f"/api/v1/blocks/{user_id}")

    async def unblock(self, user_id: int) -> None:
        await self.call("DELETE", f"/api/v1/blocks/{user_id}")

    async def blocked(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/blocks")
        return result

    # -- chats ------------------------------------------------------------------------------

    async def chats(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/chats")
        return result

    async def chat(self, chat_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/api/v1/chats/{chat_id}")
        return result

    async def open_direct(self, user_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", "/api/v1/chats/direct", json={"user_id": user_id}
        )
        return result

    async def create_group(self, title: str, members: list[int]) -> dict[str, Any]:
        body = {"title": title, "members": members}
        result: dict[str, Any] = await self.call("POST", "/api/v1/chats/groups", json=body)
        return result

    async def update_group(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("PATCH", f"/api/v1/chats/{chat_id}", json=fields)
        return result

    async def chat_settings(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "PATCH", f"/api/v1/chats/{chat_id}/settings", json=fields
        )
        return result

    async def members(self, chat_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", f"/api/v1/chats/{chat_id}/members")
        return result

    async def add_members(self, chat_id: int, users: list[int]) -> list[int]:
        result = await self.call("POST", f"/api/v1/chats/{chat_id}/members", json={"users": users})
        return list(result["added"])

    async def remove_member(self, chat_id: int, user_id: int) -> None:
        await self.call("DELETE", f"/api/v1/chats/{chat_id}/members/{user_id}")

    async def set_role(self, chat_id: int, user_id: int, role: str) -> None:
        await self.call(
            "PUT", f"/api/v1/chats/{chat_id}/members/{user_id}/role", json={"role": role}
        )

    async def leave(self, chat_id: int) -> None:
        await self.call("POST", f"/api/v1/chats/{chat_id}/leave")

    # -- messages ---------------------------------------------------------------------------

    async def history(
        self, chat_id: int, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> dict[str, Any]:
        params: dict[str, int] = {"limit": limit}
        if before is not None:
            params["before"] = before
        if after is not None:
            params["after"] = after
        result: dict[str, Any] = await self.call(
            "GET", f"/api/v1/chats/{chat_id}/messages", params=params
        )
        return result

    async def send(
        self,
        chat_id: int,
        kind: str,
        *,
        text: str | None = None,
        content: dict[str, Any] | None = None,
        client_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Send a message of any kind (see docs/protocol.md for each kind's ``content``)."""
        body = {"client_id": client_id or uuid.uuid4().hex, "kind": kind, **extra}
        if text is not None:
            body["text"] = text
        if content is not None:
            body["content"] = content
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/chats/{chat_id}/messages", json=body
        )
        return result

    async def send_text(
        self, chat_id: int, text: str, *, client_id: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return await self.send(chat_id, "text", text=text, client_id=client_id, **extra)

    async def recall(self, chat_id: int, seq: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/chats/{chat_id}/messages/{seq}/recall"
        )
        return result

    async def delete_for_me(self, chat_id: int, seq: int) -> None:
        await self.call("DELETE", f"/api/v1/chats/{chat_id}/messages/{seq}")

    async def forward(
        self, chat_id: int, seq: int, to_chat: int, *, client_id: str | None = None
    ) -> dict[str, Any]:
        body = {"client_id": client_id or uuid.uuid4().hex, "to_chat": to_chat}
        path = f"/api/v1/chats/{chat_id}/messages/{seq}/forward"
        result: dict[str, Any] = await self.call("POST", path, json=body)
        return result

    async def reads(self, chat_id: int, seq: int) -> dict[str, int]:
        result: dict[str, int] = await self.call(
            "GET", f"/api/v1/chats/{chat_id}/messages/{seq}/reads"
        )
        return result

    async def mark_read(self, chat_id: int, seq: int) -> int:
        result = await self.call("POST", f"/api/v1/chats/{chat_id}/read", json={"seq": seq})
        return int(result["read_seq"])

    async def edit(self, chat_id: int, seq: int, text: str) -> dict[str, Any]:
        """Replace the text of my message; returns ``{"message", "event"}``."""
        path = f"/api/v1/chats/{chat_id}/messages/{seq}"
        result: dict[str, Any] = await self.call("PATCH", path, json={"text": text})
        return result

    async def edits(self, chat_id: int, seq: int) -> dict[str, Any]:
        path = f"/api/v1/chats/{chat_id}/messages/{seq}/edits"
        result: dict[str, Any] = await self.call("GET", path)
        return result

    async def react(self, chat_id: int, seq: int, emoji: str) -> dict[str, Any]:
        path = f"/api/v1/chats/{chat_id}/messages/{seq}/reactions"
        result: dict[str, Any] = await self.call("POST", path, json={"emoji": emoji})
        return result

    async def unreact(self, chat_id: int, seq: int, emoji: str) -> dict[str, Any]:
        path = f"/api/v1/chats/{chat_id}/messages/{seq}/reactions/{emoji}"
        result: dict[str, Any] = await self.call("DELETE", path)
        return result

    async def reactions(
        self, chat_id: int, seq: int, *, emoji: str | None = None, after: int = 0, limit: int = 50
    ) -> dict[str, Any]:
        """Who reacted with what; pass the reply's ``next`` as ``after`` for the next page."""
        params: dict[str, Any] = {"after": after, "limit": limit}
        if emoji is not None:
            params["emoji"] = emoji
        path = f"/api/v1/chats/{chat_id}/messages/{seq}/reactions"
        result: dict[str, Any] = await self.call("GET", path, params=params)
        return result

    # -- stickers ---------------------------------------------------------------------------

    async def sticker_store(self, *, after: int = 0, limit: int = 50) -> dict[str, Any]:
        params = {"after": after, "limit": limit}
        result: dict[str, Any] = await self.call("GET", "/api/v1/stickers/store", params=params)
        return result

    async def sticker_pack(self, pack_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/api/v1/stickers/{pack_id}")
        return result

    async def my_stickers(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/api/v1/me/stickers")
        return result

    async def add_sticker_pack(self, pack_id: int, *, add: bool = True) -> dict[str, Any]:
        method = "PUT" if add else "DELETE"
        path = f"/api/v1/me/stickers/packs/{pack_id}"
        result: dict[str, Any] = await self.call(method, path)
        return result

    async def favourite_sticker(
        self, pack_id: int, index: int, *, add: bool = True
    ) -> dict[str, Any]:
        method = "PUT" if add else "DELETE"
        path = f"/api/v1/me/stickers/favourites/{pack_id}/{index}"
        result: dict[str, Any] = await self.call(method, path)
        return result

    async def send_sticker(
        self, chat_id: int, pack_id: int, index: int, **extra: Any
    ) -> dict[str, Any]:
        content = {"pack": pack_id, "index": index}
        return await self.send(chat_id, "sticker", content=content, **extra)

    # -- contacts and discovery -----------------------------------------------------------

    async def upload_contacts(
        self,
        add: list[dict[str, str]] | None = None,
        remove: list[str] | None = None,
        *,
        replace: bool = False,
    ) -> dict[str, Any]:
        """Send address-book changes (``{"name", "phone"}`` entries); see who is on Lianxin."""
        body = {"add": add or [], "remove": remove or [], "replace": replace}
        result: dict[str, Any] = await self.call("POST", "/api/v1/addressbook", json=body)
        return result

    async def contact_matches(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/addressbook")
        return result

    async def purge_contacts(self) -> int:
        result = await self.call("DELETE", "/api/v1/addressbook")
        return int(result["removed"])

    async def joined_contacts(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/contacts/joined")
        return result

    async def update_friend(self, user_id: int, **fields: Any) -> dict[str, Any]:
        """Set my ``remark``, ``tags``, ``starred`` or ``close_friend`` for a friend."""
        result: dict[str, Any] = await self.call("PATCH", f"/api/v1/friends/{user_id}", json=fields)
        return result

    async def friends_filtered(self, **filters: Any) -> list[dict[str, Any]]:
        """Friends with a ``tag``, or ``starred`` / ``close_friend`` true or false."""
        params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in filters.items()}
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/friends", params=params)
        return result

    async def friend_tags(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/friends/tags")
        return result

    async def suggestions(self) -> list[dict[str, Any]]:
        """People you may know: ``[{user, mutual_friends, groups, reason}]``."""
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/suggestions")
        return result

    async def dismiss_suggestion(self, user_id: int) -> None:
        await self.call("POST", f"/api/v1/suggestions/{user_id}/dismiss")

    async def my_qr(self, *, rotate: bool = False) -> dict[str, Any]:
        """My personal code (``token``, ``url``); ``rotate`` makes a new one, voiding the old."""
        if rotate:
            result: dict[str, Any] = await self.call("POST", "/api/v1/me/qr/rotate")
        else:
            result = await self.call("GET", "/api/v1/me/qr")
        return result

    async def qr_image(self, path: str, fmt: str = "svg") -> bytes:
        """An image endpoint's bytes (``/api/v1/me/qr/image``, ``.../invite/image``...)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = await self._http.get(path, params={"format": fmt}, headers=headers)
        if resp.status_code >= 400:
            body = resp.json()
            raise ApiError(resp.status_code, body.get("code", "error"), body.get("message", ""))
        return resp.content

    async def resolve_qr(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/api/v1/qr/{token}")
        return result

    async def group_invite(self, chat_id: int, *, regenerate: bool = False) -> dict[str, Any]:
        method = "POST" if regenerate else "GET"
        result: dict[str, Any] = await self.call(method, f"/api/v1/chats/{chat_id}/invite")
        return result

    async def revoke_group_invite(self, chat_id: int) -> None:
        await self.call("DELETE", f"/api/v1/chats/{chat_id}/invite")

    async def set_join_approval(self, chat_id: int, approval: bool) -> dict[str, bool]:
        path = f"/api/v1/chats/{chat_id}/join-approval"
        result: dict[str, bool] = await self.call("PUT", path, json={"approval": approval})
        return result

    async def join_by_qr(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", f"/api/v1/qr/{token}/join")
        return result

    async def join_requests(self, chat_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", f"/api/v1/chats/{chat_id}/join-requests"
        )
        return result

    async def pending_join_requests(self) -> list[dict[str, Any]]:
        """Pending requests across every group I own or am an admin of."""
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/join-requests")
        return result

    async def decide_join(self, chat_id: int, request_id: int, approve: bool) -> dict[str, Any]:
        verb = "approve" if approve else "decline"
        path = f"/api/v1/chats/{chat_id}/join-requests/{request_id}/{verb}"
        result: dict[str, Any] = await self.call("POST", path)
        return result

    async def qr_login_start(self, device_name: str = "web") -> dict[str, Any]:
        """Browser side: a sign-in code (``token`` to show, ``secret`` to keep)."""
        body = {"device_name": device_name}
        result: dict[str, Any] = await self.call("POST", "/api/v1/qr/login", json=body)
        return result

    async def qr_login_scan(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", f"/api/v1/qr/login/{token}/scan")
        return result

    async def qr_login_confirm(self, token: str) -> None:
        await self.call("POST", f"/api/v1/qr/login/{token}/confirm")

    async def qr_login_wait(
        self, token: str, secret: str, timeout_s: float = 25.0
    ) -> dict[str, Any]:
        """Browser side: wait for the confirmation; once signed in, this client uses the token."""
        body = {"secret": secret, "timeout_s": timeout_s}
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/qr/login/{token}/wait", json=body
        )
        if result.get("status") == "signed_in":
            self.token = result["token"]
            self.account = result["user"]
        return result

    # -- realtime ---------------------------------------------------------------------------

    def ws_url(self, base_url: str | None = None) -> str:
        base = (base_url or self.base_url).rstrip("/")
        scheme = "wss" if base.startswith("https") else "ws"
        return scheme + ":" + base.split(":", 1)[1] + "/ws"

    async def connect(
        self,
        state: SyncState | None = None,
        *,
        wait_synced: bool = True,
        nodes: Sequence[str] = (),
        reconnect: bool = False,
    ) -> Connection:
        """Open the realtime socket, resuming from ``state`` (what this device already has).

        ``nodes`` are the base URLs of other cluster nodes: with ``reconnect`` the socket
        fails over to them (in turn) when this client's node drops it.
        """
        if not self.token:
            raise ApiError(401, "unauthorized", "sign in first")
        urls = [self.ws_url(), *(self.ws_url(n) for n in nodes if n.rstrip("/") != self.base_url)]
        conn = Connection(urls, self.token, state or SyncState(), reconnect=reconnect)
        await conn.open(wait_synced=wait_synced)
        return conn

    # -- official accounts (docs/official-accounts.md) ----------------------------------------

    async def official_directory(
        self, query: str = "", *, limit: int = 20, offset: int = 0
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"q": query, "limit": limit, "offset": offset}
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/official", params=params)
        return result

    async def create_official(
        self, name: str, *, handle: str | None = None, description: str = ""
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "description": description}
        if handle is not None:
            body["handle"] = handle
        result: dict[str, Any] = await self.call("POST", "/api/v1/official", json=body)
        return result

    async def official_mine(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/official/mine")
        return result

    async def official_following(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/official/following")
        return result

    async def official(self, account_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/api/v1/official/{account_id}")
        return result

    async def follow(self, account_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("PUT", f"/api/v1/official/{account_id}/follow")
        return result

    async def unfollow(self, account_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("DELETE", f"/api/v1/official/{account_id}/follow")
        return result

    async def allow_templates(self, account_id: int, allowed: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "PUT", f"/api/v1/official/{account_id}/templates", json={"allowed": allowed}
        )
        return result

    async def update_official(self, account_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "PATCH", f"/api/v1/official/{account_id}", json=fields
        )
        return result

    async def set_official_menu(self, account_id: int, menu: list[Any]) -> list[dict[str, Any]]:
        result = await self.call("PUT", f"/api/v1/official/{account_id}/menu", json={"menu": menu})
        return list(result["menu"])

    async def official_followers(
        self, account_id: int, *, after: int = 0, limit: int = 100
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "GET",
            f"/api/v1/official/{account_id}/followers",
            params={"after": after, "limit": limit},
        )
        return result

    async def official_chats(self, account_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", f"/api/v1/official/{account_id}/chats"
        )
        return result

    async def official_history(
        self, account_id: int, chat_id: int, *, before: int | None = None, limit: int = 50
    ) -> dict[str, Any]:
        params: dict[str, int] = {"limit": limit}
        if before is not None:
            params["before"] = before
        result: dict[str, Any] = await self.call(
            "GET", f"/api/v1/official/{account_id}/chats/{chat_id}/messages", params=params
        )
        return result

    async def send_as_official(
        self,
        account_id: int,
        chat_id: int,
        kind: str = "text",
        *,
        text: str | None = None,
        content: dict[str, Any] | None = None,
        client_id: str | None = None,
    ) -> dict[str, Any]:
        """As the owner, send as the account into one of its chats (reply or template)."""
        body: dict[str, Any] = {"client_id": client_id or uuid.uuid4().hex, "kind": kind}
        if text is not None:
            body["text"] = text
        if content is not None:
            body["content"] = content
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/official/{account_id}/chats/{chat_id}/messages", json=body
        )
        return result

    async def official_media(self, account_id: int, media_id: int) -> dict[str, Any]:
        """As the owner, a media object from the account's chats (URLs signed for it)."""
        result: dict[str, Any] = await self.call(
            "GET", f"/api/v1/official/{account_id}/media/{media_id}"
        )
        return result

    async def official_read(self, account_id: int, chat_id: int, seq: int) -> int:
        """As the owner, mark one of the account's chats read up to ``seq``."""
        result: dict[str, int] = await self.call(
            "POST", f"/api/v1/official/{account_id}/chats/{chat_id}/read", json={"seq": seq}
        )
        return result["read_seq"]

    async def broadcast(
        self, account_id: int, text: str, *, client_id: str | None = None
    ) -> dict[str, Any]:
        body = {"client_id": client_id or uuid.uuid4().hex, "text": text}
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/official/{account_id}/broadcasts", json=body
        )
        return result

    async def broadcasts(self, account_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", f"/api/v1/official/{account_id}/broadcasts"
        )
        return result

    async def broadcast_status(self, account_id: int, broadcast_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "GET", f"/api/v1/official/{account_id}/broadcasts/{broadcast_id}"
        )
        return result

    async def cancel_broadcast(self, account_id: int, broadcast_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/official/{account_id}/broadcasts/{broadcast_id}/cancel"
        )
        return result

    # -- bots -----------------------------------------------------------------------------

    async def create_bot(self, name: str, handle: str | None = None) -> dict[str, Any]:
        """A bot I own: ``{"bot": {...}, "token": "<id>:<secret>"}`` (the token only now)."""
        body: dict[str, Any] = {"name": name}
        if handle is not None:
            body["handle"] = handle
        result: dict[str, Any] = await self.call("POST", "/api/v1/bots", json=body)
        return result

    async def my_bots(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/v1/bots")
        return result

    async def update_bot(self, bot_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("PATCH", f"/api/v1/bots/{bot_id}", json=fields)
        return result

    async def rotate_bot_token(self, bot_id: int) -> str:
        result: dict[str, str] = await self.call("POST", f"/api/v1/bots/{bot_id}/token")
        return result["token"]

    async def revoke_bot_token(self, bot_id: int) -> None:
        await self.call("DELETE", f"/api/v1/bots/{bot_id}/token")

    async def official_token(self, account_id: int) -> str:
        """A new Bot API token for my official account (the previous one stops working)."""
        result: dict[str, str] = await self.call("POST", f"/api/v1/official/{account_id}/token")
        return result["token"]

    async def revoke_official_token(self, account_id: int) -> None:
        await self.call("DELETE", f"/api/v1/official/{account_id}/token")

    async def delete_bot(self, bot_id: int) -> None:
        """Delete one of my bots for good (its Lianxin ID becomes free)."""
        await self.call("DELETE", f"/api/v1/bots/{bot_id}")

    async def start_bot(self, bot_id: int, param: str | None = None) -> dict[str, Any]:
        """Open the chat with a bot and send it ``/start [param]``; returns that message."""
        body = {"param": param} if param else {}
        result: dict[str, Any] = await self.call("POST", f"/api/v1/bots/{bot_id}/start", json=body)
        return result

    async def bot_commands(self, bot_id: int) -> list[dict[str, str]]:
        result: list[dict[str, str]] = await self.call("GET", f"/api/v1/bots/{bot_id}/commands")
        return result

    async def press_button(self, chat_id: int, seq: int, data: str) -> dict[str, Any]:
        """Press an inline button of a bot's message (the bot gets a callback query)."""
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/chats/{chat_id}/messages/{seq}/callback", json={"data": data}
        )
        return result

    async def dead_letters(self, bot_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", f"/api/v1/bots/{bot_id}/dead-letters")
        return result

    async def replay_dead_letters(self, bot_id: int) -> int:
        result: dict[str, int] = await self.call(
            "POST", f"/api/v1/bots/{bot_id}/dead-letters/replay"
        )
        return result["replayed"]

    # -- media ------------------------------------------------------------------------------

    async def _raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request whose successful body is not JSON (media bytes); errors still raise."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kwargs.pop("headers", None) or {})
        resp = await self._http.request(method, path, headers=headers, **kwargs)
        if resp.status_code >= 400:
            try:
                body = resp.json()
            except ValueError:
                body = {"code": "error", "message": resp.text[:200]}
            raise ApiError(
                resp.status_code,
                body.get("code", "error"),
                body.get("message", ""),
                body.get("details"),
                body.get("reason"),
            )
        return resp

    async def upload(
        self, data: bytes, kind: str, *, name: str | None = None, mime: str | None = None
    ) -> dict[str, Any]:
        """Upload a whole file as one request; returns the media object (with ``id``)."""
        params = {"kind": kind, **({"name": name} if name else {})}
        headers = {"Content-Type": mime or "application/octet-stream"}
        resp = await self._raw(
            "POST", "/api/v1/media", params=params, content=data, headers=headers
        )
        result: dict[str, Any] = resp.json()
        return result

    async def start_upload(
        self, kind: str, size: int, *, name: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": kind, "size": size, **({"name": name} if name else {})}
        result: dict[str, Any] = await self.call("POST", "/api/v1/uploads", json=body)
        return result

    async def upload_status(self, upload_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/api/v1/uploads/{upload_id}")
        return result

    async def upload_chunk(self, upload_id: str, offset: int, chunk: bytes) -> dict[str, Any]:
        headers = {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        resp = await self._raw(
            "PATCH", f"/api/v1/uploads/{upload_id}", content=chunk, headers=headers
        )
        result: dict[str, Any] = resp.json()
        return result

    async def finish_upload(self, upload_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", f"/api/v1/uploads/{upload_id}/finish")
        return result

    async def cancel_upload(self, upload_id: str) -> None:
        await self.call("DELETE", f"/api/v1/uploads/{upload_id}")

    async def upload_chunked(
        self,
        data: bytes,
        kind: str,
        *,
        name: str | None = None,
        chunk_size: int = 4 * 1024 * 1024,
        upload_id: str | None = None,
    ) -> dict[str, Any]:
        """Upload in chunks; pass ``upload_id`` to resume an interrupted upload where it stopped."""
        if upload_id is None:
            upload_id = (await self.start_upload(kind, len(data), name=name))["id"]
        offset = int((await self.upload_status(upload_id))["offset"])
        while offset < len(data):
            state = await self.upload_chunk(upload_id, offset, data[offset : offset + chunk_size])
            offset = int(state["offset"])
        return await self.finish_upload(upload_id)

    async def media(self, media_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/api/v1/media/{media_id}")
        return result

    async def download(
        self, media_id: int, *, variant: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """The bytes of a media object or its ``thumb`` / ``preview`` / ``poster`` (pass
        ``Range`` etc. in ``headers``); 304 / 206 come back as responses, errors raise."""
        params = {"variant": variant} if variant else {}
        return await self._raw(
            "GET", f"/api/v1/media/{media_id}/content", params=params, headers=headers
        )

    async def send_media(
        self, chat_id: int, kind: str, media_id: int, *, caption: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Send an uploaded object as a photo, voice, video, file or view_once message."""
        return await self.send(chat_id, kind, text=caption, content={"media": media_id}, **extra)

    async def send_photo(
        self, chat_id: int, media_id: int, *, caption: str | None = None
    ) -> dict[str, Any]:
        return await self.send_media(chat_id, "photo", media_id, caption=caption)

    async def send_voice(self, chat_id: int, media_id: int) -> dict[str, Any]:
        return await self.send_media(chat_id, "voice", media_id)

    async def send_video(
        self, chat_id: int, media_id: int, *, caption: str | None = None
    ) -> dict[str, Any]:
        return await self.send_media(chat_id, "video", media_id, caption=caption)

    async def send_file(
        self, chat_id: int, media_id: int, *, caption: str | None = None
    ) -> dict[str, Any]:
        return await self.send_media(chat_id, "file", media_id, caption=caption)

    async def send_view_once(self, chat_id: int, media_id: int) -> dict[str, Any]:
        return await self.send_media(chat_id, "view_once", media_id)

    async def open_view_once(self, chat_id: int, seq: int) -> bytes:
        """The photo of a view-once message; works once per recipient."""
        resp = await self._raw("POST", f"/api/v1/chats/{chat_id}/messages/{seq}/open")
        return resp.content

    async def mark_played(self, chat_id: int, seq: int) -> bool:
        result = await self.call("POST", f"/api/v1/chats/{chat_id}/messages/{seq}/played")
        return bool(result["played"])

    async def media_marks(self, chat_id: int, seq: int) -> list[dict[str, Any]]:
        result = await self.call("GET", f"/api/v1/chats/{chat_id}/messages/{seq}/marks")
        marks: list[dict[str, Any]] = result["marks"]
        return marks

    async def album_add(
        self, chat_id: int, media_id: int, *, caption: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"media": media_id, **({"caption": caption} if caption else {})}
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/chats/{chat_id}/album", json=body
        )
        return result

    async def album(
        self, chat_id: int, *, before: int | None = None, limit: int = 30
    ) -> dict[str, Any]:
        params: dict[str, int] = {"limit": limit, **({"before": before} if before else {})}
        result: dict[str, Any] = await self.call(
            "GET", f"/api/v1/chats/{chat_id}/album", params=params
        )
        return result

    async def album_remove(self, chat_id: int, entry_id: int) -> None:
        await self.call("DELETE", f"/api/v1/chats/{chat_id}/album/{entry_id}")

    # -- people nearby and reports ------------------------------------------------------------

    async def share_position(self, lat: float, lon: float, **fields: Any) -> dict[str, Any]:
        """Share a rough position (``gender``, ``birth_year``, ``show_gender``, ``show_age``)."""
        result: dict[str, Any] = await self.call(
            "PUT", "/api/v1/nearby/position", json={"lat": lat, "lon": lon, **fields}
        )
        return result

    async def my_position(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/api/v1/nearby/position")
        return result

    async def clear_position(self) -> None:
        await self.call("DELETE", "/api/v1/nearby/position")

    async def nearby(
        self,
        *,
        gender: str | None = None,
        min_age: int | None = None,
        max_age: int | None = None,
    ) -> dict[str, Any]:
        params = {
            k: v
            for k, v in (("gender", gender), ("min_age", min_age), ("max_age", max_age))
            if v is not None
        }
        result: dict[str, Any] = await self.call("GET", "/api/v1/nearby", params=params)
        return result

    async def say_hi(self, user_id: int, greeting: str = "") -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", f"/api/v1/nearby/{user_id}/hi", json={"greeting": greeting}
        )
        return result

    async def report(
        self,
        reason: str,
        *,
        user_id: int | None = None,
        chat_id: int | None = None,
        seq: int | None = None,
        note: str = "",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"reason": reason, "note": note}
        for key, value in (("user_id", user_id), ("chat_id", chat_id), ("seq", seq)):
            if value is not None:
                body[key] = value
        result: dict[str, Any] = await self.call("POST", "/api/v1/reports", json=body)
        return result
