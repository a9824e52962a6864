"""Sign-in by phone and one-time code, SMS delivery, devices, profiles and privacy settings."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from lianxin.app import create_app
from lianxin.client import ApiError, Client
from lianxin.client.connection import Connection
from tests.harness import PgDatabase, ServerThread, befriend, free_port, uid
from tests.harness import test_settings as settings_for

_us_lines = itertools.count(random.randrange(10_000))


def us_phone() -> tuple[str, str]:
    """A fresh valid US number: (national format as a person types it, E.164)."""
    line = next(_us_lines) % 10_000
    return f"(201) 555-{line:04d}", f"+1201555{line:04d}"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def handle() -> str:
    return "h" + uuid.uuid4().hex[:14]


async def expect(code: str, call: Any) -> ApiError:
    with pytest.raises(ApiError) as err:
        await call
    assert err.value.code == code, err.value
    return err.value


async def frames_until(conn: Connection, match: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """Every frame up to and including the first that matches (a barrier for absence checks)."""
    seen = []
    while True:
        frame = await conn.next_event()
        seen.append(frame)
        if match(frame):
            return seen


def is_t(kind: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("t") == kind


# -- phone numbers and codes ---------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "hello", "12", "+1 555", "+999 123456", "+86 138"])
async def test_invalid_phone_numbers_are_refused(server: ServerThread, raw: str) -> None:
    async with Client(server.url) as c:
        err = await expect("invalid_phone", c.request_code(raw))
        assert err.status == 400
        await expect("invalid_phone", c.verify(raw, "123456"))


async def test_overlong_phone_is_a_bad_request(server: ServerThread) -> None:
    async with Client(server.url) as c:
        await expect("bad_request", c.request_code("+1" + "2" * 40))


async def test_national_format_is_normalised_with_default_region(server: ServerThread) -> None:
    national, e164 = us_phone()
    async with Client(server.url) as c:
        sent = await c.request_code(national)
        assert sent == {"resend_after_s": 0, "expires_in_s": 600}
        assert e164 in server.sms.codes and national not in server.sms.codes
        first = await c.verify(national, server.sms.codes[e164], name="Nat")
        assert first["new_user"] is True and first["user"]["phone"] == e164
    # The same number in another spelling reaches the same account.
    spelled = f"+1 201-555-{e164[-4:]}"
    async with Client(server.url) as c:
        await c.request_code(spelled)
        again = await c.verify(spelled, server.sms.codes[e164])
        assert again["new_user"] is False and again["user"]["id"] == first["user"]["id"]
        assert again["user"]["name"] == "Nat"


async def test_default_region_setting_applies(make_server: Callable[..., ServerThread]) -> None:
    srv = make_server(default_region="CN")
    async with Client(srv.url) as c:
        await c.request_code("138 0013 8000")
        assert list(srv.sms.codes) == ["+8613800138000"]


async def test_code_is_six_digits_and_never_in_a_response(server: ServerThread) -> None:
    national, e164 = us_phone()
    async with httpx.AsyncClient(base_url=server.url) as http:
        resp = await http.post("/api/v1/auth/code", json={"phone": national})
        code = server.sms.codes[e164]
        assert len(code) == 6 and code.isdigit()
        bodies = [resp]
        bodies.append(
            await http.post("/api/v1/auth/verify", json={"phone": e164, "code": wrong(code)})
        )
        ok = await http.post("/api/v1/auth/verify", json={"phone": e164, "code": code})
        assert ok.status_code == 200
        bodies.append(ok)
        token = ok.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        bodies.append(await http.get("/api/v1/me", headers=auth))
        bodies.append(await http.get("/api/v1/me/devices", headers=auth))
    for r in bodies:
        assert code not in r.text
        assert all(code not in v for v in r.headers.values())


async def test_verify_without_a_code_request(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await expect("invalid_code", c.verify(e164, "123456"))


async def test_code_expires_after_ten_minutes(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        code = server.sms.codes[e164]
        server.clock.advance(601)
        await expect("code_expired", c.verify(e164, code))
        await expect("invalid_code", c.verify(e164, code))  # and it is gone for good


async def test_code_still_works_just_before_expiry(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        server.clock.advance(590)
        assert (await c.verify(e164, server.sms.codes[e164]))["token"]


async def test_five_wrong_codes_burn_the_code(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        code = server.sms.codes[e164]
        for left in (4, 3, 2, 1):
            err = await expect("invalid_code", c.verify(e164, wrong(code)))
            assert err.details == {"attempts_left": left}
        err = await expect("too_many_attempts", c.verify(e164, wrong(code)))
        assert err.status == 429
        await expect("invalid_code", c.verify(e164, code))
        # A fresh code works again.
        await c.request_code(e164)
        assert (await c.verify(e164, server.sms.codes[e164]))["token"]


async def test_code_is_single_use(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        code = server.sms.codes[e164]
        await c.verify(e164, code)
        await expect("invalid_code", c.verify(e164, code))


async def test_a_new_code_replaces_the_old_one(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        old = server.sms.codes[e164]
        await c.request_code(e164)
        new = server.sms.codes[e164]
        if old != new:
            await expect("invalid_code", c.verify(e164, old))
        assert (await c.verify(e164, new))["token"]


async def test_bad_new_account_name_consumes_nothing(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        code = server.sms.codes[e164]
        await expect("bad_request", c.verify(e164, code, name="   "))
        signed_in = await c.verify(e164, code, name="  Good   Name ")
        assert signed_in["user"]["name"] == "Good Name"


async def test_new_account_without_a_name_gets_a_default(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        result = await c.verify(e164, server.sms.codes[e164])
        assert result["user"]["name"] == "User " + e164[-4:]


# -- throttling ----------------------------------------------------------------------------


async def post_code(http: httpx.AsyncClient, phone: str, ip: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return await http.post("/api/v1/auth/code", json={"phone": phone}, headers=headers)


def assert_limited(resp: httpx.Response, retry_after: int | None) -> None:
    assert resp.status_code == 429, resp.text
    assert resp.json()["code"] == "rate_limited"
    if retry_after is not None:
        assert abs(int(resp.headers["Retry-After"]) - retry_after) <= 2


async def test_resend_interval_per_number(make_server: Callable[..., ServerThread]) -> None:
    srv = make_server(code_resend_interval_s=60)
    _, e164 = us_phone()
    _, other = us_phone()
    async with httpx.AsyncClient(base_url=srv.url) as http:
        assert (await post_code(http, e164)).status_code == 200
        first = srv.sms.codes[e164]
        assert_limited(await post_code(http, e164), 60)
        srv.clock.advance(45)
        assert_limited(await post_code(http, e164), 15)
        assert (await post_code(http, other)).status_code == 200  # other numbers are not held up
        assert srv.sms.codes[e164] == first and len(srv.sms.sent) == 2
        srv.clock.advance(16)
        assert (await post_code(http, e164)).status_code == 200
        assert len(srv.sms.sent) == 3


async def test_hourly_cap_per_number(make_server: Callable[..., ServerThread]) -> None:
    srv = make_server(code_max_per_number_per_hour=2)
    _, e164 = us_phone()
    async with httpx.AsyncClient(base_url=srv.url) as http:
        for _ in range(2):
            assert (await post_code(http, e164)).status_code == 200
        srv.clock.advance(600)
        assert_limited(await post_code(http, e164), 3000)
        assert len(srv.sms.sent) == 2
        srv.clock.advance(3001)
        assert (await post_code(http, e164)).status_code == 200


async def test_hourly_cap_per_ip(make_server: Callable[..., ServerThread]) -> None:
    srv = make_server(code_max_per_ip_per_hour=3)
    phones = [us_phone()[1] for _ in range(5)]
    async with httpx.AsyncClient(base_url=srv.url) as http:
        for phone in phones[:3]:
            assert (await post_code(http, phone, "198.51.100.7")).status_code == 200
        assert_limited(await post_code(http, phones[3], "198.51.100.7"), 3600)
        # Another client address is counted separately.
        assert (await post_code(http, phones[3], "203.0.113.9")).status_code == 200
        assert len(srv.sms.sent) == 4
        srv.clock.advance(3601)
        assert (await post_code(http, phones[4], "198.51.100.7")).status_code == 200


# -- the webhook SMS provider --------------------------------------------------------------


@dataclass
class Receiver:
    """An operator's SMS gateway on loopback: records each POST, answers ``status``."""

    status: int = 200
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/sms"


SECRET = "s3cret-shared-with-the-operator"


def start_webhook_server(data_dir: Path, url: str) -> ServerThread:
    """A server whose app sends codes through the configured webhook, not the harness's memory."""
    settings = settings_for(
        data_dir, sms_provider="webhook", sms_webhook_url=url, sms_webhook_secret=SECRET
    )
    srv = ServerThread(settings)
    srv.app = create_app(settings, clock=srv.clock)
    srv.server.config.app = srv.app
    return srv.start()


@pytest.fixture
def webhook() -> Iterator[tuple[Receiver, Callable[[Path], ServerThread]]]:
    receiver = Receiver()
    httpd, url = receiver.serve()
    servers: list[ServerThread] = []

    def start(data_dir: Path) -> ServerThread:
        servers.append(start_webhook_server(data_dir, url))
        return servers[-1]

    yield receiver, start
    for srv in servers:
        srv.stop()
    httpd.shutdown()
    httpd.server_close()


async def test_webhook_delivers_a_signed_code(
    webhook: tuple[Receiver, Callable[[Path], ServerThread]], tmp_path: Path
) -> None:
    receiver, start = webhook
    srv = start(tmp_path)
    national, e164 = us_phone()
    async with Client(srv.url) as c:
        resp = await c.request_code(national)
        assert "code" not in resp
        [(headers, body)] = receiver.posts
        ts = headers["x-lianxin-timestamp"]
        assert abs(int(ts) - time.time()) < 60
        mac = hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-lianxin-signature"], "sha256=" + mac)
        assert headers["content-type"] == "application/json"
        payload = orjson.loads(body)
        assert payload["phone"] == e164 and payload["ts"] == int(ts)
        assert len(payload["code"]) == 6 and payload["code"].isdigit()
        signed_in = await c.verify(e164, payload["code"])
        assert signed_in["user"]["phone"] == e164


async def test_failing_webhook_is_502_and_leaves_no_usable_code(
    webhook: tuple[Receiver, Callable[[Path], ServerThread]], tmp_path: Path
) -> None:
    receiver, start = webhook
    srv = start(tmp_path)
    receiver.status = 500
    _, e164 = us_phone()
    async with Client(srv.url) as c:
        err = await expect("sms_failed", c.request_code(e164))
        assert err.status == 502
        [(_, body)] = receiver.posts
        await expect("invalid_code", c.verify(e164, orjson.loads(body)["code"]))
        # The operator's gateway recovers: asking again works at once.
        receiver.status = 204
        await c.request_code(e164)
        assert (await c.verify(e164, orjson.loads(receiver.posts[-1][1])["code"]))["token"]


async def test_unreachable_webhook_is_502(tmp_path: Path) -> None:
    srv = start_webhook_server(tmp_path, f"http://127.0.0.1:{free_port()}/sms")
    try:
        async with Client(srv.url) as c:
            err = await expect("sms_failed", c.request_code(us_phone()[1]))
            assert err.status == 502
    finally:
        srv.stop()


# -- devices -------------------------------------------------------------------------------


async def test_each_sign_in_is_a_device(server: ServerThread, closing: list[Any]) -> None:
    phone_app = await server.signup("Dev", device="phone")
    assert phone_app.account is not None
    laptop = await server.signin(phone_app.account["phone"], device="  my   laptop ")
    closing += [phone_app, laptop]
    assert phone_app.token != laptop.token
    mine = await phone_app.devices()
    assert [(d["name"], d["current"]) for d in mine] == [("phone", True), ("my laptop", False)]
    assert [d["current"] for d in await laptop.devices()] == [False, True]


async def test_tokens_are_stored_only_as_hashes(make_server: Callable[..., ServerThread]) -> None:
    srv = make_server()
    client = await srv.signup("Hash")
    await client.close()
    assert client.token is not None
    with sqlite3.connect(srv.settings.sqlite_path) as db:
        stored = [r[0] for r in db.execute("SELECT token_hash FROM devices")]
    assert stored == [hashlib.sha256(client.token.encode()).hexdigest()]


async def test_missing_or_bad_token_is_401(server: ServerThread) -> None:
    async with Client(server.url) as anon:
        assert (await expect("unauthorized", anon.me())).status == 401
    async with Client(server.url, token="lx_not-a-real-token") as forged:
        assert (await expect("unauthorized", forged.devices())).status == 401


async def test_sign_out_one_device_kicks_its_socket(
    server: ServerThread, closing: list[Any]
) -> None:
    phone_app = await server.signup("Kick", device="phone")
    assert phone_app.account is not None
    laptop = await server.signin(phone_app.account["phone"], device="laptop")
    closing += [phone_app, laptop]
    on_phone, on_laptop = await phone_app.connect(), await laptop.connect()
    closing += [on_phone, on_laptop]
    laptop_id = on_laptop.welcome["device"]

    await phone_app.sign_out_device(laptop_id)
    kicked = await on_laptop.wait_for(is_t("signed_out"))
    assert kicked["device"] == laptop_id
    await on_laptop.wait_for(is_t("closed"))
    assert on_laptop.close_code == 4002
    await expect("unauthorized", laptop.me())
    assert [d["name"] for d in await phone_app.devices()] == ["phone"]
    assert (await on_phone.ping())["t"] == "pong"  # the other device is untouched
    await expect("not_found", phone_app.sign_out_device(laptop_id))  # already gone


async def test_sign_out_others_keeps_this_device(server: ServerThread, closing: list[Any]) -> None:
    main = await server.signup("Main", device="main")
    assert main.account is not None
    others = [await server.signin(main.account["phone"], device=f"d{i}") for i in range(2)]
    closing += [main, *others]
    conns = [await o.connect() for o in others]
    closing += conns

    signed_out = await main.sign_out_others()
    assert sorted(signed_out) == sorted(c.welcome["device"] for c in conns)
    for conn, other in zip(conns, others, strict=True):
        await conn.wait_for(is_t("closed"))
        assert conn.close_code == 4002
        await expect("unauthorized", other.me())
    assert [d["name"] for d in await main.devices()] == ["main"]
    assert await main.sign_out_others() == []


async def test_cannot_sign_out_another_users_device(
    server: ServerThread, closing: list[Any]
) -> None:
    alice = await server.signup("Alice")
    mallory = await server.signup("Mallory")
    closing += [alice, mallory]
    [alice_device] = await alice.devices()
    await expect("not_found", mallory.sign_out_device(alice_device["id"]))
    await expect("not_found", mallory.sign_out_device(alice_device["id"] + 10_000))
    for nonsense in (0, -1, 2**62):
        await expect("bad_request", mallory.sign_out_device(nonsense))
    assert (await alice.me())["id"] == uid(alice)


async def test_sign_out_this_device(server: ServerThread, closing: list[Any]) -> None:
    user = await server.signup("Bye")
    assert user.account is not None
    other = await server.signin(user.account["phone"])
    closing += [user, other]
    conn = await user.connect()
    closing.append(conn)
    await user.sign_out()
    await conn.wait_for(is_t("closed"))
    assert conn.close_code == 4002
    await expect("unauthorized", user.me())
    assert (await other.me())["id"] == uid(user)


# -- profile -------------------------------------------------------------------------------


async def test_profile_changes(server: ServerThread, closing: list[Any]) -> None:
    user = await server.signup("Prof")
    closing.append(user)
    h = handle()
    me = await user.update_me(name="  Li   Wei ", handle=h, bio=" hello there ")
    assert (me["name"], me["handle"], me["bio"]) == ("Li Wei", h, "hello there")
    assert await user.me() == me
    await expect("bad_request", user.update_me(name="   "))
    await expect("bad_request", user.update_me(name="x" * 65))
    await expect("bad_request", user.update_me(bio="b" * 201))
    await expect("bad_request", user.update_me(nickname="typo"))
    assert await user.me() == me


@pytest.mark.parametrize(
    "bad", ["abc", "1abcd", "_abcd", "ab-cd", "ab cd", "ålice", "a" * 33, "", "abcd\n"]
)
async def test_invalid_handles(server: ServerThread, bad: str) -> None:
    async with await server.signup("Bad") as user:
        err = await expect("invalid_handle", user.update_me(handle=bad))
        assert err.status == 400
        assert (await user.me())["handle"] is None


async def test_handles_are_unique_ignoring_case(server: ServerThread, closing: list[Any]) -> None:
    alice = await server.signup("Alice")
    bob = await server.signup("Bob")
    closing += [alice, bob]
    h = handle()
    await alice.update_me(handle=h.upper())
    err = await expect("handle_taken", bob.update_me(handle=h.lower()))
    assert err.status == 409
    assert (await bob.me())["handle"] is None
    assert (await alice.update_me(handle=h.lower()))["handle"] == h.lower()  # own, new case
    await alice.update_me(handle=handle())  # frees the old one
    assert (await bob.update_me(handle=h))["handle"] == h


async def test_concurrent_claims_of_one_handle(server: ServerThread, closing: list[Any]) -> None:
    users = [await server.signup(f"C{i}") for i in range(4)]
    closing += users
    h = handle()
    results = await asyncio.gather(*(u.update_me(handle=h) for u in users), return_exceptions=True)
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, ApiError)]
    assert len(won) == 1 and len(lost) == 3
    assert {e.code for e in lost} == {"handle_taken"}


async def test_profile_change_reaches_friends_and_my_devices(
    server: ServerThread, closing: list[Any]
) -> None:
    alice = await server.signup("Alice")
    assert alice.account is not None
    alice_web = await server.signin(alice.account["phone"], device="web")
    bob = await server.signup("Bob")
    carol = await server.signup("Carol")
    closing += [alice, alice_web, bob, carol]
    await befriend(alice, bob)
    web, b, c = await alice_web.connect(), await bob.connect(), await carol.connect()
    closing += [web, b, c]

    await alice.update_me(name="Alice Li", bio="new bio")
    me = await web.wait_for(is_t("me"))
    assert me["user"]["name"] == "Alice Li" and me["user"]["phone"] == alice.account["phone"]
    profile = await b.wait_for(is_t("profile"))
    assert profile["user"] == {
        "id": uid(alice),
        "name": "Alice Li",
        "handle": None,
        "bio": "new bio",
        "is_bot": False,
    }
    # A stranger hears nothing: everything before Carol's own change is not about Alice.
    await carol.update_me(bio="barrier")
    seen = await frames_until(c, is_t("me"))
    assert not any(f.get("t") == "profile" for f in seen)


async def test_privacy_settings(server: ServerThread, closing: list[Any]) -> None:
    user = await server.signup("Priv")
    closing.append(user)
    defaults = await user.call("GET", "/api/v1/me/privacy")
    assert defaults == {
        "find_by_phone": True,
        "find_by_handle": True,
        "find_nearby": True,
        "add_me": "everyone",
        "stranger_messages": False,
        "last_seen": "everyone",
        "read_receipts": True,
        "auto_friend": True,
    }
    changed = await user.update_privacy(find_by_phone=False, last_seen="friends")
    assert changed == {**defaults, "find_by_phone": False, "last_seen": "friends"}
    assert (await user.me())["privacy"] == changed
    await expect("bad_request", user.update_privacy(last_seen="strangers"))
    await expect("bad_request", user.update_privacy(find_by_email=True))
    assert await user.call("GET", "/api/v1/me/privacy") == changed


# -- concurrent requests (PostgreSQL runs them truly in parallel) -------------------------


async def test_concurrent_verifies_use_a_code_once(server: ServerThread) -> None:
    _, e164 = us_phone()
    clients = [Client(server.url) for _ in range(6)]
    try:
        await clients[0].request_code(e164)
        code = server.sms.codes[e164]
        results = await asyncio.gather(
            *(c.verify(e164, code) for c in clients), return_exceptions=True
        )
    finally:
        for c in clients:
            await c.close()
    assert [type(r) for r in results].count(dict) == 1, results
    assert all(isinstance(r, dict) or r.code == "invalid_code" for r in results), results


async def test_concurrent_guesses_are_all_counted(server: ServerThread) -> None:
    _, e164 = us_phone()
    async with Client(server.url) as c:
        await c.request_code(e164)
        code = server.sms.codes[e164]
        guesses = [f"{(int(code) + i) % 1_000_000:06d}" for i in range(1, 11)]
        results = await asyncio.gather(
            *(
                c.call("POST", "/api/v1/auth/verify", json={"phone": e164, "code": g})
                for g in guesses
            ),
            return_exceptions=True,
        )
        codes = sorted(r.code for r in results if isinstance(r, ApiError))
        assert len(codes) == 10
        assert codes.count("too_many_attempts") == 1, codes
        await expect("invalid_code", c.verify(e164, code))


async def test_concurrent_code_requests_for_one_number(server: ServerThread) -> None:
    """They take turns: each is sent, or refused as a resend of the one just sent."""
    _, e164 = us_phone()
    async with httpx.AsyncClient(base_url=server.url) as http:
        answers = await asyncio.gather(*(post_code(http, e164) for _ in range(6)))
    assert {r.status_code for r in answers} <= {200, 429}, [r.text for r in answers]
    sent = [code for phone, code in server.sms.sent if phone == e164]
    assert len(sent) == [r.status_code for r in answers].count(200) >= 1
    async with Client(server.url) as c:
        await c.request_code(e164)
        assert (await c.verify(e164, server.sms.codes[e164]))["token"]


@pytest.mark.integration
async def test_concurrent_requests_respect_the_ip_cap(
    pg_database: PgDatabase, tmp_path: Path
) -> None:
    srv = ServerThread(
        settings_for(tmp_path, database_url=pg_database.url, code_max_per_ip_per_hour=3)
    ).start()
    ip = f"198.51.100.{random.randrange(1, 255)}"
    try:
        async with httpx.AsyncClient(base_url=srv.url) as http:
            answers = await asyncio.gather(*(post_code(http, us_phone()[1], ip) for _ in range(10)))
    finally:
        srv.stop()
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 3 + [429] * 7


# -- docs ----------------------------------------------------------------------------------


async def test_openapi_and_docs_are_served(server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        spec = (await http.get("/api/openapi.json")).json()
        assert {"/api/v1/auth/code", "/api/v1/me/devices", "/api/v1/friend-requests"} <= set(
            spec["paths"]
        )
        docs = await http.get("/api/docs")
        assert docs.status_code == 200 and "openapi.json" in docs.text
