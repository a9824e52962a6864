"""Client → server frames: a discriminated union on ``t``, validated before any action runs.

See docs/protocol.md for every frame with examples.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Rid = Annotated[int | str | None, Field(default=None)]
PosInt = Annotated[int, Field(ge=1, le=2**53)]
NonNeg = Annotated[int, Field(ge=0, le=2**53)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    r: Rid = None


class Hello(_Frame):
    t: Literal["hello"]
    token: str | None = Field(default=None, max_length=200)
    since: NonNeg | None = None
    seqs: dict[str, NonNeg] | None = None


class Ping(_Frame):
    t: Literal["ping"]


class Send(_Frame):
    t: Literal["send"]
    id: str = Field(min_length=1, max_length=64)
    chat: PosInt
    kind: str = Field(default="text", min_length=1, max_length=16)
    text: str | None = None
    content: dict[str, Any] | None = None
    reply_to: PosInt | None = None
    mentions: list[PosInt] | None = Field(default=None, max_length=200)
    mention_all: bool = False


class Recv(_Frame):
    t: Literal["recv"]
    chat: PosInt
    seq: PosInt


class Read(_Frame):
    t: Literal["read"]
    chat: PosInt
    seq: PosInt


class Typing(_Frame):
    t: Literal["typing"]
    chat: PosInt


class Recall(_Frame):
    t: Literal["recall"]
    chat: PosInt
    seq: PosInt


class Edit(_Frame):
    t: Literal["edit"]
    chat: PosInt
    seq: PosInt
    text: str = Field(max_length=100_000)


class React(_Frame):
    t: Literal["react"]
    chat: PosInt
    seq: PosInt
    emoji: str = Field(min_length=1, max_length=16)
    on: bool = True


class Forward(_Frame):
    t: Literal["forward"]
    id: str = Field(min_length=1, max_length=64)
    from_chat: PosInt
    seq: PosInt
    to_chat: PosInt


class History(_Frame):
    t: Literal["history"]
    chat: PosInt
    before: PosInt | None = None
    after: NonNeg | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class Sync(_Frame):
    t: Literal["sync"]
    since: NonNeg | None = None
    seqs: dict[str, NonNeg] | None = None


class Presence(_Frame):
    t: Literal["presence"]
    users: list[PosInt] = Field(max_length=500)


class Callback(_Frame):
    """Press an inline button of a bot's message (its ``data``)."""

    t: Literal["callback"]
    chat: PosInt
    seq: PosInt
    data: str = Field(min_length=1, max_length=64)


ClientFrame = Annotated[
    Hello
    | Ping
    | Send
    | Recv
    | Read
    | Typing
    | Recall
    | Edit
    | React
    | Forward
    | History
    | Sync
    | Presence
    | Callback,
    Field(discriminator="t"),
]

client_frame: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)


def parse(data: Any) -> ClientFrame:
    return client_frame.validate_python(data)
