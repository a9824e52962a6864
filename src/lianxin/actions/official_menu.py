"""Validation of what an official account publishes: its custom menu and links.

Pure functions, no I/O: the menu is shown by every follower's client, so it is checked
strictly (shape, counts, lengths, link schemes) and stored exactly as returned here.

A menu is up to 3 top-level entries. Each entry has a ``name`` and either an ``action``
or up to 5 sub-entries (``entries``), each with a ``name`` and an ``action``:

- ``{"type": "command", "text": "/help"}``: the client sends this text to the account;
- ``{"type": "url", "url": "https://..."}``: the client opens the page (http/https only);
- ``{"type": "mini_app", "app_id": "shop", "path": "/cart"}`` or with a ``url``: the
  client opens a mini-app, by id (with an optional path) and/or by its http(s) URL.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from lianxin.errors import Code, LianxinError

MENU_TOP_MAX = 3
MENU_SUB_MAX = 5
TOP_NAME_MAX = 16
SUB_NAME_MAX = 30
COMMAND_MAX = 64
URL_MAX = 1000
APP_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
APP_PATH_MAX = 256


def _bad(message: str) -> LianxinError:
    return LianxinError(Code.bad_request, message)


def _object(value: object, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{where} must be an object")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise _bad(f"{where} has unknown fields: {', '.join(unknown)}")
    return value


def check_line(value: object, where: str, limit: int) -> str:
    """One visible line: trimmed, 1..limit characters, no control characters."""
    if not isinstance(value, str):
        raise _bad(f"{where} must be text")
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise _bad(f"{where} is 1 to {limit} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise _bad(f"{where} cannot contain control characters")
    return cleaned


def check_url(value: object, where: str = "url") -> str:
    """An absolute http(s) URL with a host: no javascript:, data: or relative links."""
    if not isinstance(value, str) or not value or len(value) > URL_MAX:
        raise _bad(f"{where} must be an http or https URL of at most {URL_MAX} characters")
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        raise _bad(f"{where} cannot contain spaces or control characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise _bad(f"{where} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise _bad(f"{where} must be an http or https URL")
    return value


def check_action(value: object, where: str) -> dict[str, Any]:
    action = _object(value, where, {"type", "text", "url", "app_id", "path"})
    kind = action.get("type")
    if kind == "command":
        _object(action, where, {"type", "text"})
        return {
            "type": "command",
            "text": check_line(action.get("text"), f"{where}.text", COMMAND_MAX),
        }
    if kind == "url":
        _object(action, where, {"type", "url"})
        return {"type": "url", "url": check_url(action.get("url"), f"{where}.url")}
    if kind == "mini_app":
        return _check_mini_app(action, where)
    raise _bad(f"{where}.type must be command, url or mini_app")


def _check_mini_app(action: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "mini_app"}
    app_id, url, path = action.get("app_id"), action.get("url"), action.get("path")
    if app_id is None and url is None:
        raise _bad(f"{where} needs an app_id or a url")
    if app_id is not None:
        if not isinstance(app_id, str) or not APP_ID_RE.fullmatch(app_id):
            raise _bad(f"{where}.app_id is 1 to 64 letters, digits, '_', '.' or '-'")
        out["app_id"] = app_id
    if path is not None:
        if app_id is None:
            raise _bad(f"{where}.path needs an app_id")
        if not isinstance(path, str) or not path.startswith("/") or len(path) > APP_PATH_MAX:
            raise _bad(f"{where}.path starts with / and is at most {APP_PATH_MAX} characters")
        if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in path):
            raise _bad(f"{where}.path cannot contain spaces or control characters")
        out["path"] = path
    if url is not None:
        out["url"] = check_url(url, f"{where}.url")
    return out


def check_menu(value: object) -> list[dict[str, Any]]:
    """The menu as stored and shown; an empty list removes it."""
    if not isinstance(value, list):
        raise _bad("menu must be a list of entries")
    if len(value) > MENU_TOP_MAX:
        raise _bad(f"a menu has at most {MENU_TOP_MAX} entries")
    return [_check_top(entry, f"menu[{i}]") for i, entry in enumerate(value)]


def _check_top(value: object, where: str) -> dict[str, Any]:
    entry = _object(value, where, {"name", "action", "entries"})
    name = check_line(entry.get("name"), f"{where}.name", TOP_NAME_MAX)
    has_action, has_entries = "action" in entry, "entries" in entry
    if has_action == has_entries:
        raise _bad(f"{where} needs either an action or sub-entries, not both")
    if has_action:
        return {"name": name, "action": check_action(entry["action"], f"{where}.action")}
    subs = entry["entries"]
    if not isinstance(subs, list) or not 1 <= len(subs) <= MENU_SUB_MAX:
        raise _bad(f"{where}.entries is a list of 1 to {MENU_SUB_MAX} entries")
    return {
        "name": name,
        "entries": [_check_sub(s, f"{where}.entries[{j}]") for j, s in enumerate(subs)],
    }


def _check_sub(value: object, where: str) -> dict[str, Any]:
    entry = _object(value, where, {"name", "action"})
    if "action" not in entry:
        raise _bad(f"{where} needs an action")
    return {
        "name": check_line(entry.get("name"), f"{where}.name", SUB_NAME_MAX),
        "action": check_action(entry["action"], f"{where}.action"),
    }
