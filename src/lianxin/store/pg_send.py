"""Plain text sends on PostgreSQL: one round trip and one commit for many sends.

The general send (``actions.messages.do_send``) is a transaction of five statements, each
a round trip through SQLAlchemy and asyncpg: BEGIN, claim the seq (locks the chat row),
the checks, the insert, the sender's read mark, COMMIT. On loopback most of a node's
CPU per message went to those round trips (the ``write`` syscall wakes PostgreSQL).
For the common case, a text message from an active member to a chat without bots,
``lianxin_send_texts`` does the same statements inside PostgreSQL, for every send that
queued meanwhile (group commit, as SQLite's write batches do): one call in autocommit,
so one implicit transaction and one WAL flush, through asyncpg's cached prepared
statement. At most ``IN_FLIGHT`` calls run at once; sends arriving meanwhile wait for
the next call.

It only ever takes the path every check allows. A send it does not store (not a member,
a stored message with this client id, a block, not friends in a direct chat, the chat's
first event, bots in the chat) gets None, and the caller runs the general send, which
decides and words the refusal, finds the resend, or opens the chat. If PostgreSQL
refuses a call as a whole (a unique-key violation from a resend racing its original, a
deadlock), its sends are tried again one per call, so one send cannot fail another; a
send that fails alone on a unique key or a deadlock goes to the general send too.

Sends in flight at the same time (from any sessions) are stored in the order their
calls take the chat's lock, as with concurrent transactions of the general send: a
client that needs its own sends stored in order waits for each ack before the next.

The function is created per connection in ``pg_temp`` (``db._configure_pg``), so its
body always matches the running code: no migration, and nodes of two versions side by
side each use their own.

Order as in the general send: a chat row is locked first, and each statement after it
takes a new snapshot (READ COMMITTED, a volatile function), so a membership removed or
a block made while the send waited for the lock is seen. A call locks its chats in
ascending id order, so two calls (on any nodes) never wait for each other in a cycle.
"""

from __future__ import annotations

import asyncio
from collections import namedtuple
from typing import Any

import asyncpg

from lianxin.store.db import Database

IN_FLIGHT = 4  # calls running at once per node (each holds a pooled connection)
BATCH_MAX = 256  # sends per call

FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.lianxin_send_texts(
    p_chat bigint[], p_sender bigint[], p_client text[], p_text text[], p_now bigint[])
RETURNS TABLE (o_i int, o_id bigint, o_seq bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    i int;
    v_kind text;
    v_key text;
    v_bots text;
    v_last bigint;
    v_peer bigint;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_chat, 1), 0) LOOP
        SELECT kind, direct_key, bot_ids, last_seq INTO v_kind, v_key, v_bots, v_last
            FROM chats WHERE id = p_chat[i] FOR UPDATE;
        CONTINUE WHEN NOT FOUND OR v_bots IS NOT NULL OR v_last = 0;
        CONTINUE WHEN NOT EXISTS (
            SELECT 1 FROM members WHERE chat_id = p_chat[i] AND user_id = p_sender[i] AND active);
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM messages WHERE sender_id = p_sender[i] AND client_id = p_client[i]);
        IF v_kind = 'direct' THEN
            v_peer := split_part(v_key, ':', 1)::bigint;
            IF v_peer = p_sender[i] THEN
                v_peer := split_part(v_key, ':', 2)::bigint;
            END IF;
            CONTINUE WHEN NOT EXISTS (
                SELECT 1 FROM friends
                WHERE user_id = p_sender[i] AND friend_id = v_peer AND active);
            CONTINUE WHEN EXISTS (
                SELECT 1 FROM blocks
                WHERE (user_id = p_sender[i] AND blocked_id = v_peer)
                   OR (user_id = v_peer AND blocked_id = p_sender[i]));
        ELSIF v_kind IS DISTINCT FROM 'group' THEN
            CONTINUE;
        END IF;
        UPDATE chats SET last_seq = last_seq + 1, updated_at = p_now[i], last_activity_at = p_now[i]
            WHERE id = p_chat[i] RETURNING last_seq INTO o_seq;
        INSERT INTO messages (chat_id, seq, sender_id, client_id, kind, text, mention_all,
                              created_at)
            VALUES (p_chat[i], o_seq, p_sender[i], p_client[i], 'text', p_text[i], false, p_now[i])
            RETURNING id INTO o_id;
        UPDATE members
            SET read_seq = o_seq, delivered_seq = GREATEST(delivered_seq, o_seq),
                updated_at = p_now[i]
            WHERE chat_id = p_chat[i] AND user_id = p_sender[i] AND read_seq < o_seq AND active;
        o_i := i;
        RETURN NEXT;
    END LOOP;
END
$fn$
"""

_CALL = "SELECT o_i, o_id, o_seq FROM pg_temp.lianxin_send_texts($1, $2, $3, $4, $5)"

# The stored row, as ``store.append_event_txn`` returns it (the columns of ``messages``).
Event = namedtuple(
    "Event",
    "id chat_id seq sender_id client_id kind text reply_to mentions mention_all data "
    "created_at recalled_at edited_at reactions",
    defaults=(None, None, False, None, 0, None, None, None),  # reply_to ... reactions
)

# A call failed on a resend racing its original, or on a deadlock with a transaction
# that locks chats in another order: the general send handles either.
_GENERAL = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)

# One queued send: (chat, sender, client id, text, created at) and who waits for it.
_Item = tuple[int, int, str, str, int]
_Waiting = tuple[_Item, "asyncio.Future[Any]"]


class Sender:
    """Group commit for one database: the sends queued while ``IN_FLIGHT`` calls run go
    together in the next call."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.queue: list[_Waiting] = []
        self.running = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def send(self, chat_id: int, sender_id: int, client_id: str, text: str, now: int) -> Any:
        """The stored row, or None when the general send must decide (nothing stored)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.queue.append(((chat_id, sender_id, client_id, text, now), future))
        if self.running < IN_FLIGHT:
            self.running += 1
            task = asyncio.create_task(self._run())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _run(self) -> None:
        try:
            while self.queue:
                batch, self.queue = self.queue[:BATCH_MAX], self.queue[BATCH_MAX:]
                await self._store(batch)
        finally:
            self.running -= 1

    async def _store(self, batch: list[_Waiting]) -> None:
        """One call; if PostgreSQL refuses it as a whole, one call per send, so one send
        cannot fail another."""
        try:
            await self._call(batch)
        except asyncpg.PostgresError as exc:
            if len(batch) > 1:
                for one in batch:
                    await self._store([one])
            elif isinstance(exc, _GENERAL):
                _settle(batch, {})  # the general send finds the original, or waits its turn
            else:
                _fail(batch, exc)
        except Exception as exc:  # the connection: every send of the call failed
            _fail(batch, exc)
        except BaseException:  # cancelled (shutting down): so are the sends waiting on it
            for _, future in batch:
                future.cancel()
            raise

    async def _call(self, batch: list[_Waiting]) -> None:
        # Ascending chat ids: calls never wait for each other's chat locks in a cycle.
        batch.sort(key=lambda w: w[0][0])
        items = [w[0] for w in batch]
        async with self.db.raw_pg() as raw:
            rows = await raw.fetch(
                _CALL,
                [i[0] for i in items],
                [i[1] for i in items],
                [i[2] for i in items],
                [i[3] for i in items],
                [i[4] for i in items],
            )
        _settle(batch, {r[0] - 1: (r[1], r[2]) for r in rows})


def _settle(batch: list[_Waiting], stored: dict[int, tuple[int, int]]) -> None:
    for n, ((chat_id, sender_id, client_id, text, now), future) in enumerate(batch):
        if future.done():
            continue  # its sender was cancelled; a resend with this client id finds it
        got = stored.get(n)
        future.set_result(
            None if got is None else _event(got, chat_id, sender_id, client_id, text, now)
        )


def _event(got: tuple[int, int], chat: int, sender: int, cid: str, text: str, now: int) -> Any:
    return Event(got[0], chat, got[1], sender, cid, "text", text, created_at=now)


def _fail(batch: list[_Waiting], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
