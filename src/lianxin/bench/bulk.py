"""Bench seeding in bulk: the rows the account and friendship actions write, a few
multi-row statements per chunk instead of ~15 statements (and their Python) per user.

What one call writes, per user: ``users`` and a ``cli`` device with a fresh token (as
``accounts.do_create_user``); per pair (a, b): an accepted request from a to b, the two
``friends`` rows, their direct chat with both ``members`` and its "friends" system event
at seq 1 (as ``contacts.do_send_request`` + ``do_accept_request``). Nothing is published:
nobody is connected while the bench seeds. Left out because a bench never needs them:
the sign-up's address-book claim (the numbers are fresh) and bot bookkeeping (no bots).
``tests/test_bench.py`` checks that the rows equal what the actions write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import _new_token, hash_token
from lianxin.actions.chats import direct_key
from lianxin.store.tables import (
    chats,
    devices,
    friend_requests,
    friends,
    members,
    messages,
    users,
)


@dataclass(frozen=True, slots=True)
class Account:
    token: str
    user_id: int
    device_id: int


async def create_users(
    conn: AsyncConnection,
    phones: Sequence[str],
    names: Sequence[str],
    *,
    stranger_messages: bool,
    now: int,
) -> list[Account]:
    """Accounts with one device each, in the order of ``phones``."""
    user_rows = [
        {
            "phone": p,
            "name": n,
            "stranger_messages": stranger_messages,
            "created_at": now,
            "updated_at": now,
        }
        for p, n in zip(phones, names, strict=True)
    ]
    stmt = insert(users).returning(users.c.id, sort_by_parameter_order=True)
    user_ids = [int(i) for i in (await conn.execute(stmt, user_rows)).scalars()]
    tokens = [_new_token() for _ in user_ids]
    device_rows = [
        {
            "user_id": u,
            "token_hash": hash_token(t),
            "name": "cli",
            "ip": None,
            "created_at": now,
            "last_active_at": now,
        }
        for u, t in zip(user_ids, tokens, strict=True)
    ]
    stmt = insert(devices).returning(devices.c.id, sort_by_parameter_order=True)
    device_ids = [int(i) for i in (await conn.execute(stmt, device_rows)).scalars()]
    return [Account(*row) for row in zip(tokens, user_ids, device_ids, strict=True)]


async def befriend(
    conn: AsyncConnection, pairs: Sequence[tuple[int, int]], greeting: str, *, now: int
) -> list[int]:
    """Each (a, b) of user ids becomes friends, a having asked b; their direct chat ids.

    The pairs are new to each other (no earlier request, friendship or chat).
    """
    if not pairs:
        return []
    await conn.execute(
        insert(friend_requests),
        [
            {
                "from_id": a,
                "to_id": b,
                "greeting": greeting,
                "state": "accepted",
                "created_at": now,
                "updated_at": now,
            }
            for a, b in pairs
        ],
    )
    await conn.execute(
        insert(friends),
        [
            {"user_id": x, "friend_id": y, "active": True, "since": now, "updated_at": now}
            for a, b in pairs
            for x, y in ((a, b), (b, a))
        ],
    )
    chat_rows = [
        {
            "kind": "direct",
            "title": "",
            "direct_key": direct_key(a, b),
            "last_seq": 1,  # the "friends" event below
            "member_count": 2,
            "created_at": now,
            "updated_at": now,
            "last_activity_at": now,
        }
        for a, b in pairs
    ]
    stmt = insert(chats).returning(chats.c.id, sort_by_parameter_order=True)
    chat_ids = [int(i) for i in (await conn.execute(stmt, chat_rows)).scalars()]
    await conn.execute(
        insert(members),
        [
            {
                "chat_id": chat,
                "user_id": user,
                "role": "member",
                "active": True,
                "joined_seq": 0,
                "left_seq": None,
                "read_seq": 0,
                "delivered_seq": 0,
                "joined_at": now,
                "updated_at": now,
            }
            for chat, pair in zip(chat_ids, pairs, strict=True)
            for user in pair
        ],
    )
    await conn.execute(
        insert(messages),
        [
            {
                "chat_id": chat,
                "seq": 1,
                "sender_id": None,
                "client_id": None,
                "kind": "system",
                "text": None,
                "reply_to": None,
                "mentions": None,
                "mention_all": False,
                "data": orjson.dumps({"type": "friends", "users": [a, b]}).decode(),
                "created_at": now,
            }
            for chat, (a, b) in zip(chat_ids, pairs, strict=True)
        ],
    )
    return chat_ids
