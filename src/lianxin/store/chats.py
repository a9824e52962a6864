"""Chats, memberships, and the chat event log (messages + system events).

Appending to a chat's log takes the next ``seq`` from the chat row inside the same
transaction, so each chat's sequence is gap-free and strictly increasing no matter how
many nodes write to it (the row lock / SQLite's single writer serialises them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import BigInteger, Row, and_, bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from lianxin.store import contacts as contacts_store
from lianxin.store.hot import Hot, sqlite_raw
from lianxin.store.tables import chats, hidden_messages, members, messages


async def get_chat(conn: AsyncConnection, chat_id: int) -> Row[Any] | None:
    return (await conn.execute(select(chats).where(chats.c.id == chat_id))).first()


async def get_direct_chat(conn: AsyncConnection, key: str) -> Row[Any] | None:
    return (await conn.execute(select(chats).where(chats.c.direct_key == key))).first()


async def insert_chat_txn(
    conn: AsyncConnection, *, kind: str, title: str, direct_key: str | None, now: int
) -> int:
    stmt = insert(chats).values(
        kind=kind,
        title=title,
        direct_key=direct_key,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    return int((await conn.execute(stmt.returning(chats.c.id))).scalar_one())


async def lock_chat_txn(conn: AsyncConnection, chat_id: int) -> Row[Any] | None:
    """The chat row, locked until commit: writes to one chat (sends, recalls, membership
    changes) that decide on what they read take turns across nodes.

    Take it before any member row, as appending an event does. SQLite has no row locks
    (and needs none: its writers are already serialised).
    """
    stmt = select(chats).where(chats.c.id == chat_id).with_for_update()
    return (await conn.execute(stmt)).first()


async def update_chat_txn(conn: AsyncConnection, chat_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(chats).where(chats.c.id == chat_id).values(**values))


# -- members ---------------------------------------------------------------------------


# Statements on the send path are built once: SQLAlchemy then skips constructing them and
# computing their cache key on every call (the largest Python cost per message).
# On SQLite they also skip SQLAlchemy's per-execution work (``store/hot.py``).
_GET_MEMBER = Hot(
    select(members).where(
        members.c.chat_id == bindparam("chat_id"), members.c.user_id == bindparam("user_id")
    )
)


async def get_member(conn: AsyncConnection, chat_id: int, user_id: int) -> Row[Any] | None:
    return await _GET_MEMBER.first(conn, {"chat_id": chat_id, "user_id": user_id})


async def active_members(conn: AsyncConnection, chat_id: int) -> Sequence[Row[Any]]:
    stmt = (
        select(members)
        .where(members.c.chat_id == chat_id, members.c.active)
        .order_by(members.c.joined_at, members.c.user_id)
    )
    return (await conn.execute(stmt)).all()


async def active_member_ids(conn: AsyncConnection, chat_id: int) -> list[int]:
    stmt = select(members.c.user_id).where(members.c.chat_id == chat_id, members.c.active)
    return [int(x) for x in (await conn.execute(stmt)).scalars()]


async def admin_ids(conn: AsyncConnection, chat_id: int) -> list[int]:
    """The active owner and admins of a chat, in one query (never a read per member)."""
    stmt = select(members.c.user_id).where(
        members.c.chat_id == chat_id, members.c.active, members.c.role.in_(("owner", "admin"))
    )
    return [int(x) for x in (await conn.execute(stmt.order_by(members.c.user_id))).scalars()]


_CHAT_IDS_OF = Hot(
    select(members.c.chat_id).where(members.c.user_id == bindparam("user_id"), members.c.active)
)


async def chat_ids_of(conn: AsyncConnection, user_id: int) -> list[int]:
    return [int(x) for x in await _CHAT_IDS_OF.scalars(conn, {"user_id": user_id})]


async def add_member_txn(
    conn: AsyncConnection, *, chat_id: int, user_id: int, role: str, joined_seq: int, now: int
) -> None:
    """Insert or re-activate a membership (someone who left can be added back)."""
    values = {
        "role": role,
        "active": True,
        "joined_seq": joined_seq,
        "left_seq": None,
        "read_seq": joined_seq,
        "delivered_seq": joined_seq,
        "joined_at": now,
        "updated_at": now,
    }
    existing = await get_member(conn, chat_id, user_id)
    if existing is None:
        await conn.execute(insert(members).values(chat_id=chat_id, user_id=user_id, **values))
    else:
        await update_member_txn(conn, chat_id, user_id, values)


async def update_member_txn(
    conn: AsyncConnection, chat_id: int, user_id: int, values: dict[str, Any]
) -> None:
    cond = and_(members.c.chat_id == chat_id, members.c.user_id == user_id)
    await conn.execute(update(members).where(cond).values(**values))


def _advance(column: str) -> Any:
    # Bind names differ from column names: an UPDATE reserves those for its SET values.
    col = members.c[column]
    seq: Any = bindparam("b_seq", type_=BigInteger)
    values: dict[str, Any] = {column: seq, "updated_at": bindparam("b_now")}
    if column == "read_seq":  # reading implies having received
        values["delivered_seq"] = case(
            (members.c.delivered_seq < seq, seq), else_=members.c.delivered_seq
        )
    cond = and_(
        members.c.chat_id == bindparam("b_chat"),
        members.c.user_id == bindparam("b_user"),
        col < seq,
        members.c.active,
    )
    return update(members).where(cond).values(**values)


_ADVANCE = {column: Hot(_advance(column)) for column in ("read_seq", "delivered_seq")}


async def advance_member_seq_txn(
    conn: AsyncConnection, chat_id: int, user_id: int, column: str, seq: int, now: int
) -> bool:
    """Move read_seq / delivered_seq forward only; True when it moved."""
    params = {"b_chat": chat_id, "b_user": user_id, "b_seq": seq, "b_now": now}
    return bool(await _ADVANCE[column].rowcount(conn, params))


def _memberships(with_since: bool) -> Hot:
    stmt = select(members).join(chats, chats.c.id == members.c.chat_id)
    stmt = stmt.where(members.c.user_id == bindparam("user_id"))
    if not with_since:
        return Hot(stmt.where(members.c.active))
    since: BindParameter[int] = bindparam("since")
    changed = (chats.c.updated_at > since) | (members.c.updated_at > since)
    return Hot(stmt.where(changed | members.c.active))


_MEMBERSHIPS = {False: _memberships(False), True: _memberships(True)}


async def memberships_of(
    conn: AsyncConnection, user_id: int, since: int | None
) -> Sequence[Row[Any]]:
    """The user's memberships.

    With ``since``: the active ones plus those where the chat or the membership changed
    after it (so devices learn about chats they left).
    """
    params = {"user_id": user_id, "since": since}
    return await _MEMBERSHIPS[since is not None].all(conn, params)


_GET_CHATS = Hot(select(chats).where(chats.c.id.in_(bindparam("ids", expanding=True))))


async def get_chats(conn: AsyncConnection, chat_ids: Iterable[int]) -> dict[int, Row[Any]]:
    ids = list(set(chat_ids))
    out: dict[int, Row[Any]] = {}
    for i in range(0, len(ids), 500):
        out.update({r.id: r for r in await _GET_CHATS.all(conn, {"ids": ids[i : i + 500]})})
    return out


async def direct_peers(
    conn: AsyncConnection, chat_ids: Iterable[int], user_id: int
) -> dict[int, Row[Any]]:
    """For direct chats: the other member's membership row, by chat id."""
    ids = list(set(chat_ids))
    out: dict[int, Row[Any]] = {}
    for i in range(0, len(ids), 500):
        params = {"ids": ids[i : i + 500], "user_id": user_id}
        out.update({r.chat_id: r for r in await _DIRECT_PEERS.all(conn, params)})
    return out


_DIRECT_PEERS = Hot(
    select(members).where(
        members.c.chat_id.in_(bindparam("ids", expanding=True)),
        members.c.user_id != bindparam("user_id"),
    )
)


async def read_stats(
    conn: AsyncConnection, chat_id: int, seq: int, sender_id: int | None
) -> tuple[int, int]:
    """(readers, audience) of event ``seq``: current members who could see it but didn't send it.

    Members who joined after it are no audience, even though their read position is past it.
    """
    read = func.count(case((members.c.read_seq >= seq, 1)))
    stmt = select(read, func.count()).where(
        members.c.chat_id == chat_id, members.c.active, members.c.joined_seq < seq
    )
    if sender_id is not None:
        stmt = stmt.where(members.c.user_id != sender_id)
    readers, audience = (await conn.execute(stmt)).one()
    return int(readers), int(audience)


# -- events ----------------------------------------------------------------------------


_CLAIM_SEQ = Hot(
    update(chats)
    .where(chats.c.id == bindparam("chat_id"))
    .values(
        last_seq=chats.c.last_seq + 1,
        updated_at=bindparam("now"),
        last_activity_at=bindparam("now"),
    )
    .returning(*chats.c)
)
_EVENT_KEYS = (
    "chat_id",
    "seq",
    "sender_id",
    "client_id",
    "kind",
    "text",
    "reply_to",
    "mentions",
    "mention_all",
    "data",
    "created_at",
)
_INSERT_EVENT = Hot(insert(messages).returning(*messages.c), _EVENT_KEYS)


async def claim_seq_txn(conn: AsyncConnection, chat_id: int, now: int) -> Row[Any] | None:
    """Take the chat's next seq: the chat row after the bump (``last_seq`` is the new seq).

    The update also locks the row until commit, like ``lock_chat_txn``. If what follows
    refuses the event, the transaction must roll back, or the seq would be a gap.
    """
    return await _CLAIM_SEQ.first(conn, {"chat_id": chat_id, "now": now})


async def next_seq_txn(conn: AsyncConnection, chat_id: int, now: int) -> int:
    chat = await claim_seq_txn(conn, chat_id, now)
    assert chat is not None
    return int(chat.last_seq)


async def append_event_txn(
    conn: AsyncConnection,
    *,
    chat_id: int,
    sender_id: int | None,
    kind: str,
    now: int,
    text: str | None = None,
    client_id: str | None = None,
    reply_to: int | None = None,
    mentions: list[int] | None = None,
    mention_all: bool = False,
    data: dict[str, Any] | None = None,
    seq: int | None = None,
) -> Row[Any]:
    """Store one event with the chat's next seq (or ``seq``, already claimed); the row."""
    if seq is None:
        seq = await next_seq_txn(conn, chat_id, now)
    params = {
        "chat_id": chat_id,
        "seq": seq,
        "sender_id": sender_id,
        "client_id": client_id,
        "kind": kind,
        "text": text,
        "reply_to": reply_to,
        "mentions": orjson.dumps(mentions).decode() if mentions else None,
        "mention_all": mention_all,
        "data": orjson.dumps(data).decode() if data else None,
        "created_at": now,
    }
    row = await _INSERT_EVENT.first(conn, params)
    assert row is not None
    return row


_CHAT = Hot(select(chats).where(chats.c.id == bindparam("chat_id")))
_CLAIM_SEQS = Hot(
    update(chats)
    .where(chats.c.id == bindparam("chat_id"))
    .values(
        last_seq=chats.c.last_seq + bindparam("n", type_=BigInteger),
        updated_at=bindparam("now"),
        last_activity_at=bindparam("now"),
    )
    .returning(chats.c.last_seq)
)
_DUP_CLIENT_IDS = Hot(
    select(messages.c.client_id).where(
        messages.c.sender_id == bindparam("sender"),
        messages.c.client_id.in_(bindparam("client_ids", expanding=True)),
    )
)
# Multi-row inserts come in a few fixed sizes, so sqlite3 caches a handful of statements.
_CHUNKS = (64, 16, 4, 1)  # 64 rows x 11 columns stays under SQLite's oldest bind limit (999)
_MANY_SQL: dict[int, str] = {}


async def chat_for_send(conn: AsyncConnection, chat_id: int) -> Row[Any] | None:
    """The chat row (``get_chat`` through ``Hot``: it runs once per chat per send batch)."""
    return await _CHAT.first(conn, {"chat_id": chat_id})


async def claim_seqs_txn(conn: AsyncConnection, chat_id: int, n: int, now: int) -> int | None:
    """Take the chat's next ``n`` seqs at once (``last_seq += n``); the first of them, or
    None if there is no such chat. Like ``claim_seq_txn`` it locks the row until commit,
    and a refusal after it must roll the transaction back."""
    top = await _CLAIM_SEQS.scalars(conn, {"chat_id": chat_id, "n": n, "now": now})
    return int(top[0]) - n + 1 if top else None


async def dup_client_ids(conn: AsyncConnection, sender: int, client_ids: list[str]) -> set[str]:
    """Which of ``client_ids`` the sender has already used (in any chat)."""
    params = {"sender": sender, "client_ids": client_ids}
    return set(await _DUP_CLIENT_IDS.scalars(conn, params))


def event_params(
    *,
    chat_id: int,
    seq: int,
    sender_id: int | None,
    kind: str,
    now: int,
    text: str | None = None,
    client_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[Any, ...]:
    """One event for ``insert_events_txn``, in ``_EVENT_KEYS`` order."""
    blob = orjson.dumps(data).decode() if data else None
    return (chat_id, seq, sender_id, client_id, kind, text, None, None, False, blob, now)


async def insert_events_txn(conn: AsyncConnection, events: list[tuple[Any, ...]]) -> list[Row[Any]]:
    """Store many events (``event_params``, seqs already claimed) with a few multi-row
    INSERTs instead of one statement each; their rows, in the same order."""
    raw = sqlite_raw(conn)
    if raw is None:  # not inside a SQLite write transaction: one statement, many rows
        keyed = [dict(zip(_EVENT_KEYS, e, strict=True)) for e in events]
        stmt = insert(messages).returning(*messages.c, sort_by_parameter_order=True)
        return list((await conn.execute(stmt, keyed)).all())
    ids: dict[tuple[int, int], int] = {}
    at = 0
    while at < len(events):
        size = next(c for c in _CHUNKS if c <= len(events) - at)
        sql = _MANY_SQL.get(size)
        if sql is None:
            one = "(" + ", ".join("?" * len(_EVENT_KEYS)) + ")"
            sql = _MANY_SQL[size] = (
                f"INSERT INTO messages ({', '.join(_EVENT_KEYS)}) VALUES "
                + ", ".join([one] * size)
                + " RETURNING id, chat_id, seq"  # RETURNING's row order is unspecified
            )
        flat = [v for e in events[at : at + size] for v in e]
        cur = raw.execute(sql, flat)
        try:
            for id_, chat_id, seq in cur.fetchall():
                ids[chat_id, seq] = id_
        finally:
            cur.close()
        at += size
    make = _INSERT_EVENT.row._make  # type: ignore[union-attr]
    # The columns after created_at (recalled_at, edited_at, reactions) start empty.
    return [make((ids[e[0], e[1]], *e, None, None, None)) for e in events]


_BY_CLIENT_ID = Hot(
    select(messages).where(
        messages.c.sender_id == bindparam("sender_id"),
        messages.c.client_id == bindparam("client_id"),
    )
)


async def event_by_client_id(
    conn: AsyncConnection, sender_id: int, client_id: str
) -> Row[Any] | None:
    params = {"sender_id": sender_id, "client_id": client_id}
    return await _BY_CLIENT_ID.first(conn, params)


def _send_checks(direct: bool) -> Hot:
    dup = select(messages.c.id).where(
        messages.c.sender_id == bindparam("sender"),
        messages.c.client_id == bindparam("client_id"),
    )
    cols: list[Any] = [
        members.c.chat_id,
        members.c.role,
        members.c.active,
        members.c.joined_seq,
        dup.scalar_subquery().label("dup_id"),
    ]
    if direct:
        cols.extend(contacts_store.standing_columns("sender", "peer"))
    where = (members.c.chat_id == bindparam("chat_id"), members.c.user_id == bindparam("sender"))
    return Hot(select(*cols).where(*where))


_SEND_CHECKS = {False: _send_checks(False), True: _send_checks(True)}


async def send_checks(
    conn: AsyncConnection, chat_id: int, sender: int, client_id: str, peer: int | None
) -> Row[Any] | None:
    """What a send decides on, in one query: the sender's membership (``chat_id``,
    ``role``, ``active``, ``joined_seq``), ``dup_id`` (a stored message with this client
    id, any chat) and, with a direct chat's ``peer``, the pair's standing (``a_blocked_b``,
    ``b_blocked_a``, ``friends``, as ``store.contacts.standing``). None: no membership."""
    params: dict[str, Any] = {"chat_id": chat_id, "sender": sender, "client_id": client_id}
    if peer is not None:
        params["peer"] = peer
    return await _SEND_CHECKS[peer is not None].first(conn, params)


async def get_event(conn: AsyncConnection, chat_id: int, seq: int) -> Row[Any] | None:
    stmt = select(messages).where(messages.c.chat_id == chat_id, messages.c.seq == seq)
    return (await conn.execute(stmt)).first()


async def events_between(
    conn: AsyncConnection,
    chat_id: int,
    *,
    after: int,
    upto: int,
    limit: int,
    newest_first: bool,
    hidden_for: int | None = None,
) -> list[Row[Any]]:
    """Events with after < seq <= upto, oldest first in the result either way.

    ``newest_first`` picks which end of the range the ``limit`` keeps.
    """
    stmt = select(messages).where(
        messages.c.chat_id == chat_id, messages.c.seq > after, messages.c.seq <= upto
    )
    if hidden_for is not None:
        hidden = select(hidden_messages.c.seq).where(
            hidden_messages.c.user_id == hidden_for, hidden_messages.c.chat_id == chat_id
        )
        stmt = stmt.where(messages.c.seq.not_in(hidden))
    order = messages.c.seq.desc() if newest_first else messages.c.seq.asc()
    rows = list((await conn.execute(stmt.order_by(order).limit(limit))).all())
    if newest_first:
        rows.reverse()
    return rows


_CATCHUP = Hot(
    select(messages)
    .where(
        messages.c.chat_id == bindparam("chat_id"),
        messages.c.seq > bindparam("after"),
        messages.c.seq <= bindparam("upto"),
        messages.c.seq.not_in(
            select(hidden_messages.c.seq).where(
                hidden_messages.c.user_id == bindparam("user_id"),
                hidden_messages.c.chat_id == bindparam("chat_id"),
            )
        ),
    )
    .order_by(messages.c.seq)
    .limit(bindparam("limit"))
)


async def catchup_events(
    conn: AsyncConnection, chat_id: int, *, after: int, upto: int, limit: int, user_id: int
) -> list[Row[Any]]:
    """``events_between(..., newest_first=False, hidden_for=user_id)``, prebuilt: the
    resume of every reconnecting device reads its pages with it."""
    params = {"chat_id": chat_id, "after": after, "upto": upto, "limit": limit, "user_id": user_id}
    return await _CATCHUP.all(conn, params)


_LAST_OF_MEMBERS = Hot(
    select(messages)
    .select_from(
        members.join(chats, chats.c.id == members.c.chat_id).join(
            messages,
            and_(
                messages.c.chat_id == members.c.chat_id,
                messages.c.seq
                == case((members.c.active, chats.c.last_seq), else_=members.c.left_seq),
            ),
        )
    )
    .where(
        members.c.user_id == bindparam("user_id"),
        members.c.chat_id.in_(bindparam("ids", expanding=True)),
    )
)


async def last_events_of(
    conn: AsyncConnection, user_id: int, chat_ids: Iterable[int]
) -> dict[int, Row[Any]]:
    """Per chat of the user: the newest event they can see (the chat's newest, or the
    last before they left), for chat-list previews; one prebuilt query."""
    ids = list(set(chat_ids))
    out: dict[int, Row[Any]] = {}
    for i in range(0, len(ids), 500):
        params = {"user_id": user_id, "ids": ids[i : i + 500]}
        out.update({r.chat_id: r for r in await _LAST_OF_MEMBERS.all(conn, params)})
    return out


async def recall_event_txn(conn: AsyncConnection, event_id: int, now: int) -> None:
    stmt = (
        update(messages)
        .where(messages.c.id == event_id)
        .values(recalled_at=now, text=None, mentions=None, mention_all=False, data=None)
    )
    await conn.execute(stmt)


_UNREAD_COUNTS = Hot(
    select(messages.c.chat_id, func.count().label("n"))
    .select_from(
        members.join(
            messages,
            and_(messages.c.chat_id == members.c.chat_id, messages.c.seq > members.c.read_seq),
        )
    )
    .where(
        members.c.user_id == bindparam("user_id"),
        members.c.active,
        messages.c.kind != "system",
        messages.c.recalled_at.is_(None),
        messages.c.sender_id != bindparam("user_id"),
    )
    .group_by(messages.c.chat_id)
)


async def unread_counts(conn: AsyncConnection, user_id: int) -> dict[int, int]:
    """Per chat: messages from others after the user's read position."""
    rows = await _UNREAD_COUNTS.all(conn, {"user_id": user_id})
    return {int(r.chat_id): int(r.n) for r in rows}


# -- delete for me ---------------------------------------------------------------------


async def hide_event_txn(
    conn: AsyncConnection, user_id: int, chat_id: int, seq: int, now: int
) -> bool:
    stmt = select(hidden_messages.c.seq).where(
        hidden_messages.c.user_id == user_id,
        hidden_messages.c.chat_id == chat_id,
        hidden_messages.c.seq == seq,
    )
    if (await conn.execute(stmt)).first() is not None:
        return False
    values = {"user_id": user_id, "chat_id": chat_id, "seq": seq, "created_at": now}
    await conn.execute(insert(hidden_messages).values(**values))
    return True


_HIDDEN_SINCE = Hot(
    select(hidden_messages).where(
        hidden_messages.c.user_id == bindparam("user_id"),
        hidden_messages.c.created_at > bindparam("since"),
    )
)


async def hidden_since(conn: AsyncConnection, user_id: int, since: int) -> Sequence[Row[Any]]:
    """Delete-for-me marks since a sync token: every resume reads them, so prebuilt."""
    return await _HIDDEN_SINCE.all(conn, {"user_id": user_id, "since": since})
