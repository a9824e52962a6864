"""The webhook sender: a background task in every server process.

Each round it claims the bots whose webhooks it delivers (a lease in the database, so
one node per bot in a cluster), reads their due updates and POSTs them one at a time,
in order, as Telegram ``Update`` JSON with ``Content-Type: application/json``, the
``X-Telegram-Bot-Api-Secret-Token`` header and ``X-Lianxin-Signature`` (HMAC over the
timestamp and body, against tampering and replay). Any 2xx acknowledges; a body with a
``method`` is executed as that bot's call. Failures back off (``actions/webhooks.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

import httpx
import orjson

from lianxin.actions import bot_updates, botfather, bots, webhooks
from lianxin.actions.bots import Bot, bot_from_row
from lianxin.errors import LianxinError
from lianxin.platform.telegram import shapes
from lianxin.platform.telegram.methods import METHODS, NOT_FROM_WEBHOOK, Ctx
from lianxin.platform.telegram.params import Params
from lianxin.services import Services

log = logging.getLogger(__name__)

BATCH = 20


class WebhookSender:
    def __init__(self, svc: Services, wakeups: bot_updates.Wakeups) -> None:
        self.svc = svc
        self.wakeups = wakeups
        self.node = uuid.uuid4().hex
        self.http = httpx.AsyncClient(
            timeout=svc.settings.webhook_timeout_s, follow_redirects=False, trust_env=False
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.http.aclose()

    async def _run(self) -> None:
        interval = self.svc.settings.webhook_poll_interval_s
        try:
            await botfather.ensure_account(self.svc)  # the system bot, on first start
        except Exception:
            log.exception("could not set up BotFather")
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("webhook round failed; retrying")
            await asyncio.sleep(interval)

    async def round(self) -> None:
        lease_s = self.svc.settings.webhook_timeout_s * BATCH + 30
        bot_ids = await webhooks.do_claim(self.svc, self.node, lease_s)
        await asyncio.gather(*(self._deliver_bot(b) for b in bot_ids))

    async def _deliver_bot(self, bot_id: int) -> None:
        row, updates = await webhooks.due_updates(self.svc, bot_id, BATCH)
        if row is None:
            return
        bot = bot_from_row(row)
        for update in updates:
            body = await self._shape(bot, update)
            if body is None:
                await webhooks.do_delivered(self.svc, bot_id, update.update_id)
                continue
            if row.webhook_url == botfather.INTERNAL_URL:
                await self._botfather(bot, update.update_id, orjson.loads(body))
                continue
            if not await self._post(bot, row, update, body):
                return  # keep order: later updates wait for this one

    async def _botfather(self, bot: Bot, update_id: int, update: dict[str, Any]) -> None:
        """BotFather's updates go to its dialog in-process; its answer is an ordinary send
        with a client id per update, so a redelivery never answers twice."""
        message = update.get("message") or {}
        if message.get("chat", {}).get("type") == "private" and "from" in message:
            user_id = int(message["from"]["id"])
            try:
                reply = await botfather.do_reply(self.svc, user_id, message.get("text") or "")
                chat_id = await bots.direct_chat_with(self.svc, bot, user_id)
                await bots.do_bot_send(
                    self.svc, bot, chat_id, text=reply, client_id=f"bf{update_id}"
                )
            except LianxinError as exc:
                log.info("BotFather could not answer user %s: %s", user_id, exc.message)
        await webhooks.do_delivered(self.svc, bot.user_id, update_id)

    async def _shape(self, bot: Bot, update: Any) -> bytes | None:
        events = await bot_updates.load_events(self.svc, [update])
        async with self.svc.db.read() as conn:
            shaped = await shapes.Shaper(conn, bot).update(
                update, events.get((update.chat_id, update.seq))
            )
        return None if shaped is None else orjson.dumps(shaped)

    async def _post(self, bot: Bot, row: Any, update: Any, body: bytes) -> bool:
        headers = {"Content-Type": "application/json"}
        if row.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = row.webhook_secret
        headers["X-Lianxin-Signature"] = webhooks.sign(row.webhook_key, int(time.time()), body)
        try:
            await webhooks.check_target(self.svc, row.webhook_url)  # DNS may have changed
            resp = await self.http.post(row.webhook_url, content=body, headers=headers)
        except (httpx.HTTPError, LianxinError) as exc:
            message = exc.message if isinstance(exc, LianxinError) else type(exc).__name__
            await webhooks.do_failed(self.svc, bot.user_id, update, message, None)
            return False
        if not 200 <= resp.status_code < 300:
            retry = resp.headers.get("Retry-After")
            wait = float(retry) if retry and retry.isdigit() else None
            error = f"Wrong response from the webhook: {resp.status_code}"
            await webhooks.do_failed(self.svc, bot.user_id, update, error, wait)
            return False
        await webhooks.do_delivered(self.svc, bot.user_id, update.update_id)
        await self._reply(bot, resp)
        return True

    async def _reply(self, bot: Bot, resp: httpx.Response) -> None:
        """A ``method`` in the webhook's answer is run as the bot (its result is unseen)."""
        if resp.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return
        try:
            body = resp.json()
        except ValueError:
            return
        name = body.get("method") if isinstance(body, dict) else None
        if not isinstance(name, str) or name.lower() not in METHODS:
            return
        if name.lower().startswith(NOT_FROM_WEBHOOK):
            return
        params = Params({k: v for k, v in body.items() if k != "method"})
        ctx = Ctx(self.svc, bot, "", self.wakeups)
        try:
            await METHODS[name.lower()](ctx, params)
        except LianxinError as exc:
            log.info("webhook reply %s of bot %s refused: %s", name, bot.user_id, exc.message)
