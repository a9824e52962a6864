"""``GET /me`` as a plain route (api/plain.py) answers exactly as the FastAPI route does.

Each request goes to the same server twice: once with the plain route (how it is
served) and once with it switched off, so that FastAPI's route, dependencies and
exception handlers answer. Status, headers and body bytes must match.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from lianxin.actions import accounts
from tests.harness import ServerThread

ME = "/api/v1/me"


@pytest.fixture
def srv(make_server: Callable[..., ServerThread]) -> Iterator[ServerThread]:
    yield make_server()


async def both(srv: ServerThread, method: str, path: str, headers: Any = ()) -> httpx.Response:
    """The plain route's answer, after checking FastAPI's is the same."""
    app: Any = srv.app
    routes = app.plain_routes
    assert ("GET", ME) in routes
    async with httpx.AsyncClient(base_url=srv.url) as http:
        plain = await http.request(method, path, headers=list(headers))
        app.plain_routes = {}
        try:
            fastapi = await http.request(method, path, headers=list(headers))
        finally:
            app.plain_routes = routes

    def parts(r: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
        return r.status_code, [(k, v) for k, v in r.headers.multi_items() if k != "date"], r.content

    assert parts(plain) == parts(fastapi)
    return plain


async def test_plain_me_answers_like_fastapi(srv: ServerThread) -> None:
    user = await srv.signup("Plain")
    token = user.token
    assert token is not None
    # Characters JSON encoders may escape differently.
    await user.update_me(bio='"quoted" \\ back\nslash\ttab é 连信 😀 \u2028')
    await user.close()

    ok = await both(srv, "GET", ME, [("Authorization", f"Bearer {token}")])
    assert ok.status_code == 200
    assert ok.json()["name"] == "Plain"
    assert ok.json()["bio"].startswith('"quoted"')
    for auth in (f"bearer {token}", f"Bearer   {token}", f"BEARER {token}"):
        assert (await both(srv, "GET", ME, [("Authorization", auth)])).status_code == 200
    assert (await both(srv, "GET", ME + "?x=1", [("Authorization", f"Bearer {token}")])).is_success
    # The first of two Authorization headers counts.
    two = [("Authorization", f"Bearer {token}"), ("Authorization", "Bearer nope")]
    assert (await both(srv, "GET", ME, two)).status_code == 200
    two.reverse()
    assert (await both(srv, "GET", ME, two)).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Authorization", "")],
        [("Authorization", "Bearer")],
        [("Authorization", "Bearer \t lx_tab")],
        [("Authorization", "Basic dXNlcjpwYXNz")],
        [("Authorization", "Bearer lx_not-a-real-token")],
        [("Authorization", "Token lx_not-a-real-token")],
        [("Authorization", b"Bearer \xe9\xff")],
        [("X-Authorization", "Bearer lx_not-a-real-token")],
    ],
)
async def test_plain_me_refuses_like_fastapi(srv: ServerThread, headers: Any) -> None:
    refused = await both(srv, "GET", ME, headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized"


async def test_plain_me_refuses_a_signed_out_token(srv: ServerThread) -> None:
    user = await srv.signup("Gone")
    token = user.token
    await user.sign_out()
    await user.close()
    refused = await both(srv, "GET", ME, [("Authorization", f"Bearer {token}")])
    assert refused.json() == {
        "code": "unauthorized",
        "message": "this session has ended; sign in again",
    }


async def test_other_methods_and_paths_are_fastapis(srv: ServerThread) -> None:
    user = await srv.signup("Other")
    auth = [("Authorization", f"Bearer {user.token}")]
    await user.close()
    assert (await both(srv, "POST", ME, auth)).status_code == 405
    # Without the built web client 405 and a redirect; with it, its static files' 404s.
    assert (await both(srv, "HEAD", ME, auth)).status_code in (404, 405)
    assert (await both(srv, "GET", ME + "/", auth)).status_code in (307, 404)
    assert (await both(srv, "GET", ME + "/privacy", auth)).status_code == 200


async def test_plain_me_crash_is_a_clean_500(
    srv: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(accounts, "access_me_by_token", crash)
    crashed = await both(srv, "GET", ME, [("Authorization", "Bearer x")])
    assert crashed.status_code == 500
    assert crashed.json()["code"] == "internal"


async def test_openapi_still_lists_get_me(srv: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=srv.url) as http:
        spec = (await http.get("/api/openapi.json")).json()
    assert spec["paths"][ME]["get"]["summary"] == "My profile"


async def test_a_token_whose_user_is_gone_is_refused(srv: ServerThread) -> None:
    user = await srv.signup("Vanished")
    token = user.token
    await user.close()
    with sqlite3.connect(srv.settings.sqlite_path) as db:  # foreign keys off here
        db.execute("DELETE FROM users WHERE name = 'Vanished'")
    refused = await both(srv, "GET", ME, [("Authorization", f"Bearer {token}")])
    assert refused.json() == {"code": "unauthorized", "message": "this account no longer exists"}
