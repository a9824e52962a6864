"""Sending, recalling, forwarding and reading messages.

Send is the hot path: one write transaction assigns the chat's next seq and stores the
message once (no per-recipient rows); the ack and the fan-out happen after commit.
A repeated client id returns the stored message instead of creating a twin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import (
    bot_fanout,
    kinds,
    media_messages,
    previews,
    reactions,
    shared_kinds,
    views,
)
from lianxin.actions.accounts import Identity
from lianxin.actions.chats import (
    access_member,
    access_readable,
    check_direct_allowed,
    publish_event,
)
from lianxin.actions.receipts import receipts_hidden
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import chats as store
from lianxin.store import extras

CLIENT_ID_MAX = 64
HISTORY_MAX = 200


class _Duplicate(Exception):
    """A resend of a stored message: leaves the write scope so nothing it did is kept."""

    def __init__(self, row: Row[Any]) -> None:
        self.row = row


@dataclass(frozen=True, slots=True)
class Sent:
    event: dict[str, Any]
    duplicate: bool


def check_client_id(client_id: str) -> str:
    if not isinstance(client_id, str) or not (1 <= len(client_id) <= CLIENT_ID_MAX):
        raise LianxinError(Code.bad_request, f"client id is 1 to {CLIENT_ID_MAX} characters")
    return client_id


async def do_send(
    svc: Services,
    me: Identity,
    chat_id: int,
    *,
    client_id: str,
    kind: str = "text",
    text: str | None = None,
    content: dict[str, Any] | None = None,
    reply_to: int | None = None,
    mentions: list[int] | None = None,
    mention_all: bool = False,
    session_id: str | None = None,
    forwarded: dict[str, Any] | None = None,
) -> Sent:
    """Store a message of any sendable kind durably, then fan it out. Idempotent per client id.

    The kind's check (``actions/kinds.py``) turns ``text`` + ``content`` into what is stored.

    The chat row is locked first, so sends to one chat take turns for the whole check:
    a resend racing its original finds it instead of failing on the unique client id,
    and a member removed meanwhile is refused instead of posting after their removal.
    """
    client_id = check_client_id(client_id)
    check = kinds.content_check(kind)
    draft = kinds.Draft(chat_id=chat_id, text=text, content=content)
    now = svc.clock.now_ms()
    texts = svc.db.pg_texts
    if (
        texts is not None
        and _plain_text(svc, kind, text, content)
        and not (reply_to or mentions or mention_all or forwarded)
    ):
        # PostgreSQL: the common case, sends batched into one call (``store/pg_send.py``);
        # None leaves it to the code below.
        fast = await texts.send(chat_id, me.user_id, client_id, text or "", now)
        if fast is not None:
            event = views.event(fast)
            await publish_event(svc, fast, exclude=session_id, event=event)
            previews.schedule(svc, fast)
            return Sent(event, duplicate=False)
    try:
        async with svc.db.write() as conn:
            # Bumping the seq first locks the chat row; any refusal below (a duplicate
            # included) rolls the transaction back, so a refused send leaves no gap.
            chat = await store.claim_seq_txn(conn, chat_id, now)
            peer = None
            if chat is not None and chat.kind == "direct":
                lo, hi = chat.direct_key.split(":")
                peer = int(hi) if int(lo) == me.user_id else int(lo)
            # Membership, a stored message with this client id and (direct) the pair's
            # blocks and friendship, in one query.
            member = await store.send_checks(conn, chat_id, me.user_id, client_id, peer)
            if member is None or member.dup_id is not None:
                dup = await store.event_by_client_id(conn, me.user_id, client_id)
                if dup is not None:
                    raise _Duplicate(dup)
            if member is None or not member.active:
                raise LianxinError(Code.not_member, "no such chat")
            assert chat is not None
            if peer is not None:
                await check_direct_allowed(conn, me.user_id, peer, standing=member)
                mentions, mention_all = None, False
            reply = await _check_reply(conn, member, reply_to) if reply_to is not None else None
            if mentions:
                mentions = await _check_mentions(conn, chat_id, mentions)
            if mention_all and member.role not in ("owner", "admin"):
                raise LianxinError(
                    Code.not_allowed, "only the owner or admins can mention everyone"
                )
            checked = await check(conn, svc, me, draft)
            data = dict(checked.data or {})
            if forwarded:
                data["forwarded"] = forwarded
            if reply is not None:
                data["reply"] = reply
            row = await store.append_event_txn(
                conn,
                chat_id=chat_id,
                seq=int(chat.last_seq),
                sender_id=me.user_id,
                kind=kind,
                now=now,
                text=checked.text,
                client_id=client_id,
                reply_to=reply_to,
                mentions=mentions or None,
                mention_all=mention_all,
                data=data or None,
            )
            await store.advance_member_seq_txn(conn, chat_id, me.user_id, "read_seq", row.seq, now)
            owners: list[tuple[int, int]] = []
            if chat.bot_ids:  # the bots' updates take their place in line now (bot_fanout)
                owners = await bot_fanout.message_txn(conn, chat, row, now)
    except _Duplicate as dup:
        if dup.row.chat_id != chat_id:
            raise LianxinError(Code.conflict, "this client id was used for another chat") from None
        return Sent(views.event(dup.row), duplicate=True)
    # The first event of a direct chat opened without one (a bot started, a stranger
    # written to) subscribes both sides' sessions to the chat.
    first = chat.kind == "direct" and row.seq == 1
    joined = [int(u) for u in chat.direct_key.split(":")] if first else []
    event = views.event(row)
    await publish_event(svc, row, exclude=session_id, joined=joined, event=event)
    if owners:
        await bot_fanout.publish_to_owners(svc.bus, owners, row)
    previews.schedule(svc, row)  # fetched in the background, after the ack
    return Sent(event, duplicate=False)


def _plain_text(svc: Services, kind: str, text: str | None, content: Any) -> bool:
    """A text message that ``kinds.check_text_kind`` accepts as it is."""
    if kind != "text" or content is not None:
        return False
    try:
        kinds.check_text(text, svc.settings.text_limit)
    except LianxinError:
        return False  # refused below, in the general path's order of checks
    return True


async def _check_reply(conn: AsyncConnection, member: Row[Any], seq: int) -> dict[str, Any]:
    """A reply points at an event of this chat that the sender can see; returns the
    preview of it that the reply carries."""
    target = await store.get_event(conn, member.chat_id, seq)
    if target is None or target.seq <= member.joined_seq:
        raise LianxinError(Code.not_found, "the message you reply to does not exist")
    return shared_kinds.reply_preview(target)


async def _check_mentions(conn: AsyncConnection, chat_id: int, mentions: list[int]) -> list[int]:
    """Mentioned users, deduplicated and sorted; each must be a current member."""
    present = set(await store.active_member_ids(conn, chat_id))
    if any(m not in present for m in mentions):
        raise LianxinError(Code.bad_request, "you can only mention members of this chat")
    return sorted(set(mentions))


async def do_recall(
    svc: Services, me: Identity, chat_id: int, seq: int, *, session_id: str | None = None
) -> dict[str, Any]:
    """Take back a message within the recall window (group owners / admins: anyone's)."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat = await store.lock_chat_txn(conn, chat_id)  # racing recalls: one wins, one conflicts
        member = await access_member(conn, chat_id, me.user_id)
        assert chat is not None
        target = await store.get_event(conn, chat_id, seq)
        if target is None or target.seq <= member.joined_seq or target.kind == "system":
            raise LianxinError(Code.not_found, "no such message")
        if target.recalled_at is not None:
            raise LianxinError(Code.conflict, "this message was already recalled")
        is_admin = chat.kind == "group" and member.role in ("owner", "admin")
        if target.sender_id != me.user_id and not is_admin:
            raise LianxinError(Code.not_allowed, "you can only recall your own messages")
        if now - target.created_at > svc.settings.recall_window_s * 1000:
            raise LianxinError(Code.recall_expired, "messages can only be recalled for 2 minutes")
        await store.recall_event_txn(conn, target.id, now)
        await extras.forget_edits_txn(conn, chat_id, seq)
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={"type": "recall", "by": me.user_id, "seq": seq, "sender": target.sender_id},
        )
    await publish_event(svc, event, exclude=session_id)
    return views.event(event)


async def do_delete_for_me(svc: Services, me: Identity, chat_id: int, seq: int) -> None:
    """Hide an event I can read from my own history; every device of mine is told."""
    async with svc.db.write() as conn:
        member, upto = await access_readable(conn, chat_id, me.user_id)
        target = await store.get_event(conn, chat_id, seq)
        if target is None or not (member.joined_seq < seq <= upto):
            raise LianxinError(Code.not_found, "no such message")
        await store.hide_event_txn(conn, me.user_id, chat_id, seq, svc.clock.now_ms())
    await publish.to_users(svc.bus, [me.user_id], {"t": "hidden", "chat": chat_id, "seq": seq})


async def do_forward(
    svc: Services,
    me: Identity,
    from_chat: int,
    seq: int,
    to_chat: int,
    *,
    client_id: str,
    session_id: str | None = None,
) -> Sent:
    """Send a copy of a message I can read into another chat I belong to (any sendable kind)."""
    async with svc.db.read() as conn:
        member, upto = await access_readable(conn, from_chat, me.user_id)
        source = await store.get_event(conn, from_chat, seq)
    if (
        source is None
        or not (member.joined_seq < seq <= upto)
        or source.kind not in kinds.KINDS
        or source.recalled_at is not None
    ):
        raise LianxinError(Code.not_found, "no such message")
    origin = {"chat": from_chat, "seq": seq, "from": source.sender_id, "ts": source.created_at}
    # The copy goes through its kind's check again, with the stored data as its content:
    # e.g. a photo is re-sent by reference (no re-upload) only if I may read that photo.
    content = kinds.forward_content(source)
    return await do_send(
        svc,
        me,
        to_chat,
        client_id=client_id,
        kind=source.kind,
        text=source.text,
        content=content,
        session_id=session_id,
        forwarded=origin,
    )


async def _receipt_chat_txn(
    conn: AsyncConnection, chat_id: int, user_id: int
) -> tuple[Row[Any], Row[Any]]:
    """The chat a read / delivered mark is for and my membership, after checking I belong.

    A mark in a direct chat also bumps the chat row. A send locks the chat row before the
    sender's member row, so marks take that lock first too: the other order deadlocks when
    one device sends while another device of the same user marks the chat read.
    """
    member = await access_member(conn, chat_id, user_id)
    chat = await store.get_chat(conn, chat_id)
    if chat is not None and chat.kind == "direct":
        chat = await store.lock_chat_txn(conn, chat_id)
    assert chat is not None
    return chat, member


async def do_mark_read(
    svc: Services, me: Identity, chat_id: int, seq: int, *, session_id: str | None = None
) -> int:
    """Move my read position forward (clamped to the newest event); returns where it is now.

    Direct chats tell the peer (read receipt); groups tell my other devices, and the
    senders of the messages I passed hear about it coalesced (``actions/read_counts.py``).
    """
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat, member = await _receipt_chat_txn(conn, chat_id, me.user_id)
        seq = min(seq, int(chat.last_seq))
        moved = await store.advance_member_seq_txn(conn, chat_id, me.user_id, "read_seq", seq, now)
        if moved and chat.kind == "direct":
            # The peer's chat list shows my read position: bump the chat for their sync.
            await store.update_chat_txn(conn, chat_id, {"updated_at": now})
        if not moved:
            current = await store.get_member(conn, chat_id, me.user_id)
            assert current is not None
            return int(current.read_seq)
        hidden = await receipts_hidden(conn, chat_id, me.user_id)
    frame = {"t": "read", "chat": chat_id, "user": me.user_id, "seq": seq}
    if chat.kind == "direct" and not hidden:
        await publish.to_chat(svc.bus, chat_id, frame, exclude=session_id)
    else:
        await publish.to_users(svc.bus, [me.user_id], frame, exclude=session_id)
    if chat.kind == "group" and svc.read_counts is not None:
        svc.read_counts.note(chat_id, int(member.read_seq), seq)
    return seq


async def do_mark_delivered(svc: Services, me: Identity, chat_id: int, seq: int) -> None:
    """Direct chats only: the recipient's device has the message (the second tick)."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat, _ = await _receipt_chat_txn(conn, chat_id, me.user_id)
        if chat.kind != "direct":
            return
        seq = min(seq, int(chat.last_seq))
        moved = await store.advance_member_seq_txn(
            conn, chat_id, me.user_id, "delivered_seq", seq, now
        )
        if moved:
            await store.update_chat_txn(conn, chat_id, {"updated_at": now})
    if moved:
        frame = {"t": "delivered", "chat": chat_id, "user": me.user_id, "seq": seq}
        await publish.to_chat(svc.bus, chat_id, frame)


async def history(
    svc: Services,
    me: Identity,
    chat_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """A page of events, either direction from any point, within what I may read.

    ``before`` (exclusive) pages back from there (default: from the newest);
    ``after`` (exclusive) pages forward. ``more`` says whether the page was cut short.
    """
    if before is not None and after is not None:
        raise LianxinError(Code.bad_request, "use before or after, not both")
    limit = max(1, min(limit, HISTORY_MAX))
    async with svc.db.read() as conn:
        member, upto = await access_readable(conn, chat_id, me.user_id)
        floor = int(member.joined_seq)
        if after is not None:
            lo, hi, newest_first = max(after, floor), upto, False
        else:
            lo, hi, newest_first = floor, upto if before is None else min(before - 1, upto), True
        rows = await store.events_between(
            conn,
            chat_id,
            after=lo,
            upto=hi,
            limit=limit + 1,
            newest_first=newest_first,
            hidden_for=me.user_id,
        )
        more = len(rows) > limit
        if more:
            rows = rows[1:] if newest_first else rows[:-1]
        events = await reactions.add_mine(conn, chat_id, me.user_id, [views.event(r) for r in rows])
        events = await media_messages.add_my_marks(conn, chat_id, me.user_id, events)
    return {"chat": chat_id, "events": events, "more": more}


async def read_receipts(svc: Services, me: Identity, chat_id: int, seq: int) -> dict[str, int]:
    """How many of the members who could see ``seq`` (not its sender) have read it."""
    async with svc.db.read() as conn:
        member, upto = await access_readable(conn, chat_id, me.user_id)
        target = await store.get_event(conn, chat_id, seq)
        if target is None or not (member.joined_seq < seq <= upto):
            raise LianxinError(Code.not_found, "no such message")
        read, audience = await store.read_stats(conn, chat_id, seq, target.sender_id)
        if await receipts_hidden(conn, chat_id, me.user_id):
            read = 0
    return {"seq": seq, "read": read, "members": audience}


async def do_typing(svc: Services, me: Identity, chat_id: int, *, session_id: str) -> None:
    async with svc.db.read() as conn:
        await access_member(conn, chat_id, me.user_id)
    frame = {"t": "typing", "chat": chat_id, "user": me.user_id}
    await publish.to_chat(svc.bus, chat_id, frame, exclude=session_id)
