"""message extras: edits (edited_at + history), reactions (counts on the message, one row
per reactor), sticker packs with their images, users' sticker collections and favourites

Revision ID: 0004_message_extras
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_message_extras"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("messages", sa.Column("edited_at", sa.BigInteger(), nullable=True))
    op.add_column("messages", sa.Column("reactions", sa.Text(), nullable=True))

    op.create_table(
        "message_edits",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.BigInteger(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_edits")),
    )
    op.create_index(op.f("ix_message_edits_chat_id_seq"), "message_edits", ["chat_id", "seq"])
    op.create_table(
        "reactions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("emoji", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
        sa.UniqueConstraint(
            "chat_id",
            "seq",
            "user_id",
            "emoji",
            name=op.f("uq_reactions_chat_id_seq_user_id_emoji"),
        ),
    )
    op.create_table(
        "sticker_packs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("animated", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sticker_packs")),
        sa.UniqueConstraint("slug", name=op.f("uq_sticker_packs_slug")),
    )
    op.create_table(
        "stickers",
        sa.Column("pack_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("mime", sa.String(length=16), nullable=False),
        sa.Column("emoji", sa.String(length=16), server_default="", nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("animated", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pack_id"], ["sticker_packs.id"], name=op.f("fk_stickers_pack_id_sticker_packs")
        ),
        sa.PrimaryKeyConstraint("pack_id", "idx", name=op.f("pk_stickers")),
    )
    op.create_table(
        "user_sticker_packs",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("pack_id", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sticker_packs_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["pack_id"],
            ["sticker_packs.id"],
            name=op.f("fk_user_sticker_packs_pack_id_sticker_packs"),
        ),
        sa.PrimaryKeyConstraint("user_id", "pack_id", name=op.f("pk_user_sticker_packs")),
    )
    op.create_table(
        "favourite_stickers",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("pack_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favourite_stickers_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["pack_id", "idx"],
            ["stickers.pack_id", "stickers.idx"],
            name=op.f("fk_favourite_stickers_pack_id_stickers"),
        ),
        sa.PrimaryKeyConstraint("user_id", "pack_id", "idx", name=op.f("pk_favourite_stickers")),
    )


def downgrade() -> None:
    op.drop_table("favourite_stickers")
    op.drop_table("user_sticker_packs")
    op.drop_table("stickers")
    op.drop_table("sticker_packs")
    op.drop_table("reactions")
    op.drop_index(op.f("ix_message_edits_chat_id_seq"), table_name="message_edits")
    op.drop_table("message_edits")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("reactions")
        batch_op.drop_column("edited_at")
