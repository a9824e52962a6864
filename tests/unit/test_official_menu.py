"""The strict checks on what official accounts publish: menus, links, template content."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.actions.official_kinds import check_template
from lianxin.actions.official_menu import check_menu, check_url
from lianxin.errors import LianxinError

CMD = {"type": "command", "text": "/start"}


def top(**fields: Any) -> dict[str, Any]:
    return {"name": "Top", **fields}


def sub(i: int = 0) -> dict[str, Any]:
    return {"name": f"Sub {i}", "action": CMD}


def test_full_menu_is_kept_and_trimmed() -> None:
    menu = [top(entries=[sub(i) for i in range(5)]) for _ in range(3)]
    assert check_menu(menu) == menu
    spaced = [{"name": "  Shop ", "action": {"type": "command", "text": " /buy "}}]
    assert check_menu(spaced) == [{"name": "Shop", "action": {"type": "command", "text": "/buy"}}]
    assert check_menu([]) == []


@pytest.mark.parametrize(
    "menu",
    [
        {"name": "not a list"},
        [top(action=CMD)] * 4,
        [top(entries=[sub(i) for i in range(6)])],
        [top(entries=[])],
        [top()],
        [top(action=CMD, entries=[sub()])],
        [{"name": "", "action": CMD}],
        [{"name": "x" * 17, "action": CMD}],
        [top(entries=[{"name": "y" * 31, "action": CMD}])],
        [{"name": "a\nb", "action": CMD}],
        [top(action={"type": "command", "text": ""})],
        [top(action={"type": "command", "text": "c" * 65})],
        [top(action={"type": "share"})],
        [top(action={"type": "url", "url": "https://x.org", "text": "extra"})],
        [top(entries=[{"name": "S", "entries": [sub()]}])],
        [top(entries=[{"name": "S"}])],
        [top(action={"type": "mini_app"})],
        [top(action={"type": "mini_app", "app_id": "-bad"})],
        [top(action={"type": "mini_app", "path": "/p", "url": "https://x.org"})],
        [top(action={"type": "mini_app", "app_id": "shop", "path": "no-slash"})],
        [top(action={"type": "mini_app", "app_id": "shop", "path": "/a b"})],
        [top(action={"type": "mini_app", "app_id": "shop", "url": "javascript:x"})],
        ["entry"],
    ],
)
def test_bad_menus_are_refused(menu: Any) -> None:
    with pytest.raises(LianxinError) as err:
        check_menu(menu)
    assert err.value.status == 400


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://example.org/",
        "/relative",
        "https://",
        "https://exa mple.org",
        "https://example.org/\x00",
        "http://[::1",
        "https://" + "a" * 1000 + ".org",
        42,
    ],
)
def test_only_absolute_http_urls(url: Any) -> None:
    with pytest.raises(LianxinError):
        check_url(url)


def test_good_urls() -> None:
    for url in ("https://example.org", "http://例子.测试/路径?q=1#x", "HTTPS://EXAMPLE.ORG/"):
        assert check_url(url) == url


def test_template_shapes() -> None:
    ok = {"title": " Paid ", "fields": [{"label": "Sum", "value": "¥12"}]}
    assert check_template(ok) == {"title": "Paid", "fields": [{"label": "Sum", "value": "¥12"}]}
    button = {"text": "Open", "url": "https://x.org"}
    assert check_template({"title": "T", "button": button})["button"] == button
    for bad in (
        None,
        {},
        {"title": "t" * 65},
        {"title": "T", "fields": {}},
        {"title": "T", "fields": [{"label": "L", "value": "v" * 201}]},
        {"title": "T", "fields": [{"label": "L", "value": "v", "x": 1}]},
        {"title": "T", "button": {"text": "Open"}},
        {"title": "T", "button": {"text": "Open", "url": "mailto:a@b.c"}},
        {"title": "T", "extra": True},
    ):
        with pytest.raises(LianxinError):
            check_template(bad)
