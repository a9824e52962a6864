"""Tables of contacts and discovery: address books, join notices, suggestions, QR codes,
web sign-in codes, people nearby and reports.

They hang on the core ``metadata`` (imported by ``store/schema.py``) and are created by
the ``0002_contacts`` migration. Times are integer milliseconds since the epoch.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table

from lianxin.store.tables import Id, metadata

# Uploaded address books. A number is kept only as HMAC-SHA256(server secret, E.164):
# enough to match it against users now and later, useless to read numbers back.
address_book = Table(
    "address_book",
    metadata,
    Column("owner_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("phone_key", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=True),  # the user with this number, once known
    Column("created_at", BigInteger, nullable=False),
    Index(None, "phone_key"),
)

# "X joined Lianxin": one row per person who had X's number when X signed up.
joined_notices = Table(
    "joined_notices",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("joined_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

# Suggestions a user dismissed stay hidden.
dismissed_suggestions = Table(
    "dismissed_suggestions",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("suggested_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

# Scannable tokens: kind "user" (a personal code; target = the user) or "group" (an
# invite; target = the chat). Rotating or revoking sets revoked_at.
qr_tokens = Table(
    "qr_tokens",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("target_id", BigInteger, nullable=False),
    Column("created_by", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    Index(None, "kind", "target_id"),
)

# Group join settings (the core chats table stays as it is).
group_settings = Table(
    "group_settings",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("chats.id"), primary_key=True),
    Column("join_approval", Boolean, nullable=False, server_default="0"),
    Column("updated_at", BigInteger, nullable=False),
)

group_join_requests = Table(
    "group_join_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id"), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("state", String(10), nullable=False),  # pending | approved | declined
    Column("decided_by", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "chat_id", "state"),
)

# Web sign-in by QR. The browser holds ``secret`` (stored hashed); the QR shows ``token``.
# state: pending -> scanned -> confirmed -> done (or cancelled).
login_qr = Table(
    "login_qr",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("device_name", String(64), nullable=False),
    Column("state", String(10), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

# People nearby: a position rounded to ~100 m, indexed by grid cell, until expires_at.
nearby_positions = Table(
    "nearby_positions",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("cell_y", Integer, nullable=False),
    Column("cell_x", Integer, nullable=False),
    Column("lat_e3", Integer, nullable=False),  # latitude in thousandths of a degree
    Column("lon_e3", Integer, nullable=False),
    Column("gender", String(10), nullable=True),  # shown only when set
    Column("birth_year", Integer, nullable=True),
    Column("expires_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "cell_y", "cell_x"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("reporter_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("chat_id", BigInteger, nullable=True),
    Column("seq", BigInteger, nullable=True),
    Column("reason", String(20), nullable=False),
    Column("note", String(1000), nullable=False, server_default=""),
    Column("state", String(10), nullable=False),  # open | resolved
    Column("resolution", String(1000), nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Index(None, "state", "id"),
    Index(None, "reporter_id", "created_at"),  # the per-reporter rate limit
)
