"""The ``template`` message kind: a structured notification from an official account.

Content: ``{"title": ..., "fields": [{"label": ..., "value": ...}], "button":
{"text": ..., "url": ...}}`` (fields and button optional), plus an optional ``text``
remark. Only an official account may send one, and only into the chat of a follower who
allowed template messages from it (a per-follower permission, off until they allow it).
The check runs inside the send transaction, so a permission revoked a moment earlier
is honoured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.actions.official_menu import check_line, check_url
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import official as store

if TYPE_CHECKING:
    from lianxin.actions.kinds import Content, Draft

TITLE_MAX = 64
FIELDS_MAX = 10
LABEL_MAX = 32
VALUE_MAX = 200
BUTTON_TEXT_MAX = 20
REMARK_MAX = 500


def check_template(content: object) -> dict[str, Any]:
    """The template as stored: title, fields (label/value pairs), optional button."""
    if not isinstance(content, dict):
        raise LianxinError(Code.bad_request, "a template message needs a content object")
    unknown = sorted(set(content) - {"title", "fields", "button"})
    if unknown:
        raise LianxinError(Code.bad_request, f"unknown template fields: {', '.join(unknown)}")
    out: dict[str, Any] = {"title": check_line(content.get("title"), "title", TITLE_MAX)}
    fields = content.get("fields", [])
    if not isinstance(fields, list) or len(fields) > FIELDS_MAX:
        raise LianxinError(Code.bad_request, f"fields is a list of at most {FIELDS_MAX} pairs")
    out["fields"] = [_check_field(f, i) for i, f in enumerate(fields)]
    button = content.get("button")
    if button is not None:
        if not isinstance(button, dict) or set(button) != {"text", "url"}:
            raise LianxinError(Code.bad_request, "button is {text, url}")
        out["button"] = {
            "text": check_line(button["text"], "button.text", BUTTON_TEXT_MAX),
            "url": check_url(button["url"], "button.url"),
        }
    return out


def _check_field(value: object, i: int) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != {"label", "value"}:
        raise LianxinError(Code.bad_request, f"fields[{i}] is {{label, value}}")
    return {
        "label": check_line(value["label"], f"fields[{i}].label", LABEL_MAX),
        "value": check_line(value["value"], f"fields[{i}].value", VALUE_MAX),
    }


async def check_template_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    from lianxin.actions.kinds import Content, check_text  # kinds imports this module

    data = check_template(draft.content)
    remark = check_text(draft.text, REMARK_MAX, required=False)
    if not await store.is_account(conn, me.user_id):
        raise LianxinError(Code.not_allowed, "only official accounts send template messages")
    follower = await store.follower_by_chat(conn, me.user_id, draft.chat_id)
    if follower is None or not follower.active:
        raise LianxinError(Code.not_allowed, "template messages go to followers only")
    if not follower.templates_allowed:
        raise LianxinError(
            Code.not_allowed, "this follower has not allowed template messages from you"
        )
    return Content(remark, data)
