"""BotFather: the system bot users talk to in a direct chat to make and manage bots.

It is an ordinary bot account (handle ``botfather``, owned by itself, with a token
nobody is shown) whose updates are delivered in-process by the webhook sender
(``platform/webhooks.py``, URL ``internal:botfather``), so it gets the same ordering,
leasing (one node at a time) and retries as any bot. Every command calls the same
actions as the REST API and ``lianxin bot …`` (``actions/bots.py``); this module only
holds the conversation: which command a user is in the middle of, in
``botfather_dialogs``.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError

from lianxin.actions import bots
from lianxin.actions.accounts import Identity, check_name, hash_token
from lianxin.errors import Code, LianxinError
from lianxin.ids import DeviceId, UserId
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import bots as store

HANDLE = "botfather"
NAME = "BotFather"
INTERNAL_URL = "internal:botfather"
CONFIRM_DELETE = "Yes, I am totally sure."

HELP = """I can help you create and manage Lianxin bots.

/newbot - create a new bot
/mybots - list your bots
/token - generate a new token (the old one stops working)
/revoke - revoke a bot's token
/setcommands - change a bot's list of commands
/setdescription - change a bot's description
/setprivacy - privacy mode in groups
/deletebot - delete a bot
/cancel - stop the current command"""

# Commands that first ask which bot, and what they ask next.
NEEDS_BOT = {
    "/token": "Choose a bot to generate a new token for.",
    "/revoke": "Choose a bot to revoke the token of.",
    "/setcommands": "Choose a bot to change its list of commands.",
    "/setdescription": "Choose a bot to change its description.",
    "/setprivacy": "Choose a bot to change its group privacy settings.",
    "/deletebot": "Choose a bot to delete.",
}


async def ensure_account(svc: Services) -> bots.Bot:
    """The BotFather account, created the first time any node needs it.

    Nodes of a cluster start together and may all find it missing; the unique phone
    and handle let exactly one create it, and the others read the winner's.
    """
    row = await _read_account(svc)
    if row is None:
        with contextlib.suppress(IntegrityError):
            await _create_account(svc)
        row = await _read_account(svc)
    if row is None:
        raise LianxinError(Code.internal, f"the Lianxin ID {HANDLE} belongs to a person")
    return bots.bot_from_row(row)


async def _read_account(svc: Services) -> Any:
    async with svc.db.read() as conn:
        user = await accounts_store.get_user_by_handle(conn, HANDLE)
        return await store.get_bot(conn, user.id) if user is not None else None


async def _create_account(svc: Services) -> None:
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        if await accounts_store.get_user_by_handle(conn, HANDLE) is not None:
            return
        bot_id = await accounts_store.insert_user_txn(
            conn, phone=f"bot:{HANDLE}", name=NAME, stranger_messages=True, now=now
        )
        values = {"is_bot": True, "find_by_phone": False, "handle": HANDLE}
        await accounts_store.update_user_txn(conn, bot_id, values, now)
        token = f"{bot_id}:{secrets.token_urlsafe(32)}"  # never shown to anyone
        await store.insert_bot_txn(
            conn, user_id=bot_id, owner_id=bot_id, token_hash=hash_token(token), now=now
        )
        values = {"webhook_url": INTERNAL_URL, "webhook_key": secrets.token_hex(32)}
        await store.update_bot_txn(conn, bot_id, values, now)


def _who(user_id: int) -> Identity:
    return Identity(UserId(user_id), DeviceId(0))


async def _set(svc: Services, user_id: int, step: str | None, **data: Any) -> None:
    async with svc.db.write() as conn:
        await store.set_dialog_txn(conn, user_id, step, data, svc.clock.now_ms())


async def _my_bot(svc: Services, user_id: int, text: str) -> dict[str, Any] | None:
    """The user's bot named by ``@handle`` (or handle, or id)."""
    wanted = text.strip().lstrip("@").lower()
    for bot in await bots.list_bots(svc, _who(user_id)):
        if wanted in (str(bot["handle"]).lower(), str(bot["id"])):
            return bot
    return None


def _mention(bot: dict[str, Any]) -> str:
    return f"@{bot['handle']}"


async def do_reply(svc: Services, user_id: int, text: str) -> str:
    """Answer one message from a user; the conversation state is kept between calls."""
    text = (text or "").strip()
    command = text.split()[0].split("@")[0].lower() if text.startswith("/") else None
    if command in ("/start", "/help", "/cancel"):
        await _set(svc, user_id, None)
        return "The command was cancelled. " + HELP if command == "/cancel" else HELP
    if command == "/newbot":
        await _set(svc, user_id, "newbot_name")
        return "Alright, a new bot. How are we going to call it? Please choose a name for it."
    if command == "/mybots":
        await _set(svc, user_id, None)
        mine = await bots.list_bots(svc, _who(user_id))
        if not mine:
            return "You have no bots yet. Use /newbot to create one."
        lines = [
            f"{_mention(b)} - {b['name']}" + ("" if b["token_active"] else " (token revoked)")
            for b in mine
        ]
        return "Your bots:\n" + "\n".join(lines)
    if command in NEEDS_BOT:
        mine = await bots.list_bots(svc, _who(user_id))
        if not mine:
            await _set(svc, user_id, None)
            return "You have no bots yet. Use /newbot to create one."
        await _set(svc, user_id, "choose", command=command)
        return NEEDS_BOT[command] + "\n" + "\n".join(_mention(b) for b in mine)
    if command is not None:
        return "Unrecognized command. Say /help to see what I can do."
    async with svc.db.read() as conn:
        dialog = await store.get_dialog(conn, user_id)
    if dialog is None:
        return "I only understand commands. Say /help to see them."
    return await _step(svc, user_id, dialog.step, orjson.loads(dialog.data), text)


async def _step(svc: Services, user_id: int, step: str, data: dict[str, Any], text: str) -> str:
    me = _who(user_id)
    try:
        if step == "newbot_name":
            check_name(text)
            await _set(svc, user_id, "newbot_handle", name=text)
            return "Good. Now choose a Lianxin ID (username) for your bot, e.g. tetris_bot."
        if step == "newbot_handle":
            made = await bots.do_create_bot(svc, me, data["name"], text.lstrip("@"))
            await _set(svc, user_id, None)
            return (
                f"Done! Your new bot is {_mention(made['bot'])}. "
                "Use this token to access the Bot API (keep it secret):\n"
                f"{made['token']}"
            )
        if step == "choose":
            return await _chosen(svc, user_id, data["command"], text)
        bot = await _my_bot(svc, user_id, str(data.get("bot", "")))
        if bot is None:
            await _set(svc, user_id, None)
            return "That bot is gone. Say /mybots to see your bots."
        return await _finish(svc, user_id, step, bot, text)
    except LianxinError as exc:
        if exc.code == Code.internal:
            raise
        return f"Sorry, {exc.message}. Try again, or /cancel."


async def _chosen(svc: Services, user_id: int, command: str, text: str) -> str:
    me = _who(user_id)
    bot = await _my_bot(svc, user_id, text)
    if bot is None:
        return "Invalid bot selected. Send one of your bots' @handles, or /cancel."
    if command == "/token":
        token = await bots.do_rotate_token(svc, me, bot["id"])
        await _set(svc, user_id, None)
        return f"New token for {_mention(bot)} (the old one no longer works):\n{token}"
    if command == "/revoke":
        await bots.do_revoke_token(svc, me, bot["id"])
        await _set(svc, user_id, None)
        return f"The token of {_mention(bot)} was revoked. Use /token to get a new one."
    step = {
        "/setcommands": (
            "set_commands",
            "Send me the list of commands, one per line: command - description",
        ),
        "/setdescription": ("set_description", "Send me the new description."),
        "/setprivacy": (
            "set_privacy",
            "Privacy mode is "
            + ("ENABLED" if (await _privacy(svc, bot["id"])) else "DISABLED")
            + " for this bot. Reply Enable or Disable.",
        ),
        "/deletebot": (
            "delete",
            f"Are you sure you want to delete {_mention(bot)}? Send '{CONFIRM_DELETE}' to confirm.",
        ),
    }[command]
    await _set(svc, user_id, step[0], bot=bot["id"])
    return step[1]


async def _privacy(svc: Services, bot_id: int) -> bool:
    async with svc.db.read() as conn:
        row = await store.get_bot(conn, bot_id)
    return bool(row is not None and row.privacy)


def _commands(text: str) -> list[dict[str, str]]:
    out = []
    for line in filter(None, (x.strip() for x in text.splitlines())):
        command, sep, description = line.partition("-")
        if not sep:
            raise LianxinError(Code.bad_request, f"'{line}' is not 'command - description'")
        out.append({"command": command.strip().lstrip("/"), "description": description.strip()})
    return bots.check_commands(out)


async def _finish(svc: Services, user_id: int, step: str, bot: dict[str, Any], text: str) -> str:
    me = _who(user_id)
    if step == "set_commands":
        acting = await bots.access_owned_bot(svc, me, bot["id"])
        await bots.do_set_commands(svc, acting, _commands(text))
        reply = f"Success! The command list of {_mention(bot)} is updated."
    elif step == "set_description":
        await bots.do_set_description(svc, me, bot["id"], text)
        reply = f"Success! The description of {_mention(bot)} is updated."
    elif step == "set_privacy":
        choice = text.strip().lower()
        if choice not in ("enable", "disable"):
            return "Reply Enable or Disable, or /cancel."
        await bots.do_update_bot(svc, me, bot["id"], privacy=choice == "enable")
        state = "enabled" if choice == "enable" else "disabled"
        reply = f"Success! Privacy mode is {state} for {_mention(bot)}."
    elif step == "delete":
        if text.strip() != CONFIRM_DELETE:
            return f"Send exactly '{CONFIRM_DELETE}' to delete the bot, or /cancel."
        await bots.do_delete_bot(svc, me, bot["id"])
        reply = f"Done! {_mention(bot)} is deleted."
    else:
        reply = HELP
    await _set(svc, user_id, None)
    return reply
