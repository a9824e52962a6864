"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 02:45:06.214484
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "chats",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("direct_key", sa.String(length=41), nullable=True),
        sa.Column("title", sa.String(length=64), server_default="", nullable=False),
        sa.Column("announcement", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("member_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("last_activity_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
        sa.UniqueConstraint("direct_key", name=op.f("uq_chats_direct_key")),
    )
    op.create_table(
        "login_codes",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_login_codes")),
    )
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttles")),
    )
    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("handle", sa.String(length=32), nullable=True),
        sa.Column("handle_key", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("bio", sa.String(length=200), server_default="", nullable=False),
        sa.Column("is_bot", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("find_by_phone", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("find_by_handle", sa.Boolean(), server_default="1", nullable=False),
        sa.Column(
            "last_seen_visibility", sa.String(length=10), server_default="everyone", nullable=False
        ),
        sa.Column("stranger_messages", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("handle_key", name=op.f("uq_users_handle_key")),
        sa.UniqueConstraint("phone", name=op.f("uq_users_phone")),
    )
    op.create_table(
        "blocks",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blocked_id"], ["users.id"], name=op.f("fk_blocks_blocked_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_blocks_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "blocked_id", name=op.f("pk_blocks")),
    )
    op.create_table(
        "devices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_active_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_devices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_user_id"), ["user_id"], unique=False)

    op.create_table(
        "friend_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("from_id", sa.BigInteger(), nullable=False),
        sa.Column("to_id", sa.BigInteger(), nullable=False),
        sa.Column("greeting", sa.String(length=200), server_default="", nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_id"], ["users.id"], name=op.f("fk_friend_requests_from_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["to_id"], ["users.id"], name=op.f("fk_friend_requests_to_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_friend_requests")),
    )
    with op.batch_alter_table("friend_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_friend_requests_from_id_updated_at"),
            ["from_id", "updated_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_friend_requests_to_id_updated_at"), ["to_id", "updated_at"], unique=False
        )

    op.create_table(
        "friends",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("since", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["friend_id"], ["users.id"], name=op.f("fk_friends_friend_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_friends_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "friend_id", name=op.f("pk_friends")),
    )
    with op.batch_alter_table("friends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_friends_user_id_updated_at"), ["user_id", "updated_at"], unique=False
        )

    op.create_table(
        "hidden_messages",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hidden_messages_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "chat_id", "seq", name=op.f("pk_hidden_messages")),
    )
    with op.batch_alter_table("hidden_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hidden_messages_user_id_created_at"),
            ["user_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "members",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_seq", sa.BigInteger(), nullable=False),
        sa.Column("left_seq", sa.BigInteger(), nullable=True),
        sa.Column("read_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("delivered_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("muted", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("pinned_at", sa.BigInteger(), nullable=True),
        sa.Column("archived", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("joined_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_members_chat_id_chats")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_members_user_id_users")),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_members")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_members_user_id_updated_at"), ["user_id", "updated_at"], unique=False
        )

    op.create_table(
        "messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reply_to", sa.BigInteger(), nullable=True),
        sa.Column("mentions", sa.Text(), nullable=True),
        sa.Column("mention_all", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("recalled_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_messages_chat_id_chats")),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name=op.f("fk_messages_sender_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("chat_id", "seq", name=op.f("uq_messages_chat_id_seq")),
        sa.UniqueConstraint("sender_id", "client_id", name=op.f("uq_messages_sender_id_client_id")),
    )


def downgrade() -> None:

    op.drop_table("messages")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_user_id_updated_at"))

    op.drop_table("members")
    with op.batch_alter_table("hidden_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hidden_messages_user_id_created_at"))

    op.drop_table("hidden_messages")
    with op.batch_alter_table("friends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_friends_user_id_updated_at"))

    op.drop_table("friends")
    with op.batch_alter_table("friend_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_friend_requests_to_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_friend_requests_from_id_updated_at"))

    op.drop_table("friend_requests")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_user_id"))

    op.drop_table("devices")
    op.drop_table("blocks")
    op.drop_table("users")
    op.drop_table("throttles")
    op.drop_table("login_codes")
    op.drop_table("chats")
