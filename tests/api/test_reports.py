"""Reports: a user or a message I can read; refusals; the per-reporter rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lianxin.client import Client
from tests.api.test_contacts import expect, users
from tests.harness import ServerThread, befriend, uid


async def test_report_a_user(server: ServerThread, closing: list[Any]) -> None:
    me, spammer = await users(server, closing, "Me", "Spammer")
    made = await me.report("spam", user_id=uid(spammer), note="  sells watches  ")
    assert made["id"] > 0
    assert (made["user"], made["reporter"], made["reason"]) == (uid(spammer), uid(me), "spam")
    assert (made["state"], made["note"], made["chat"], made["seq"]) == (
        "open",
        "sells watches",
        None,
        None,
    )
    await spammer.block(uid(me))
    assert (await me.report("abuse", user_id=uid(spammer)))["state"] == "open"  # still allowed
    await expect("not_found", me.report("spam", user_id=uid(me) + 10_000_000))
    await expect("bad_request", me.report("spam", user_id=uid(me)))
    await expect("bad_request", me.report("rude", user_id=uid(spammer)))
    await expect("bad_request", me.report("spam"))
    await expect("bad_request", me.report("spam", user_id=uid(spammer), note="x" * 1001))
    anonymous = Client(server.url)
    closing.append(anonymous)
    await expect("unauthorized", anonymous.report("spam", user_id=uid(spammer)))


async def test_report_a_message_i_can_read(server: ServerThread, closing: list[Any]) -> None:
    me, sender, outsider = await users(server, closing, "Me", "Sender", "Outsider")
    chat = await befriend(me, sender)
    sent = await sender.send_text(chat, "send me your bank details")
    seq = int(sent["seq"])
    made = await me.report("fraud", chat_id=chat, seq=seq)
    assert (made["user"], made["chat"], made["seq"]) == (uid(sender), chat, seq)
    assert (await me.report("fraud", user_id=uid(sender), chat_id=chat, seq=seq))["id"] > made["id"]

    refused = await expect("not_member", outsider.report("fraud", chat_id=chat, seq=seq))
    assert refused.status == 404  # a message I cannot read does not exist for me
    await expect("not_found", me.report("fraud", chat_id=chat, seq=seq + 100))
    await expect("not_found", me.report("fraud", chat_id=chat, seq=1))  # the system event
    await expect("bad_request", me.report("fraud", user_id=uid(outsider), chat_id=chat, seq=seq))
    await expect("bad_request", me.report("fraud", chat_id=chat))  # seq missing
    mine = await me.send_text(chat, "my own words")
    await expect("bad_request", me.report("abuse", chat_id=chat, seq=int(mine["seq"])))
    await sender.recall(chat, seq)
    await expect("not_found", me.report("fraud", chat_id=chat, seq=seq))


async def test_reports_are_rate_limited(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server(reports_per_hour=2)
    me, other, bystander = await users(srv, closing, "Me", "Other", "Bystander")
    await me.report("spam", user_id=uid(other))
    await me.report("other", user_id=uid(other))
    refused = await expect("rate_limited", me.report("abuse", user_id=uid(other)))
    assert 0 < refused.details["retry_after_s"] <= 3600
    assert (await bystander.report("spam", user_id=uid(other)))["state"] == "open"  # per reporter
    srv.clock.advance(3601)
    assert (await me.report("abuse", user_id=uid(other)))["state"] == "open"
