"""API access for official accounts: a bot token for the account, issued by its owner.

With a token the account's owner drives it programmatically through the bots platform:
``getUpdates`` or a signed webhook receives followers' messages (in commit order, with
retries and dead letters), and ``sendMessage`` / the native API send as the account.
The token adds a ``bots`` row for the account but none of a bot's freedoms: nobody can
"start" it or add it to a group (``store.bots.bot_ids_among`` leaves accounts out), and
it still talks only with active followers (``actions.chats.check_direct_allowed``).
"""

from __future__ import annotations

import secrets

from lianxin.actions.accounts import Identity, hash_token
from lianxin.actions.official import access_owned_txn
from lianxin.services import Services
from lianxin.store import bots as store


async def do_issue_token(svc: Services, owner: Identity, account_id: int) -> str:
    """A new API token for the account (the previous one stops working); shown only now."""
    token = f"{account_id}:{secrets.token_urlsafe(32)}"
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await access_owned_txn(conn, owner.user_id, account_id)
        if await store.lock_bot_txn(conn, account_id) is None:
            await store.insert_bot_txn(
                conn,
                user_id=account_id,
                owner_id=owner.user_id,
                token_hash=hash_token(token),
                now=now,
            )
        else:
            await store.update_bot_txn(conn, account_id, {"token_hash": hash_token(token)}, now)
    return token


async def do_revoke_token(svc: Services, owner: Identity, account_id: int) -> None:
    """No token works for the account (and its webhook stops) until a new one is issued."""
    async with svc.db.write() as conn:
        await access_owned_txn(conn, owner.user_id, account_id)
        if await store.lock_bot_txn(conn, account_id) is not None:
            values = {"token_hash": None, "webhook_url": None, "webhook_key": None}
            await store.update_bot_txn(conn, account_id, values, svc.clock.now_ms())
