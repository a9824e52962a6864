"""Official accounts end to end: creation, directory and profile, follow / unfollow and the
chat it opens, the owner acting as the account (and nobody else), menus and templates."""

from __future__ import annotations

import uuid
from typing import Any

from tests.harness import ServerThread, befriend, people, refused, uid

MENU = [
    {"name": "Shop", "action": {"type": "url", "url": "https://shop.example.org/"}},
    {
        "name": "More",
        "entries": [
            {"name": "Help", "action": {"type": "command", "text": "/help"}},
            {"name": "Cart", "action": {"type": "mini_app", "app_id": "shop", "path": "/cart"}},
            {"name": "Web app", "action": {"type": "mini_app", "url": "http://app.example.org"}},
        ],
    },
]

TEMPLATE = {
    "title": "Order shipped",
    "fields": [{"label": "Order", "value": "#1024"}, {"label": "Carrier", "value": "SF"}],
    "button": {"text": "Track", "url": "https://shop.example.org/track/1024"},
}


def handle() -> str:
    return "oa_" + uuid.uuid4().hex[:12]


async def test_create_profile_directory_and_bad_input(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, reader = await people(server, closing, "Owner", "Reader")
    tag = uuid.uuid4().hex[:8]
    h = handle()
    made = await owner.create_official(f"News {tag}", handle=h, description="Daily news")
    assert made["owner"] == uid(owner) and made["verified"] is False and made["is_bot"] is True
    assert made["follower_count"] == 0 and made["menu"] == []

    seen = await reader.official(made["id"])
    assert seen["name"] == f"News {tag}" and seen["handle"] == h
    assert seen["following"] is False and seen["chat_id"] is None and "owner" not in seen

    found = await reader.official_directory(tag)
    assert [a["id"] for a in found] == [made["id"]]
    assert await reader.official_directory("no-such-" + tag) == []
    assert [a["id"] for a in await owner.official_mine()] == [made["id"]]
    assert await reader.official_mine() == []

    before = await owner.official_mine()
    await refused(owner.create_official("   "), "bad_request", 400)
    await refused(owner.create_official("X", handle="1bad"), "invalid_handle", 400)
    await refused(owner.create_official("X", handle=h), "handle_taken", 409)
    await refused(owner.create_official("X", description="d" * 501), "bad_request", 400)
    await refused(owner.official(2**40), "not_found", 404)
    assert await owner.official_mine() == before

    # The account cannot be befriended: it is nobody's friend, so nobody can add it to a group.
    await refused(reader.send_friend_request(made["id"]), "not_allowed", 403)


async def test_only_the_owner_manages_the_account(server: ServerThread, closing: list[Any]) -> None:
    owner, other = await people(server, closing, "Owner", "Other")
    acct = (await owner.create_official("Shop"))["id"]
    theirs = (await other.create_official("Mine"))["id"]
    await other.follow(acct)
    chat = (await other.official(acct))["chat_id"]

    for call in (
        other.update_official(acct, name="Taken over"),
        other.set_official_menu(acct, []),
        other.official_followers(acct),
        other.official_chats(acct),
        other.official_history(acct, chat),
        other.send_as_official(acct, chat, text="as the shop"),
        other.official_read(acct, chat, 1),
        other.broadcast(acct, "spam"),
        other.broadcasts(acct),
    ):
        await refused(call, "not_found", 404)
    # Owning some account does not let you use it in another account's chats.
    await refused(other.send_as_official(theirs, chat, text="hi"), "not_member", 404)
    assert (await owner.official(acct))["name"] == "Shop"
    # The owner acts as the account; following it would be a chat with themselves.
    await refused(owner.follow(acct), "not_allowed", 403)
    mine = await owner.official(acct)
    assert mine["following"] is False and mine["chat_id"] is None and mine["follower_count"] == 1
    assert await owner.official_following() == []
    updated = await owner.update_official(acct, name="Shop 2", description="New")
    assert (updated["name"], updated["description"]) == ("Shop 2", "New")
    page = await owner.official_followers(acct)
    assert [f["user"]["id"] for f in page["followers"]] == [uid(other)]


async def test_follow_chat_reply_and_unfollow(server: ServerThread, closing: list[Any]) -> None:
    owner, fan, stranger = await people(server, closing, "Owner", "Fan", "Stranger")
    acct = (await owner.create_official("Helpdesk"))["id"]

    # Nobody may message an account they do not follow.
    await refused(stranger.open_direct(acct), "not_friends", 403)

    followed = await fan.follow(acct)
    chat = followed["chat_id"]
    assert followed["following"] is True and followed["follower_count"] == 1
    again = await fan.follow(acct)  # a second follow changes nothing
    assert (again["chat_id"], again["follower_count"]) == (chat, 1)
    assert [a["id"] for a in await fan.official_following()] == [acct]

    conn = await fan.connect()
    closing.append(conn)
    asked = await fan.send_text(chat, "Where is my order?")
    owner_view = await owner.official_chats(acct)
    assert [c["id"] for c in owner_view] == [chat]
    assert owner_view[0]["peer"]["id"] == uid(fan)
    texts = [e.get("text") for e in (await owner.official_history(acct, chat))["events"]]
    assert "Where is my order?" in texts

    cid = uuid.uuid4().hex
    reply = await owner.send_as_official(acct, chat, text="On its way", client_id=cid)
    assert reply["from"] == acct and reply["seq"] > asked["seq"]
    twin = await owner.send_as_official(acct, chat, text="On its way", client_id=cid)
    assert twin["duplicate"] is True and twin["seq"] == reply["seq"]
    while (frame := await conn.next_event()).get("text") != "On its way":
        pass
    assert frame["from"] == acct and frame["chat"] == chat

    # Nobody else can post into the fan's chat with the account.
    await refused(stranger.send_text(chat, "hello"), "not_member", 404)

    gone = await fan.unfollow(acct)
    assert gone["following"] is False and gone["follower_count"] == 0
    await refused(fan.send_text(chat, "still there?"), "not_friends", 403)
    await refused(owner.send_as_official(acct, chat, text="come back"), "not_friends", 403)
    assert any(e.get("text") == "On its way" for e in (await fan.history(chat))["events"])
    back = await fan.follow(acct)
    assert back["chat_id"] == chat and back["follower_count"] == 1
    await fan.send_text(chat, "back again")


async def test_follow_refused_when_blocked(server: ServerThread, closing: list[Any]) -> None:
    owner, fan = await people(server, closing, "Owner", "Fan")
    acct = (await owner.create_official("Loud"))["id"]
    await fan.block(acct)
    await refused(fan.follow(acct), "blocked", 403)
    assert (await owner.official(acct))["follower_count"] == 0
    await refused(fan.follow(uid(owner)), "not_found", 404)  # a person is not an account


async def test_menu_is_validated_and_shown_to_followers(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, fan = await people(server, closing, "Owner", "Fan")
    acct = (await owner.create_official("Menus"))["id"]
    stored = await owner.set_official_menu(acct, MENU)
    assert stored == MENU
    await fan.follow(acct)
    assert (await fan.official(acct))["menu"] == MENU

    entry = {"name": "A", "action": {"type": "command", "text": "/a"}}
    bad: list[list[Any]] = [
        [entry] * 4,
        [{"name": "Many", "entries": [entry] * 6}],
        [{"name": "Empty", "entries": []}],
        [{"name": "JS", "action": {"type": "url", "url": "javascript:alert(1)"}}],
        [{"name": "Rel", "action": {"type": "url", "url": "/relative"}}],
        [{"name": "Both", "action": entry["action"], "entries": [entry]}],
        [{"name": "x" * 17, "action": entry["action"]}],
        [{"name": "Odd", "action": {"type": "command", "text": "/a", "extra": 1}}],
        [{"name": "App", "action": {"type": "mini_app"}}],
        [{"name": "App", "action": {"type": "mini_app", "app_id": "bad id"}}],
        [{"name": "Deep", "entries": [{"name": "S", "entries": [entry]}]}],
    ]
    for menu in bad:
        await refused(owner.set_official_menu(acct, menu), "bad_request", 400)
    assert (await fan.official(acct))["menu"] == MENU
    assert await owner.set_official_menu(acct, []) == []


async def test_templates_need_the_followers_permission(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, fan, friend = await people(server, closing, "Owner", "Fan", "Friend")
    acct = (await owner.create_official("Orders"))["id"]
    chat = (await fan.follow(acct))["chat_id"]

    send = owner.send_as_official
    await refused(send(acct, chat, "template", content=TEMPLATE), "not_allowed", 403)
    allowed = await fan.allow_templates(acct, True)
    assert allowed["templates_allowed"] is True
    sent = await send(acct, chat, "template", content=TEMPLATE, text="Thanks!")
    assert sent["kind"] == "template" and sent["data"] == TEMPLATE and sent["text"] == "Thanks!"
    events = (await fan.history(chat))["events"]
    assert [e["data"]["title"] for e in events if e["kind"] == "template"] == ["Order shipped"]

    for content in (
        {"fields": []},
        {**TEMPLATE, "button": {"text": "Go", "url": "ftp://x"}},
        {**TEMPLATE, "fields": [{"label": "L"}]},
        {**TEMPLATE, "colour": "red"},
        {**TEMPLATE, "fields": [{"label": "L", "value": "v"}] * 11},
    ):
        await refused(send(acct, chat, "template", content=content), "bad_request", 400)

    # People cannot send templates, not even to their friends.
    direct = await befriend(fan, friend)
    await refused(fan.send(direct, "template", content=TEMPLATE), "not_allowed", 403)

    await fan.allow_templates(acct, False)
    await refused(send(acct, chat, "template", content=TEMPLATE), "not_allowed", 403)
    await fan.allow_templates(acct, True)
    await fan.unfollow(acct)  # unfollowing also withdraws the permission
    await fan.follow(acct)
    assert (await fan.official(acct))["templates_allowed"] is False
    await refused(send(acct, chat, "template", content=TEMPLATE), "not_allowed", 403)
    await refused(friend.allow_templates(acct, True), "not_allowed", 403)
