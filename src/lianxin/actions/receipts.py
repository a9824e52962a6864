"""Read-receipt visibility (WhatsApp style): it works both ways or not at all.

When either person in a direct chat has turned read receipts off, neither sees the
other's read marks. Read positions are still stored (unread counts need them); only
what is shown to the peer changes. Groups keep their read counts.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store


async def receipts_hidden(conn: AsyncConnection, chat_id: int, user_id: int) -> bool:
    """True for a direct chat where either member has read receipts off."""
    chat = await chats_store.get_chat(conn, chat_id)
    if chat is None or chat.kind != "direct":
        return False
    peer = (await chats_store.direct_peers(conn, [chat_id], user_id)).get(chat_id)
    ids = [user_id] + ([peer.user_id] if peer is not None else [])
    people = await accounts_store.get_users(conn, ids)
    return any(not row.read_receipts for row in people.values())
