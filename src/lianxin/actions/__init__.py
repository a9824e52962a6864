"""Domain logic. ``check_*`` validates and may raise, ``do_*`` mutates then publishes
events after commit, ``access_*`` fetches with an authorisation check.

Routes, WebSocket frames and CLI commands translate their input into calls here;
nothing in this package knows HTTP or WebSocket.
"""
