"""Python client for Lianxin: REST (:class:`Client`) and the realtime socket (:class:`Connection`).

async with Client("http://127.0.0.1:8080") as api:
    await api.request_code("+14155550100")
    await api.verify("+14155550100", code, name="Alice")
    conn = await api.connect()
    ack = await conn.send_text(chat_id, "hello")
    frame = await conn.next_event()
"""

from lianxin.client.connection import Connection, FrameError, SyncState
from lianxin.client.rest import ApiError, Client

__all__ = ["ApiError", "Client", "Connection", "FrameError", "SyncState"]
