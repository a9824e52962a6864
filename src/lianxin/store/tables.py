"""The schema. Alembic migrations under ``migrations/versions`` must mirror this file.

Times are integer milliseconds since the epoch. A chat's events (messages and system
events such as recalls and membership changes) share one gap-free ``seq`` per chat:
that sequence is the sync primitive for everything that happens inside a chat.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("phone", String(20), nullable=False, unique=True),
    Column("handle", String(32), nullable=True),
    Column("handle_key", String(32), nullable=True, unique=True),
    Column("name", String(64), nullable=False),
    Column("bio", String(200), nullable=False, server_default=""),
    Column("is_bot", Boolean, nullable=False, server_default="0"),
    Column("find_by_phone", Boolean, nullable=False, server_default="1"),
    Column("find_by_handle", Boolean, nullable=False, server_default="1"),
    Column("last_seen_visibility", String(10), nullable=False, server_default="everyone"),
    Column("stranger_messages", Boolean, nullable=False, server_default="0"),
    Column("add_policy", String(20), nullable=False, server_default="everyone"),
    Column("read_receipts", Boolean, nullable=False, server_default="1"),
    Column("auto_friend", Boolean, nullable=False, server_default="1"),
    Column("find_nearby", Boolean, nullable=False, server_default="1"),
    Column("last_seen_at", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("ip", String(45), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("last_active_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
)

login_codes = Table(
    "login_codes",
    metadata,
    Column("phone", String(20), primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
)

# Fixed-window counters shared by every node (per phone number, per client IP, ...).
throttles = Table(
    "throttles",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("window_start", BigInteger, nullable=False),
    Column("hits", Integer, nullable=False),
    Column("last_at", BigInteger, nullable=False),
)

friend_requests = Table(
    "friend_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("from_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("to_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("greeting", String(200), nullable=False, server_default=""),
    Column("state", String(10), nullable=False),  # pending | accepted | declined | cancelled
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "to_id", "updated_at"),
    Index(None, "from_id", "updated_at"),
)

# One row per direction; removal keeps the row (active = false) so other devices sync it.
friends = Table(
    "friends",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("friend_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("since", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("remark", String(64), nullable=False, server_default=""),  # my name for them
    Column("tags", Text, nullable=False, server_default="[]"),  # JSON list of my labels
    Column("starred", Boolean, nullable=False, server_default="0"),
    Column("close_friend", Boolean, nullable=False, server_default="0"),
    Index(None, "user_id", "updated_at"),
)

blocks = Table(
    "blocks",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("blocked_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

chats = Table(
    "chats",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # direct | group
    Column("direct_key", String(41), nullable=True, unique=True),
    Column("title", String(64), nullable=False, server_default=""),
    Column("announcement", String(2000), nullable=False, server_default=""),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("member_count", Integer, nullable=False, server_default="0"),
    Column("bot_ids", Text, nullable=True),  # JSON list of member bots (actions/bot_fanout.py)
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("last_activity_at", BigInteger, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("chats.id"), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("role", String(10), nullable=False),  # owner | admin | member
    Column("active", Boolean, nullable=False),
    Column("joined_seq", BigInteger, nullable=False),  # sees events with seq > joined_seq
    Column("left_seq", BigInteger, nullable=True),  # ... and seq <= left_seq once gone
    Column("read_seq", BigInteger, nullable=False, server_default="0"),
    Column("delivered_seq", BigInteger, nullable=False, server_default="0"),
    Column("muted", Boolean, nullable=False, server_default="0"),
    Column("pinned_at", BigInteger, nullable=True),
    Column("archived", Boolean, nullable=False, server_default="0"),
    Column("joined_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # Not on updated_at: every send moves the sender's read_seq and updated_at, and an
    # indexed column would make that update rewrite the index entries (no HOT update on
    # PostgreSQL). No query ranges over updated_at per user.
    Index(None, "user_id"),
)

# Chat events. kind "text" is a user message; kind "system" carries data["type"].
messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("sender_id", BigInteger, ForeignKey("users.id"), nullable=True),
    Column("client_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=True),
    Column("reply_to", BigInteger, nullable=True),
    Column("mentions", Text, nullable=True),  # JSON list of user ids, or null
    Column("mention_all", Boolean, nullable=False, server_default="0"),
    Column("data", Text, nullable=True),  # JSON object for system events / forwards
    Column("created_at", BigInteger, nullable=False),
    Column("recalled_at", BigInteger, nullable=True),
    Column("edited_at", BigInteger, nullable=True),  # last edit (store/extras.py keeps history)
    Column("reactions", Text, nullable=True),  # JSON {emoji: count}, or null
    UniqueConstraint("chat_id", "seq"),
    UniqueConstraint("sender_id", "client_id"),
)

# Delete-for-me: hides one event from one user (all their devices).
hidden_messages = Table(
    "hidden_messages",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("chat_id", BigInteger, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "user_id", "created_at"),
)
