"""The food-ordering example bot (examples/food_bot.py), driven by a user's client."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from tests.harness import ServerThread
from tests.platform.helpers import frame_where, make_bot, text_ev
from tests.platform.test_ptb import polling

EXAMPLE = Path(__file__).parents[2] / "examples" / "food_bot.py"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("food_bot", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["food_bot"] = module
    spec.loader.exec_module(module)
    return module


def is_edit(text: str) -> Any:
    return lambda f: (
        f.get("kind") == "system" and f["data"].get("type") == "edit" and f["data"]["text"] == text
    )


async def test_order_food(server: ServerThread, closing: list[Any]) -> None:
    food = load_example()
    bot = await make_bot(server, closing, "Food")
    user = await server.signup("Diner")
    closing.append(user)
    conn = await user.connect()
    closing.append(conn)
    async with polling(food.build(bot.token, server.url)):
        chat = (await user.start_bot(bot.id))["chat"]
        menu = await frame_where(conn, text_ev(chat, "Menu — tap a dish to add it."))
        assert [b[0]["data"] for b in menu["data"]["buttons"]][-1] == "checkout"
        await conn.press(chat, menu["seq"], "add:noodles")
        await frame_where(conn, is_edit("Your cart:\nBeef noodles x1"))
        await conn.press(chat, menu["seq"], "add:tea")
        await frame_where(conn, is_edit("Your cart:\nBeef noodles x1\nMilk tea x1"))
        await conn.press(chat, menu["seq"], "checkout")
        done = await frame_where(
            conn, lambda f: f.get("kind") == "system" and "Total" in f["data"].get("text", "")
        )
        assert done["data"]["text"].endswith("Total: ¥40")
        bold = done["data"]["content"]["entities"]
        assert bold[0] == {"type": "bold", "offset": 0, "length": 12}
