"""The open platform: bot API surfaces (native and Telegram-compatible) and webhooks.

Like ``api/`` and ``gateway/``, these modules only translate: every decision is an
action in ``actions/bots.py``, ``bot_updates.py``, ``bot_callbacks.py`` and ``webhooks.py``.
"""
