"""media: uploaded objects, the chats they were sent into, resumable uploads, played /
opened marks and group albums (store/media.py)

Revision ID: 0003_media
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_media"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("variants", sa.String(length=100), server_default="", nullable=False),
        sa.Column("view_once", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("gone_at", sa.BigInteger(), nullable=True),
        _fk("media", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
    )
    op.create_index(op.f("ix_media_owner_id"), "media", ["owner_id"])
    op.create_index(op.f("ix_media_sha256"), "media", ["sha256"])
    op.create_table(
        "media_chats",
        sa.Column("media_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("media_chats", "media_id", "media"),
        _fk("media_chats", "chat_id", "chats"),
        sa.PrimaryKeyConstraint("media_id", "chat_id", name=op.f("pk_media_chats")),
    )
    op.create_index(op.f("ix_media_chats_chat_id"), "media_chats", ["chat_id"])
    op.create_table(
        "media_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        _fk("media_uploads", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_uploads")),
    )
    op.create_index(op.f("ix_media_uploads_expires_at"), "media_uploads", ["expires_at"])
    op.create_table(
        "media_marks",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("mark", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("media_marks", "chat_id", "chats"),
        _fk("media_marks", "user_id", "users"),
        sa.PrimaryKeyConstraint("chat_id", "seq", "user_id", name=op.f("pk_media_marks")),
    )
    op.create_table(
        "album_entries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("media_id", sa.BigInteger(), nullable=False),
        sa.Column("uploader_id", sa.BigInteger(), nullable=False),
        sa.Column("caption", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("removed_at", sa.BigInteger(), nullable=True),
        _fk("album_entries", "chat_id", "chats"),
        _fk("album_entries", "media_id", "media"),
        _fk("album_entries", "uploader_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_album_entries")),
    )
    op.create_index(op.f("ix_album_entries_chat_id_id"), "album_entries", ["chat_id", "id"])


def downgrade() -> None:
    for table in ("album_entries", "media_marks", "media_uploads", "media_chats", "media"):
        op.drop_table(table)
