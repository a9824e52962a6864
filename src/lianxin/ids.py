"""Typed ids at the boundary, so a chat id is never passed where a user id belongs."""

from __future__ import annotations

from typing import NewType

UserId = NewType("UserId", int)
DeviceId = NewType("DeviceId", int)
ChatId = NewType("ChatId", int)
MessageId = NewType("MessageId", int)
Seq = NewType("Seq", int)
