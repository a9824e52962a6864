"""Telegram formatting: ``parse_mode`` HTML / MarkdownV2 / Markdown into plain text plus
entities, and the entities Telegram derives from plain text (``bot_command``, mentions).

Offsets and lengths are UTF-16 code units, as in the Bot API. Markup is never stored or
echoed as markup: what is kept is the plain text and a list of spans, so nothing a bot
writes can inject HTML into a client. Malformed markup is refused with Telegram's
``can't parse entities`` error.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from lianxin.errors import Code, LianxinError

Entity = dict[str, Any]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "span": "spoiler",
}
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?(?![\w/])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
_USER_LINK = re.compile(r"^tg://user\?id=([0-9]{1,16})$")


def _bad(detail: str) -> LianxinError:
    return LianxinError(Code.bad_request, f"can't parse entities: {detail}")


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _link_entity(url: str, start: int, length: int) -> Entity:
    user = _USER_LINK.match(url)
    if user:
        return {
            "type": "text_mention",
            "offset": start,
            "length": length,
            "user": {"id": int(user.group(1))},
        }
    if not url.startswith(("http://", "https://")):
        raise _bad(f"unsupported URL {url[:50]!r}")
    return {"type": "text_link", "offset": start, "length": length, "url": url}


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.open: list[tuple[str, int, dict[str, str]]] = []
        self.entities: list[Entity] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _bad(f'unsupported start tag "{tag}"')
        values = {k: v or "" for k, v in attrs}
        if tag == "span" and values.get("class") != "tg-spoiler":
            raise _bad('a span needs class="tg-spoiler"')
        self.open.append((tag, self.size, values))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise _bad(f'unexpected end tag "{tag}"')
        _, start, attrs = self.open.pop()
        length = self.size - start
        if length == 0:
            return
        if tag == "a":
            self.entities.append(_link_entity(attrs.get("href", ""), start, length))
            return
        entity: Entity = {"type": _HTML_TAGS[tag], "offset": start, "length": length}
        if tag == "code" and self.open and self.open[-1][0] == "pre":
            language = attrs.get("class", "").removeprefix("language-")
            self.open[-1][2]["language"] = language
            return
        if tag == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.size += u16(data)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    parser = _Html()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise _bad(f'can\'t find end tag corresponding to start tag "{parser.open[-1][0]}"')
    return "".join(parser.parts), sorted(parser.entities, key=lambda e: e["offset"])


_MD_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD_MARKS = [
    ("```", "pre"),
    ("||", "spoiler"),
    ("__", "underline"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
    ("`", "code"),
]


def parse_markdown(text: str, *, v2: bool = True) -> tuple[str, list[Entity]]:
    """MarkdownV2 (every reserved character outside markup escaped with ``\\``) or the
    legacy Markdown (``*bold*``, ``_italic_``, `` `code` ``, ``[text](url)``)."""
    marks = _MD_MARKS if v2 else [m for m in _MD_MARKS if m[0] in ("```", "*", "_", "`")]
    out: list[str] = []
    size = 0
    stack: list[tuple[str, str, int]] = []
    links: list[int] = []
    entities: list[Entity] = []
    i = 0
    while i < len(text):
        ch = text[i]
        in_code = bool(stack) and stack[-1][1] in ("code", "pre")
        if ch == "\\" and i + 1 < len(text) and (v2 or text[i + 1] in "_*`["):
            out.append(text[i + 1])
            size += u16(text[i + 1])
            i += 2
            continue
        mark = next((m for m in marks if text.startswith(m[0], i)), None)
        if mark and (not in_code or mark[1] == stack[-1][1]):
            token, kind = mark
            if stack and stack[-1][0] == token:
                _, _, start = stack.pop()
                if size > start:
                    entities.append({"type": kind, "offset": start, "length": size - start})
                i += len(token)
                continue
            if not in_code:
                stack.append((token, kind, size))
                i += len(token)
                if kind == "pre":
                    end = text.find("\n", i)
                    if end != -1 and re.fullmatch(r"[A-Za-z0-9_+-]*", text[i:end]):
                        i = end + 1
                continue
        if ch == "[" and not in_code:
            links.append(size)
            i += 1
            continue
        if ch == "]" and links and not in_code and text.startswith("(", i + 1):
            end = text.find(")", i + 2)
            if end == -1:
                raise _bad("a link is missing its closing ')'")
            start = links.pop()
            if size > start:
                entities.append(
                    _link_entity(text[i + 2 : end].replace("\\)", ")"), start, size - start)
                )
            i = end + 1
            continue
        if v2 and ch in _MD_RESERVED and not in_code:
            raise _bad(f"character '{ch}' is reserved and must be escaped with the preceding '\\'")
        out.append(ch)
        size += u16(ch)
        i += 1
    if stack or links:
        raise _bad("can't find end of the entity")
    return "".join(out), sorted(entities, key=lambda e: e["offset"])


def parse(text: str, mode: str | None) -> tuple[str, list[Entity]]:
    """Apply a ``parse_mode`` (case-insensitive; none: the text is plain)."""
    if not mode:
        return text, []
    match mode.lower():
        case "html":
            return parse_html(text)
        case "markdownv2":
            return parse_markdown(text, v2=True)
        case "markdown":
            return parse_markdown(text, v2=False)
    raise LianxinError(Code.bad_request, f"unsupported parse_mode {mode!r}")


def derived(text: str) -> list[Entity]:
    """Entities Telegram finds in plain text: ``/commands`` and ``@mentions``."""
    found: list[Entity] = []
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION)):
        for m in pattern.finditer(text):
            found.append(
                {"type": kind, "offset": u16(text[: m.start()]), "length": u16(m.group(0))}
            )
    return sorted(found, key=lambda e: e["offset"])
