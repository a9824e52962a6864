"""Stable, machine-readable error codes.

Every refusal the server makes is a :class:`LianxinError`: a code from :class:`Code`
(stable across releases, safe for clients to switch on), a human message, and the
HTTP status used when it crosses the REST API. The WebSocket gateway sends the same
code and message in an ``error`` frame. Privacy and block refusals add a
:class:`Reason`, finer than the code, so a client can say *which* setting refused it
without reading the English message.

    LianxinError
     ├── code: Code  (e.g. "not_found", "rate_limited")
     ├── message: str
     ├── reason: Reason | None  (e.g. "privacy_nobody"; sent only when set)
     ├── details: dict  (e.g. retry_after_s; sent only when set)
     └── status: int (HTTP)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Code(StrEnum):
    bad_request = "bad_request"
    too_large = "too_large"
    unsupported_media = "unsupported_media"
    storage_full = "storage_full"
    gone = "gone"
    invalid_phone = "invalid_phone"
    invalid_code = "invalid_code"
    code_expired = "code_expired"
    too_many_attempts = "too_many_attempts"
    rate_limited = "rate_limited"
    unauthorized = "unauthorized"
    forbidden = "forbidden"
    not_found = "not_found"
    handle_taken = "handle_taken"
    invalid_handle = "invalid_handle"
    already_friends = "already_friends"
    blocked = "blocked"
    not_friends = "not_friends"
    not_member = "not_member"
    member_limit = "member_limit"
    not_allowed = "not_allowed"
    recall_expired = "recall_expired"
    edit_expired = "edit_expired"
    text_too_long = "text_too_long"
    frame_too_large = "frame_too_large"
    bad_frame = "bad_frame"
    conflict = "conflict"
    sms_failed = "sms_failed"
    quota_exceeded = "quota_exceeded"
    expired = "expired"
    server_full = "server_full"
    internal = "internal"


class Reason(StrEnum):
    """Which privacy setting or block refused a request (``reason`` beside ``code``).

    A search that finds no one says ``*_unlisted_or_unknown`` whether the account is
    missing or hides from that search: the server never tells which, so a phone number
    cannot be tested for being registered.
    """

    privacy_nobody = "privacy_nobody"  # their "who can add me" is nobody
    privacy_friends_of_friends = "privacy_friends_of_friends"  # ... and we share no friend
    blocked = "blocked"  # they blocked me
    blocked_by_me = "blocked_by_me"  # I blocked them; unblocking lets it through
    strangers_off = "strangers_off"  # they take messages from friends only
    phone_unlisted_or_unknown = "phone_unlisted_or_unknown"
    id_unlisted_or_unknown = "id_unlisted_or_unknown"
    nearby_not_sharing = "nearby_not_sharing"  # share my position first
    not_nearby = "not_nearby"  # they are not listed near me (any more)


_STATUS: dict[Code, int] = {
    Code.bad_request: 400,
    Code.invalid_phone: 400,
    Code.too_large: 413,
    Code.unsupported_media: 415,
    Code.storage_full: 507,
    Code.gone: 410,
    Code.invalid_code: 400,
    Code.code_expired: 400,
    Code.too_many_attempts: 429,
    Code.rate_limited: 429,
    Code.unauthorized: 401,
    Code.forbidden: 403,
    Code.not_found: 404,
    Code.handle_taken: 409,
    Code.invalid_handle: 400,
    Code.already_friends: 409,
    Code.blocked: 403,
    Code.not_friends: 403,
    Code.not_member: 404,
    Code.member_limit: 409,
    Code.not_allowed: 403,
    Code.recall_expired: 409,
    Code.edit_expired: 409,
    Code.text_too_long: 400,
    Code.frame_too_large: 400,
    Code.bad_frame: 400,
    Code.conflict: 409,
    Code.sms_failed: 502,
    Code.quota_exceeded: 429,
    Code.expired: 410,
    Code.server_full: 503,
    Code.internal: 500,
}


class LianxinError(Exception):
    """A refusal with a stable code; raised by actions, translated by routes and frames."""

    def __init__(
        self, code: Code, message: str, *, reason: Reason | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.details = details

    @property
    def status(self) -> int:
        return _STATUS[self.code]

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.reason is not None:
            body["reason"] = self.reason.value
        if self.details:
            body["details"] = self.details
        return body
