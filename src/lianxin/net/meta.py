"""A link preview from a page's HTML: title, description and image URL.

Open Graph (``og:*``) first, then Twitter cards, then ``<title>`` and
``<meta name="description">``. Parsing stops at ``<body>``: everything needed is in the
head, and a hostile page cannot make us walk a huge document.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

TITLE_MAX = 200
DESCRIPTION_MAX = 500
URL_MAX = 2048

_KEYS = {
    "og:title": "title",
    "twitter:title": "title",
    "og:description": "description",
    "twitter:description": "description",
    "description": "description",
    "og:image": "image",
    "og:image:url": "image",
    "og:image:secure_url": "image",
    "twitter:image": "image",
    "og:site_name": "site",
}


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            a = {k.lower(): v for k, v in attrs if v is not None}
            key = (a.get("property") or a.get("name") or "").strip().lower()
            if key in _KEYS and "content" in a:
                self.meta.setdefault(key, a["content"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.done:
            self.title.append(data)


def _clean(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    text = " ".join(html.unescape(text).split())
    text = "".join(ch for ch in text if ch.isprintable())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _pick(meta: dict[str, str], field: str) -> str | None:
    for key, target in _KEYS.items():
        if target == field and meta.get(key):
            return meta[key]
    return None


def _image(value: str | None, base: str) -> str | None:
    if not value:
        return None
    url = urljoin(base, value.strip())
    if urlsplit(url).scheme not in ("http", "https") or len(url) > URL_MAX:
        return None
    return url


def parse_preview(markup: str, url: str) -> dict[str, str]:
    """The preview fields found in ``markup`` (fetched from ``url``); empty if none."""
    parser = _HeadParser()
    for start in range(0, len(markup), 8192):
        if parser.done:
            break
        parser.feed(markup[start : start + 8192])
    meta = parser.meta
    out = {
        "title": _clean(_pick(meta, "title") or "".join(parser.title), TITLE_MAX),
        "description": _clean(_pick(meta, "description"), DESCRIPTION_MAX),
        "image": _image(_pick(meta, "image"), url),
        "site": _clean(_pick(meta, "site"), TITLE_MAX),
    }
    return {k: v for k, v in out.items() if v}
