"""A food-ordering bot for Lianxin, written with python-telegram-bot (unchanged library).

/start shows the menu with buttons; each press adds a dish to your cart (the message is
edited to show it); "Checkout" turns the message into an order summary.

Run it against your server:

    LIANXIN_URL=http://127.0.0.1:8080 BOT_TOKEN=<id>:<secret> python examples/food_bot.py
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

MENU = {
    "noodles": ("Beef noodles", 28),
    "dumplings": ("Dumplings x10", 22),
    "tea": ("Milk tea", 12),
}


def keyboard() -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(f"{name} ¥{price}", callback_data=f"add:{key}")]
        for key, (name, price) in MENU.items()
    ]
    rows.append([InlineKeyboardButton("Checkout", callback_data="checkout")])
    return InlineKeyboardMarkup(rows)


def cart_text(cart: Counter[str]) -> str:
    if not cart:
        return "Menu — tap a dish to add it."
    lines = [f"{MENU[k][0]} x{n}" for k, n in sorted(cart.items())]
    return "Your cart:\n" + "\n".join(lines)


def summary(cart: Counter[str]) -> str:
    total = sum(MENU[k][1] * n for k, n in cart.items())
    lines = [f"{MENU[k][0]} x{n} = ¥{MENU[k][1] * n}" for k, n in sorted(cart.items())]
    return "<b>Order placed</b>\n" + "\n".join(lines) + f"\n<b>Total: ¥{total}</b>"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and context.user_data is not None
    context.user_data["cart"] = Counter()
    await update.message.reply_text(cart_text(Counter()), reply_markup=keyboard())


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    cart: Counter[str] = context.user_data.setdefault("cart", Counter())
    if query.data.startswith("add:") and query.data[4:] in MENU:
        cart[query.data[4:]] += 1
        await query.answer(f"Added {MENU[query.data[4:]][0]}")
        await query.edit_message_text(cart_text(cart), reply_markup=keyboard())
    elif query.data == "checkout" and cart:
        await query.answer("Thank you!")
        await query.edit_message_text(summary(cart), parse_mode="HTML")
        cart.clear()
    else:
        await query.answer("Your cart is empty", show_alert=True)


def build(token: str, server: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, pointed at a Lianxin server instead of api.telegram.org."""
    app = (
        Application.builder()
        .token(token)
        .base_url(f"{server}/bot")
        .base_file_url(f"{server}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


if __name__ == "__main__":
    build(
        os.environ["BOT_TOKEN"], os.environ.get("LIANXIN_URL", "http://127.0.0.1:8080")
    ).run_polling()
