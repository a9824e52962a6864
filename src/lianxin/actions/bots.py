"""Bot accounts: creation by an owner, tokens, settings, starting a bot, sending as one.

A bot is a user (``users.is_bot``) plus a ``bots`` row. Its token is
``<bot user id>:<secret>`` (the shape Telegram libraries check locally); only its
SHA-256 is stored, so a lost token is rotated, never shown again. Sending as a bot goes
through the same ``do_send`` as everyone, after the bot's rate limits.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import messages
from lianxin.actions.accounts import Identity, check_handle, check_name, hash_token
from lianxin.actions.chats import direct_key, ensure_direct_txn
from lianxin.errors import Code, LianxinError
from lianxin.ids import DeviceId, UserId
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import bots as store
from lianxin.store import chats as chats_store
from lianxin.store import contacts as contacts_store

TOKEN_RE = re.compile(r"^([1-9][0-9]{0,15}):([A-Za-z0-9_-]{20,64})$")
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
COMMANDS_MAX = 100
START_PARAM_RE = re.compile(r"^[A-Za-z0-9_-]{0,64}$")


@dataclass(frozen=True, slots=True)
class Bot:
    """An authenticated bot: its user id, handle and the settings its surfaces need."""

    user_id: UserId
    name: str
    handle: str
    owner_id: int
    privacy: bool

    @property
    def identity(self) -> Identity:
        """The bot as a sender: a user without a device."""
        return Identity(self.user_id, DeviceId(0))


def bot_from_row(row: Row[Any]) -> Bot:
    return Bot(UserId(row.user_id), row.name, row.handle, row.owner_id, bool(row.privacy))


def view(row: Row[Any]) -> dict[str, Any]:
    """A bot as its owner sees it (never the token: only its hash is kept)."""
    return {
        "id": row.user_id,
        "name": row.name,
        "handle": row.handle,
        "owner": row.owner_id,
        "privacy": bool(row.privacy),
        "token_active": row.token_hash is not None,
        "webhook": row.webhook_url,
        "commands": orjson.loads(row.commands),
        "description": row.description,
        "created_at": row.created_at,
    }


def _new_token(bot_id: int) -> str:
    return f"{bot_id}:{secrets.token_urlsafe(32)}"


async def authenticate_bot(svc: Services, token: str | None) -> Bot:
    """The bot a token belongs to, or ``unauthorized`` (also for revoked and malformed ones)."""
    if not token or not TOKEN_RE.fullmatch(token):
        raise LianxinError(Code.unauthorized, "invalid token specified")
    async with svc.db.read() as conn:
        row = await store.bot_by_token_hash(conn, hash_token(token))
    if row is None or str(row.user_id) != token.split(":", 1)[0]:
        raise LianxinError(Code.unauthorized, "invalid token specified")
    return bot_from_row(row)


async def access_owner(svc: Services, who: str) -> Identity:
    """The user an operator names by Lianxin ID or user id (``lianxin bot create --owner``)."""
    async with svc.db.read() as conn:
        if who.isdigit():
            row = await accounts_store.get_user(conn, int(who))
        else:
            row = await accounts_store.get_user_by_handle(conn, who.lstrip("@"))
    if row is None or row.is_bot:
        raise LianxinError(Code.not_found, f"no user {who!r} (give a Lianxin ID or a user id)")
    return Identity(UserId(row.id), DeviceId(0))


async def do_create_bot(
    svc: Services, owner: Identity, name: str, handle: str | None = None
) -> dict[str, Any]:
    """A new bot owned by ``owner``; returns its view and its token (shown only now)."""
    name = check_name(name)
    if handle is not None:
        handle = check_handle(handle)
    now = svc.clock.now_ms()
    try:
        async with svc.db.write() as conn:
            owner_row = await accounts_store.get_user(conn, owner.user_id)
            if owner_row is None or owner_row.is_bot:
                raise LianxinError(Code.not_allowed, "bots cannot own bots")
            bot_id = await accounts_store.insert_user_txn(
                conn,
                phone=f"bot:{secrets.token_hex(8)}",
                name=name,
                stranger_messages=True,
                now=now,
            )
            values = {"is_bot": True, "find_by_phone": False, "handle": handle or f"bot{bot_id}"}
            await accounts_store.update_user_txn(conn, bot_id, values, now)
            token = _new_token(bot_id)
            await store.insert_bot_txn(
                conn, user_id=bot_id, owner_id=owner.user_id, token_hash=hash_token(token), now=now
            )
            row = await store.get_bot(conn, bot_id)
    except IntegrityError:
        raise LianxinError(Code.handle_taken, "this Lianxin ID is taken") from None
    assert row is not None
    return {"bot": view(row), "token": token}


async def list_bots(svc: Services, owner: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        return [view(r) for r in await store.bots_of(conn, owner.user_id)]


async def _owned_txn(conn: AsyncConnection, owner: Identity, bot_id: int) -> Row[Any]:
    """The owner's bot, locked; someone else's bot does not exist for them."""
    row = await store.lock_bot_txn(conn, bot_id)
    if row is None or row.owner_id != owner.user_id:
        raise LianxinError(Code.not_found, "you have no such bot")
    return row


async def do_rotate_token(svc: Services, owner: Identity, bot_id: int) -> str:
    """A fresh token; the old one stops working at once. Also revives a revoked bot."""
    async with svc.db.write() as conn:
        await _owned_txn(conn, owner, bot_id)
        token = _new_token(bot_id)
        await store.update_bot_txn(
            conn, bot_id, {"token_hash": hash_token(token)}, svc.clock.now_ms()
        )
    return token


async def do_revoke_token(svc: Services, owner: Identity, bot_id: int) -> None:
    """No token works until the next rotation; the webhook stops too."""
    async with svc.db.write() as conn:
        await _owned_txn(conn, owner, bot_id)
        values = {"token_hash": None, "webhook_url": None, "webhook_key": None}
        await store.update_bot_txn(conn, bot_id, values, svc.clock.now_ms())


async def do_update_bot(
    svc: Services, owner: Identity, bot_id: int, *, privacy: bool | None = None
) -> dict[str, Any]:
    """Owner settings: privacy mode (in groups, see only commands, mentions and replies)."""
    async with svc.db.write() as conn:
        await _owned_txn(conn, owner, bot_id)
        if privacy is not None:
            await store.update_bot_txn(conn, bot_id, {"privacy": privacy}, svc.clock.now_ms())
        row = await store.get_bot(conn, bot_id)
    assert row is not None
    return view(row)


DESCRIPTION_MAX = 512


async def do_set_description(
    svc: Services, owner: Identity, bot_id: int, description: str
) -> dict[str, Any]:
    """What users read about the bot before they start it (up to 512 characters)."""
    description = description.strip()
    if len(description) > DESCRIPTION_MAX or "\x00" in description:
        raise LianxinError(
            Code.bad_request, f"a description is at most {DESCRIPTION_MAX} characters"
        )
    async with svc.db.write() as conn:
        await _owned_txn(conn, owner, bot_id)
        await store.update_bot_txn(conn, bot_id, {"description": description}, svc.clock.now_ms())
        row = await store.get_bot(conn, bot_id)
    assert row is not None
    return view(row)


async def access_owned_bot(svc: Services, owner: Identity, bot_id: int) -> Bot:
    """The owner's bot, to act as it (e.g. set its commands); others' bots: not_found."""
    async with svc.db.read() as conn:
        row = await store.get_bot(conn, bot_id)
    if row is None or row.owner_id != owner.user_id:
        raise LianxinError(Code.not_found, "you have no such bot")
    return bot_from_row(row)


async def do_delete_bot(svc: Services, owner: Identity, bot_id: int) -> None:
    """Delete a bot for good: its token, webhook and queued updates go, its Lianxin ID is
    freed; the account stays (as a deleted bot) so chat history keeps its sender."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await _owned_txn(conn, owner, bot_id)
        await store.delete_bot_txn(conn, bot_id)
        values = {"handle": None, "name": "Deleted bot", "find_by_handle": False}
        await accounts_store.update_user_txn(conn, bot_id, values, now)


async def access_bot(svc: Services, bot_id: int) -> Row[Any]:
    """A bot anyone signed in may look up (bots are public, like their commands)."""
    async with svc.db.read() as conn:
        row = await store.get_bot(conn, bot_id)
        official = row is not None and await store.owner_of_official(conn, bot_id) is not None
    if row is None or row.token_hash is None or official:  # accounts are followed, not started
        raise LianxinError(Code.not_found, "no such bot")
    return row


async def access_commands(svc: Services, bot_id: int) -> list[dict[str, str]]:
    """The command menu a bot declared (setMyCommands), for clients to offer."""
    commands: list[dict[str, str]] = orjson.loads((await access_bot(svc, bot_id)).commands)
    return commands


async def do_start_bot(
    svc: Services, me: Identity, bot_id: int, param: str | None = None
) -> dict[str, Any]:
    """Start a bot: the direct chat with it (no friendship: anyone may start a bot), then
    ``/start [param]`` from me, which is how the bot learns about me. Returns the message."""
    if param is not None and not START_PARAM_RE.fullmatch(param):
        raise LianxinError(Code.bad_request, "a start parameter is up to 64 of A-Z a-z 0-9 _ -")
    await access_bot(svc, bot_id)
    async with svc.db.write() as conn:
        if await contacts_store.block_between(conn, me.user_id, bot_id):
            raise LianxinError(Code.blocked, "unblock this bot to start it")
        chat_id, _ = await ensure_direct_txn(conn, me.user_id, bot_id, svc.clock.now_ms())
    text = "/start" if not param else f"/start {param}"
    sent = await messages.do_send(svc, me, chat_id, client_id=uuid.uuid4().hex, text=text)
    return sent.event


async def direct_chat_with(svc: Services, bot: Bot, user_id: int) -> int:
    """The bot's private chat with a user. It exists once the user started the bot; a bot
    may also open it with someone it shares a group with. Anyone else: ``not_allowed``."""
    async with svc.db.read() as conn:
        chat = await chats_store.get_direct_chat(conn, direct_key(bot.user_id, user_id))
    if chat is not None:
        return int(chat.id)
    async with svc.db.write() as conn:
        peer = await accounts_store.get_user(conn, user_id)
        if peer is None or user_id == bot.user_id:
            raise LianxinError(Code.not_found, "chat not found")
        if not await store.share_group(conn, bot.user_id, user_id):
            raise LianxinError(Code.not_allowed, "bot can't initiate conversation with a user")
        if await contacts_store.block_between(conn, bot.user_id, user_id):
            raise LianxinError(Code.blocked, "bot was blocked by the user")
        chat_id, _ = await ensure_direct_txn(conn, bot.user_id, user_id, svc.clock.now_ms())
    return chat_id


def check_commands(commands: object) -> list[dict[str, str]]:
    """A command menu: up to 100 of {command: a-z 0-9 _ (1-32), description (1-256)}."""
    if not isinstance(commands, list) or len(commands) > COMMANDS_MAX:
        raise LianxinError(Code.bad_request, f"commands is a list of at most {COMMANDS_MAX}")
    out = []
    for item in commands:
        if not isinstance(item, dict):
            raise LianxinError(Code.bad_request, "each command is {command, description}")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not COMMAND_RE.fullmatch(command.lstrip("/")):
            raise LianxinError(Code.bad_request, "command must be 1-32 of a-z, 0-9 and _")
        if not isinstance(description, str) or not (1 <= len(description.strip()) <= 256):
            raise LianxinError(Code.bad_request, "a command description is 1-256 characters")
        out.append({"command": command.lstrip("/"), "description": description.strip()})
    return out


async def do_set_commands(svc: Services, bot: Bot, commands: object) -> None:
    checked = check_commands(commands)
    async with svc.db.write() as conn:
        await store.update_bot_txn(
            conn, bot.user_id, {"commands": orjson.dumps(checked).decode()}, svc.clock.now_ms()
        )


async def do_check_rate(svc: Services, bot: Bot, chat_id: int) -> None:
    """Per-bot flood control, shared by every node: ``bot_msgs_per_s`` overall and
    ``bot_chat_msgs_per_min`` per chat. A refused send is not counted."""
    s, now = svc.settings, svc.clock.now_ms()
    async with svc.db.write() as conn:
        hits, start = await accounts_store.throttle_take_txn(
            conn, f"bot:{bot.user_id}", window_ms=1000, now=now
        )
        if hits > s.bot_msgs_per_s:
            _too_many(start + 1000, now)
        hits, start = await accounts_store.throttle_take_txn(
            conn, f"bot:{bot.user_id}:c:{chat_id}", window_ms=60_000, now=now
        )
        if hits > s.bot_chat_msgs_per_min:
            _too_many(start + 60_000, now)


def _too_many(until_ms: int, now: int) -> None:
    wait_s = max(1, -(-(until_ms - now) // 1000))
    raise LianxinError(
        Code.rate_limited, f"too many messages; retry after {wait_s}", retry_after_s=wait_s
    )


async def do_bot_send(
    svc: Services,
    bot: Bot,
    chat_id: int,
    *,
    kind: str = "text",
    text: str | None = None,
    content: dict[str, Any] | None = None,
    reply_to: int | None = None,
    client_id: str | None = None,
    checked_rate: bool = False,
) -> dict[str, Any]:
    """Send as the bot after its rate limits (``checked_rate``: the caller counted this
    send already, e.g. before storing an upload); the stored event."""
    if not checked_rate:
        await do_check_rate(svc, bot, chat_id)
    sent = await messages.do_send(
        svc,
        bot.identity,
        chat_id,
        client_id=client_id or uuid.uuid4().hex,
        kind=kind,
        text=text,
        content=content,
        reply_to=reply_to,
    )
    return sent.event


async def list_dead_letters(svc: Services, owner: Identity, bot_id: int) -> list[dict[str, Any]]:
    """Updates the webhook gave up on, for the owner to inspect (and replay)."""
    async with svc.db.read() as conn:
        row = await store.get_bot(conn, bot_id)
        if row is None or row.owner_id != owner.user_id:
            raise LianxinError(Code.not_found, "you have no such bot")
        rows = await store.dead_updates(conn, bot_id)
    return [
        {
            "update_id": r.update_id,
            "type": r.type,
            "chat": r.chat_id,
            "seq": r.seq,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "created_at": r.created_at,
        }
        for r in rows
    ]


async def do_replay_dead_letters(svc: Services, owner: Identity, bot_id: int) -> int:
    """Queue every dead letter again (the webhook worker retries them in order)."""
    async with svc.db.write() as conn:
        await _owned_txn(conn, owner, bot_id)
        return await store.revive_dead_txn(conn, bot_id)
