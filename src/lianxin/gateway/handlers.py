"""Frame → action: each handler parses nothing (frames are validated) and calls one action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lianxin.actions import bot_callbacks, edits, messages, presence, reactions
from lianxin.errors import Code, LianxinError
from lianxin.gateway import frames

if TYPE_CHECKING:
    from lianxin.gateway.session import Session


def _ok(rid: Any, **extra: Any) -> dict[str, Any] | None:
    return None if rid is None else {"t": "ok", "r": rid, **extra}


async def handle(session: Session, frame: frames.ClientFrame) -> dict[str, Any] | None:
    svc, me, sid = session.svc, session.identity, session.session_id
    match frame:
        case frames.Ping():
            return {"t": "pong", "r": frame.r}
        case frames.Send():
            sent = await messages.do_send(
                svc,
                me,
                frame.chat,
                client_id=frame.id,
                kind=frame.kind,
                text=frame.text,
                content=frame.content,
                reply_to=frame.reply_to,
                mentions=frame.mentions,
                mention_all=frame.mention_all,
                session_id=sid,
            )
            return ack(frame.r, sent)
        case frames.Forward():
            sent = await messages.do_forward(
                svc,
                me,
                frame.from_chat,
                frame.seq,
                frame.to_chat,
                client_id=frame.id,
                session_id=sid,
            )
            return ack(frame.r, sent)
        case frames.Recv():
            await messages.do_mark_delivered(svc, me, frame.chat, frame.seq)
            return _ok(frame.r)
        case frames.Read():
            seq = await messages.do_mark_read(svc, me, frame.chat, frame.seq, session_id=sid)
            return _ok(frame.r, seq=seq)
        case frames.Typing():
            await messages.do_typing(svc, me, frame.chat, session_id=sid)
            return _ok(frame.r)
        case frames.Recall():
            event = await messages.do_recall(svc, me, frame.chat, frame.seq, session_id=sid)
            return _ok(frame.r, event=event)
        case frames.Edit():
            edited = await edits.do_edit(svc, me, frame.chat, frame.seq, frame.text, session_id=sid)
            return _ok(frame.r, **edited)
        case frames.React():
            reacted = await reactions.do_react(
                svc, me, frame.chat, frame.seq, frame.emoji, on=frame.on, session_id=sid
            )
            return _ok(frame.r, **reacted)
        case frames.History():
            page = await messages.history(
                svc, me, frame.chat, before=frame.before, after=frame.after, limit=frame.limit
            )
            return {"t": "history", "r": frame.r, **page}
        case frames.Sync():
            await session.resync(frame.r, frame.since, frame.seqs)
            return None
        case frames.Presence():
            users = await presence.access_presence(svc, me, list(frame.users))
            return {"t": "presence_list", "r": frame.r, "users": users}
        case frames.Callback():
            pressed = await bot_callbacks.do_press(svc, me, frame.chat, frame.seq, frame.data)
            return _ok(frame.r, **pressed)
        case frames.Hello():
            raise LianxinError(Code.bad_frame, "already said hello")
    return None


def ack(rid: Any, sent: messages.Sent) -> dict[str, Any]:
    ev = sent.event
    return {
        "t": "ack",
        "r": rid,
        "id": ev.get("cid"),
        "chat": ev["chat"],
        "seq": ev["seq"],
        "mid": ev["id"],
        "ts": ev["ts"],
        "duplicate": sent.duplicate,
    }
