"""Telegram media on Lianxin's media store: a real python-telegram-bot receives a user's
photo and document (PhotoSize array, Document, getFile, /file download) and answers with
uploads and file ids; raw calls cover voice, URLs (through the SSRF-safe fetcher) and
every refusal: another bot's file id, another bot's token on a file path, private URLs."""

from __future__ import annotations

from typing import Any

import httpx
from telegram import InputFile, Update
from telegram.ext import ContextTypes, MessageHandler, filters

from tests import media_samples
from tests.harness import ServerThread, uid
from tests.platform.helpers import frame_where, make_bot, tg, tg_ok
from tests.platform.test_ptb import application, polling

PDF = media_samples.pdf()


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.photo
    largest = message.photo[-1]
    data = await (await largest.get_file()).download_as_bytearray()
    await message.reply_photo(photo=bytes(data), caption=f"got {len(data)} bytes")
    await message.reply_photo(photo=largest.file_id, caption="same again")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.document is not None
    data = await (await message.document.get_file()).download_as_bytearray()
    back = InputFile(bytes(data), filename=f"copy-{message.document.file_name}")
    await message.reply_document(document=back, caption=f"{message.caption} ok")


async def test_ptb_bot_receives_and_sends_photos_and_documents(
    server: ServerThread, closing: list[Any]
) -> None:
    made = await make_bot(server, closing, "Lab")
    user = await server.signup("Mei")
    closing.append(user)
    conn = await user.connect()
    closing.append(conn)
    chat = (await user.start_bot(made.id))["chat"]
    app = application(server, made.token)
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    async with polling(app):
        photo = await user.upload(media_samples.jpeg(1600, 1200), "photo")
        await user.send_photo(chat, photo["id"], caption="look")
        got = await frame_where(conn, lambda f: f.get("kind") == "photo" and f["from"] == made.id)
        assert got["text"].startswith("got ") and got["data"]["width"] == 1600
        body = (await user.download(got["data"]["media"])).content
        assert body[:2] == b"\xff\xd8" and got["text"] == f"got {len(body)} bytes"
        again = await frame_where(conn, lambda f: f.get("kind") == "photo" and f["from"] == made.id)
        assert again["text"] == "same again" and again["data"]["media"] == photo["id"]

        doc = await user.upload(PDF, "file", name="menu.pdf", mime="application/pdf")
        await user.send_file(chat, doc["id"], caption="the menu")
        back = await frame_where(conn, lambda f: f.get("kind") == "file" and f["from"] == made.id)
        assert back["text"] == "the menu ok" and back["data"]["name"] == "copy-menu.pdf"
        assert (await user.download(back["data"]["media"])).content == PDF


async def test_update_shapes_get_file_and_access(server: ServerThread, closing: list[Any]) -> None:
    bot, other = await make_bot(server, closing, "A"), await make_bot(server, closing, "B")
    user = await server.signup("sender")
    closing.append(user)
    chat = (await user.start_bot(bot.id))["chat"]
    photo = await user.upload(media_samples.jpeg(1600, 800), "photo")
    await user.send_photo(chat, photo["id"], caption="/scan this")
    voice = await user.upload(media_samples.ogg_opus(2.0), "voice")
    await user.send_voice(chat, voice["id"])
    doc = await user.upload(PDF, "file", name="a.pdf", mime="application/pdf")
    await user.send_file(chat, doc["id"])
    updates = await tg_ok(server, bot.token, "getUpdates")
    shot, note, paper = (u["message"] for u in updates[1:])
    sizes = shot["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(320, 160), (1280, 640), (1600, 800)]
    assert shot["caption"] == "/scan this" and "text" not in shot
    assert shot["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert note["voice"]["duration"] == 2 and note["voice"]["mime_type"].startswith("audio/")
    assert paper["document"]["file_name"] == "a.pdf"
    assert paper["document"]["mime_type"] == "application/pdf"

    info = await tg_ok(server, bot.token, "getFile", file_id=sizes[0]["file_id"])
    assert info["file_size"] == sizes[0]["file_size"] and info["file_path"].startswith("photos/")
    async with httpx.AsyncClient(base_url=server.url) as http:
        thumb = await http.get(f"/file/bot{bot.token}/{info['file_path']}")
        assert thumb.status_code == 200 and len(thumb.content) == info["file_size"]
        # Another bot's token on the same path: the file does not exist for it.
        assert (await http.get(f"/file/bot{other.token}/{info['file_path']}")).status_code == 404
        assert (await http.get(f"/file/bot1:{'x' * 40}/{info['file_path']}")).status_code == 401
    for fid in (paper["document"]["file_id"], note["voice"]["file_id"], "L999999999", "junk"):
        resp = await tg(server, other.token, "getFile", file_id=fid)
        assert resp.status_code == 400, fid
        assert resp.json()["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    # Nor may the other bot send a file it never saw (ids are guessable).
    stranger = await server.signup("other-user")
    closing.append(stranger)
    await stranger.start_bot(other.id)
    resp = await tg(
        server,
        other.token,
        "sendDocument",
        chat_id=uid(stranger),
        document=paper["document"]["file_id"],
    )
    assert resp.status_code == 400


async def test_send_voice_upload_and_urls(make_server: Any, closing: list[Any]) -> None:
    server = make_server()
    bot = await make_bot(server, closing)
    user = await server.signup("listener")
    closing.append(user)
    chat = (await user.start_bot(bot.id))["chat"]
    files = {"voice": ("note.ogg", media_samples.ogg_opus(1.5), "audio/ogg")}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        sent = await http.post(
            f"/bot{bot.token}/sendVoice", data={"chat_id": str(uid(user))}, files=files
        )
        assert sent.status_code == 200, sent.text
        voice = sent.json()["result"]["voice"]
        assert voice["duration"] in (1, 2) and voice["file_size"] > 0
        attached = await http.post(
            f"/bot{bot.token}/sendDocument",
            data={
                "chat_id": str(uid(user)),
                "document": "attach://doc",
                "caption": "<b>x</b>",
                "parse_mode": "HTML",
            },
            files={"doc": ("r.pdf", PDF, "application/pdf")},
        )
        assert attached.status_code == 200, attached.text
        assert attached.json()["result"]["caption"] == "x"
        bad = await http.post(
            f"/bot{bot.token}/sendVoice",
            data={"chat_id": str(uid(user)), "caption": "no"},
            files=files,
        )
        assert bad.status_code == 400
    kinds = [e["kind"] for e in (await user.history(chat))["events"]]
    assert kinds.count("voice") == 1 and kinds.count("file") == 1
    # A URL on this (loopback) server is refused by the SSRF rules...
    photo = await user.upload(media_samples.jpeg(), "photo")
    url = server.url + photo["urls"]["content"]
    resp = await tg(server, bot.token, "sendPhoto", chat_id=uid(user), photo=url)
    assert resp.status_code == 400 and "HTTP URL" in resp.json()["description"]


async def test_send_photo_by_url_when_the_operator_allows_it(
    make_server: Any, closing: list[Any]
) -> None:
    server = make_server(link_preview_allow_networks=["127.0.0.0/8"])
    bot = await make_bot(server, closing)
    user = await server.signup("viewer")
    closing.append(user)
    await user.start_bot(bot.id)
    photo = await user.upload(media_samples.jpeg(800, 600), "photo")
    url = server.url + photo["urls"]["content"]
    sent = await tg_ok(server, bot.token, "sendPhoto", chat_id=uid(user), photo=url, caption="hi")
    assert sent["photo"][-1]["width"] == 800 and sent["caption"] == "hi"


async def test_native_api_uploads_sends_and_downloads(
    server: ServerThread, closing: list[Any]
) -> None:
    bot, other = await make_bot(server, closing, "N"), await make_bot(server, closing, "O")
    user = await server.signup("native-media")
    closing.append(user)
    chat = (await user.start_bot(bot.id))["chat"]
    mine = await user.upload(PDF, "file", name="in.pdf", mime="application/pdf")
    await user.send_file(chat, mine["id"])
    auth = {"Authorization": f"Bot {bot.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=auth, timeout=30) as http:
        got = (await http.get("/api/v1/bot/updates")).json()["updates"]
        media_id = got[-1]["message"]["data"]["media"]
        assert (await http.get(f"/api/v1/bot/media/{media_id}/content")).content == PDF
        up = await http.post(
            "/api/v1/bot/media", params={"kind": "photo"}, content=media_samples.jpeg()
        )
        assert up.status_code == 201
        sent = await http.post(
            f"/api/v1/bot/chats/{chat}/messages",
            json={"kind": "photo", "text": "for you", "content": {"media": up.json()["id"]}},
        )
        assert sent.status_code == 200 and sent.json()["kind"] == "photo"
        wrong = await http.post(
            "/api/v1/bot/media", params={"kind": "photo"}, content=b"not an image"
        )
        assert wrong.status_code == 415
    theirs = {"Authorization": f"Bot {other.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=theirs) as http:
        assert (await http.get(f"/api/v1/bot/media/{media_id}/content")).status_code == 404
    shown = (await user.history(chat))["events"][-1]
    assert shown["kind"] == "photo" and shown["text"] == "for you"
