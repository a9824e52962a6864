"""Reports: a user reports a user or a message they can read; operators list and resolve.

A message report names the message by chat and seq and is refused as ``not_found`` when
the reporter cannot read it (not a member, before they joined, after they left, recalled,
a system event), exactly like other reads of a message. Reports are rate limited per
reporter (``reports_per_hour``). Operators work from the command line (``lianxin reports``).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Row

from lianxin.actions.accounts import Identity
from lianxin.actions.chats import access_readable
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store
from lianxin.store import nearby as store

Reason = Literal["spam", "abuse", "fraud", "illegal", "other"]
REASONS: tuple[str, ...] = ("spam", "abuse", "fraud", "illegal", "other")
NOTE_MAX = 1000
HOUR_MS = 3_600_000
LIST_MAX = 1000


def view(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "reporter": row.reporter_id,
        "user": row.user_id,
        "chat": row.chat_id,
        "seq": row.seq,
        "reason": row.reason,
        "note": row.note,
        "state": row.state,
        "resolution": row.resolution,
        "created_at": row.created_at,
        "resolved_at": row.resolved_at,
    }


def check_report(
    user_id: int | None, chat_id: int | None, seq: int | None, reason: str, note: str
) -> str:
    if reason not in REASONS:
        raise LianxinError(Code.bad_request, "reason is spam, abuse, fraud, illegal or other")
    if (chat_id is None) != (seq is None):
        raise LianxinError(Code.bad_request, "a message is named by both chat_id and seq")
    if user_id is None and chat_id is None:
        raise LianxinError(Code.bad_request, "report a user_id or a message (chat_id and seq)")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise LianxinError(Code.bad_request, f"a note is at most {NOTE_MAX} characters")
    return note


async def do_report(
    svc: Services,
    me: Identity,
    *,
    reason: str,
    user_id: int | None = None,
    chat_id: int | None = None,
    seq: int | None = None,
    note: str = "",
) -> dict[str, Any]:
    """File a report; the reply is what the reporter may see of it."""
    note = check_report(user_id, chat_id, seq, reason, note)
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        if chat_id is not None and seq is not None:
            member, upto = await access_readable(conn, chat_id, me.user_id)
            event = await chats_store.get_event(conn, chat_id, seq)
            if (
                event is None
                or event.sender_id is None
                or not (member.joined_seq < seq <= upto)
                or event.kind == "system"
                or event.recalled_at is not None
            ):
                raise LianxinError(Code.not_found, "no such message")
            if user_id is not None and user_id != event.sender_id:
                raise LianxinError(Code.bad_request, "user_id is not the sender of that message")
            user_id = int(event.sender_id)
        assert user_id is not None
        if user_id == me.user_id:
            raise LianxinError(Code.bad_request, "you cannot report yourself")
        if await accounts_store.get_user(conn, user_id) is None:
            raise LianxinError(Code.not_found, "no such user")
        since = now - HOUR_MS
        limit = svc.settings.reports_per_hour
        if await store.count_reports_since(conn, me.user_id, since) >= limit:
            oldest = await store.oldest_report_since(conn, me.user_id, since) or now
            retry = max(1, (oldest + HOUR_MS - now + 999) // 1000)
            raise LianxinError(
                Code.rate_limited,
                f"at most {limit} reports an hour; try again later",
                retry_after_s=retry,
            )
        report_id = await store.insert_report_txn(
            conn,
            {
                "reporter_id": me.user_id,
                "user_id": user_id,
                "chat_id": chat_id,
                "seq": seq,
                "reason": reason,
                "note": note,
                "state": "open",
                "created_at": now,
            },
        )
        row = await store.get_report(conn, report_id)
    assert row is not None
    return {k: v for k, v in view(row).items() if k not in ("resolution", "resolved_at")}


async def list_reports(svc: Services, *, open_only: bool = True) -> list[dict[str, Any]]:
    """Operator only (the CLI): reports oldest first, with the reported message's text."""
    async with svc.db.read() as conn:
        rows = await store.list_reports(conn, open_only=open_only, limit=LIST_MAX)
        out = []
        for row in rows:
            item = view(row)
            if row.chat_id is not None and row.seq is not None:
                event = await chats_store.get_event(conn, row.chat_id, row.seq)
                item["text"] = None if event is None else event.text
            out.append(item)
    return out


async def do_resolve(svc: Services, report_id: int, note: str = "") -> dict[str, Any]:
    """Operator only (the CLI): close an open report with an optional note."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise LianxinError(Code.bad_request, f"a note is at most {NOTE_MAX} characters")
    async with svc.db.write() as conn:
        row = await store.get_report(conn, report_id)
        if row is None:
            raise LianxinError(Code.not_found, f"no report {report_id}")
        if not await store.resolve_report_txn(conn, report_id, note, svc.clock.now_ms()):
            raise LianxinError(Code.conflict, f"report {report_id} is already resolved")
        row = await store.get_report(conn, report_id)
    assert row is not None
    return view(row)
