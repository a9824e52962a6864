"""QR tokens (personal codes, group invites), group join approval and requests, and
web sign-in codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.discovery import group_join_requests, group_settings, login_qr, qr_tokens
from lianxin.store.tables import members


async def get_token(conn: AsyncConnection, token: str) -> Row[Any] | None:
    return (await conn.execute(select(qr_tokens).where(qr_tokens.c.token == token))).first()


async def live_token(conn: AsyncConnection, kind: str, target: int, now: int) -> Row[Any] | None:
    """The newest unrevoked, unexpired token of this kind for this target."""
    stmt = (
        select(qr_tokens)
        .where(
            qr_tokens.c.kind == kind,
            qr_tokens.c.target_id == target,
            qr_tokens.c.revoked_at.is_(None),
            or_(qr_tokens.c.expires_at.is_(None), qr_tokens.c.expires_at > now),
        )
        .order_by(qr_tokens.c.created_at.desc())
    )
    return (await conn.execute(stmt.limit(1))).first()


async def insert_token_txn(
    conn: AsyncConnection,
    *,
    token: str,
    kind: str,
    target: int,
    by: int,
    now: int,
    expires_at: int | None,
) -> None:
    await conn.execute(
        insert(qr_tokens).values(
            token=token,
            kind=kind,
            target_id=target,
            created_by=by,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def revoke_tokens_txn(conn: AsyncConnection, kind: str, target: int, now: int) -> int:
    stmt = (
        update(qr_tokens)
        .where(
            qr_tokens.c.kind == kind,
            qr_tokens.c.target_id == target,
            qr_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return int((await conn.execute(stmt)).rowcount)


# -- group join approval ---------------------------------------------------------------


async def join_approval(conn: AsyncConnection, chat_id: int) -> bool:
    stmt = select(group_settings.c.join_approval).where(group_settings.c.chat_id == chat_id)
    return bool((await conn.execute(stmt)).scalar())


async def set_join_approval_txn(conn: AsyncConnection, chat_id: int, on: bool, now: int) -> None:
    stmt = update(group_settings).where(group_settings.c.chat_id == chat_id)
    if not (await conn.execute(stmt.values(join_approval=on, updated_at=now))).rowcount:
        await conn.execute(
            insert(group_settings).values(chat_id=chat_id, join_approval=on, updated_at=now)
        )


async def get_join_request(conn: AsyncConnection, request_id: int) -> Row[Any] | None:
    stmt = select(group_join_requests).where(group_join_requests.c.id == request_id)
    return (await conn.execute(stmt)).first()


async def pending_join(conn: AsyncConnection, chat_id: int, user_id: int) -> Row[Any] | None:
    stmt = select(group_join_requests).where(
        group_join_requests.c.chat_id == chat_id,
        group_join_requests.c.user_id == user_id,
        group_join_requests.c.state == "pending",
    )
    return (await conn.execute(stmt)).first()


async def insert_join_request_txn(
    conn: AsyncConnection, chat_id: int, user_id: int, now: int
) -> int:
    stmt = insert(group_join_requests).values(
        chat_id=chat_id, user_id=user_id, state="pending", created_at=now, updated_at=now
    )
    return int((await conn.execute(stmt.returning(group_join_requests.c.id))).scalar_one())


async def decide_join_request_txn(
    conn: AsyncConnection, request_id: int, state: str, by: int, now: int
) -> None:
    stmt = update(group_join_requests).where(group_join_requests.c.id == request_id)
    await conn.execute(stmt.values(state=state, decided_by=by, updated_at=now))


async def pending_joins(conn: AsyncConnection, chat_id: int) -> Sequence[Row[Any]]:
    stmt = (
        select(group_join_requests)
        .where(group_join_requests.c.chat_id == chat_id, group_join_requests.c.state == "pending")
        .order_by(group_join_requests.c.id)
    )
    return (await conn.execute(stmt)).all()


async def pending_joins_run_by(conn: AsyncConnection, user_id: int) -> Sequence[Row[Any]]:
    """Pending requests in every group the user owns or is an admin of, in one query."""
    gjr = group_join_requests
    stmt = (
        select(gjr)
        .join(members, members.c.chat_id == gjr.c.chat_id)
        .where(
            members.c.user_id == user_id,
            members.c.active.is_(True),
            members.c.role.in_(("owner", "admin")),
            gjr.c.state == "pending",
        )
        .order_by(gjr.c.id)
    )
    return (await conn.execute(stmt)).all()


# -- web sign-in -------------------------------------------------------------------------


async def insert_login_txn(
    conn: AsyncConnection, *, token: str, secret_hash: str, device: str, now: int, expires_at: int
) -> None:
    await conn.execute(
        insert(login_qr).values(
            token=token,
            secret_hash=secret_hash,
            device_name=device,
            state="pending",
            created_at=now,
            expires_at=expires_at,
        )
    )


async def get_login(conn: AsyncConnection, token: str) -> Row[Any] | None:
    return (await conn.execute(select(login_qr).where(login_qr.c.token == token))).first()


async def lock_login_txn(conn: AsyncConnection, token: str) -> Row[Any] | None:
    """The code's row, locked until commit, so a scan, a confirm and a claim take turns."""
    stmt = select(login_qr).where(login_qr.c.token == token).with_for_update()
    return (await conn.execute(stmt)).first()


async def update_login_txn(conn: AsyncConnection, token: str, values: dict[str, Any]) -> None:
    await conn.execute(update(login_qr).where(login_qr.c.token == token).values(**values))
