"""Message kinds only bots send: ``rich`` (text with entities, inline buttons, a reply
keyboard) and ``card`` (title, text, image, buttons).

Their checks run inside the send transaction like every kind's (``actions/kinds.py``);
only these kinds look the sender up, so chats without bots pay nothing for them.

Content shapes (what clients receive in ``data``)::

    buttons   [[{"text": "Add tea", "data": "add:tea"} | {"text": "Site", "url": "https://…"}]]
    keyboard  {"rows": [[{"text": "Menu"}]], "resize": bool, "one_time": bool,
               "placeholder": str, "persistent": bool}  |  {"remove": true}
    force_reply {"placeholder": str}
    entities  [{"type": "bold", "offset": 0, "length": 4}, …]  (UTF-16 offsets, as Telegram)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store

if TYPE_CHECKING:  # kinds.py lists these checks, so it is imported lazily here
    from lianxin.actions.kinds import Content, Draft

BUTTON_DATA_MAX = 64  # bytes, as Telegram's callback_data
ROWS_MAX, ROW_MAX, BUTTONS_MAX = 20, 8, 100
ENTITY_TYPES = frozenset(
    [
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
    ]
)
CARD_TITLE_MAX = 64


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _bad(message: str) -> LianxinError:
    return LianxinError(Code.bad_request, message)


def _check_url(url: object) -> str:
    if not isinstance(url, str) or len(url) > 2048 or not url.startswith(("https://", "http://")):
        raise _bad("a button or image URL is an http(s) URL of at most 2048 characters")
    return url


def check_buttons(rows: object) -> list[list[dict[str, str]]]:
    """Inline buttons: rows of {text, data (1-64 bytes)} or {text, url}."""
    if not isinstance(rows, list) or len(rows) > ROWS_MAX:
        raise _bad(f"buttons is a list of at most {ROWS_MAX} rows")
    out, count = [], 0
    for row in rows:
        if not isinstance(row, list) or not 1 <= len(row) <= ROW_MAX:
            raise _bad(f"a row of buttons has 1 to {ROW_MAX} buttons")
        checked = []
        for button in row:
            count += 1
            if not isinstance(button, dict) or set(button) - {"text", "data", "url"}:
                raise _bad("a button is {text, data} or {text, url}")
            text = button.get("text")
            if not isinstance(text, str) or not 1 <= len(text.strip()) <= 64:
                raise _bad("a button's text is 1 to 64 characters")
            if ("data" in button) == ("url" in button):
                raise _bad("a button has exactly one of data and url")
            if "url" in button:
                checked.append({"text": text, "url": _check_url(button["url"])})
                continue
            data = button["data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= BUTTON_DATA_MAX:
                raise _bad("BUTTON_DATA_INVALID: button data is 1 to 64 bytes")
            checked.append({"text": text, "data": data})
        out.append(checked)
    if count > BUTTONS_MAX:
        raise _bad(f"at most {BUTTONS_MAX} buttons")
    return out


def check_keyboard(keyboard: object) -> dict[str, Any]:
    """A reply keyboard (buttons that send their text), or {remove: true}."""
    if not isinstance(keyboard, dict):
        raise _bad("keyboard is an object")
    if keyboard.get("remove") is True and len(keyboard) == 1:
        return {"remove": True}
    allowed = {"rows", "resize", "one_time", "placeholder", "persistent"}
    if set(keyboard) - allowed or not isinstance(keyboard.get("rows"), list):
        raise _bad("keyboard is {rows, resize, one_time, placeholder, persistent}")
    rows = []
    for row in keyboard["rows"][:ROWS_MAX]:
        if not isinstance(row, list) or not 1 <= len(row) <= ROW_MAX:
            raise _bad(f"a keyboard row has 1 to {ROW_MAX} keys")
        keys = []
        for key in row:
            text = key.get("text") if isinstance(key, dict) else key
            if not isinstance(text, str) or not 1 <= len(text.strip()) <= 64:
                raise _bad("a key's text is 1 to 64 characters")
            keys.append({"text": text})
        rows.append(keys)
    out: dict[str, Any] = {"rows": rows}
    for flag in ("resize", "one_time", "persistent"):
        if keyboard.get(flag):
            out[flag] = True
    placeholder = keyboard.get("placeholder")
    if isinstance(placeholder, str) and placeholder:
        out["placeholder"] = placeholder[:64]
    return out


def check_entities(entities: object, text: str) -> list[dict[str, Any]]:
    """Formatting spans in UTF-16 code units (Telegram's convention), inside the text."""
    if not isinstance(entities, list) or len(entities) > 100:
        raise _bad("entities is a list of at most 100")
    size, out = utf16_len(text), []
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") not in ENTITY_TYPES:
            raise _bad("an entity has a known type")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise _bad("an entity has integer offset and length")
        if offset < 0 or length < 1 or offset + length > size:
            raise _bad("an entity lies inside the text")
        keep = {"type": entity["type"], "offset": offset, "length": length}
        if entity["type"] == "text_link":
            keep["url"] = _check_url(entity.get("url"))
        if entity["type"] == "text_mention":
            user = entity.get("user")
            if not isinstance(user, dict) or not isinstance(user.get("id"), int):
                raise _bad("a text_mention names a user id")
            keep["user"] = {"id": user["id"]}
        if entity["type"] == "pre" and isinstance(entity.get("language"), str):
            keep["language"] = entity["language"][:32]
        out.append(keep)
    return out


async def _require_bot(conn: AsyncConnection, me: Identity) -> None:
    user = await accounts_store.get_user(conn, me.user_id)
    if user is None or not user.is_bot:
        raise _bad("only bots send this kind of message")


def _common(content: dict[str, Any], data: dict[str, Any]) -> None:
    if "buttons" in content:
        data["buttons"] = check_buttons(content["buttons"])
    if "keyboard" in content:
        data["keyboard"] = check_keyboard(content["keyboard"])
    if "force_reply" in content:
        reply = content["force_reply"]
        placeholder = reply.get("placeholder") if isinstance(reply, dict) else None
        data["force_reply"] = {"placeholder": placeholder[:64]} if placeholder else {}


async def check_rich_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    """Text with formatting, inline buttons and/or a reply keyboard (bots only)."""
    from lianxin.actions.kinds import Content, check_text

    await _require_bot(conn, me)
    text = check_text(draft.text, svc.settings.text_limit)
    assert text is not None
    content = draft.content or {}
    if set(content) - {"entities", "buttons", "keyboard", "force_reply"}:
        raise _bad("rich content is {entities, buttons, keyboard, force_reply}")
    data: dict[str, Any] = {}
    if content.get("entities"):
        data["entities"] = check_entities(content["entities"], text)
    _common(content, data)
    return Content(text, data or None)


async def check_card_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    """A card: a title, optional text and image, and buttons (bots only)."""
    from lianxin.actions.kinds import Content, check_text

    await _require_bot(conn, me)
    text = check_text(draft.text, 1024, required=False)
    content = draft.content or {}
    if set(content) - {"title", "image", "buttons", "keyboard"}:
        raise _bad("card content is {title, image, buttons, keyboard}")
    title = content.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= CARD_TITLE_MAX:
        raise _bad(f"a card has a title of 1 to {CARD_TITLE_MAX} characters")
    data: dict[str, Any] = {"title": title.strip()}
    if content.get("image") is not None:
        data["image"] = _check_url(content["image"])
    _common(content, data)
    return Content(text, data)
