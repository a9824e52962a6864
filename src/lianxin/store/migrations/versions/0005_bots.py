"""bots: bot accounts and tokens, the update queue, callback queries, chat cursors

Revision ID: 0005_bots
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_bots"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "bots",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("privacy", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("commands", sa.Text(), server_default="[]", nullable=False),
        sa.Column("allowed_updates", sa.Text(), nullable=True),
        sa.Column("next_update_id", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("poll_lease", sa.String(length=32), nullable=True),
        sa.Column("webhook_url", sa.String(length=2048), nullable=True),
        sa.Column("webhook_secret", sa.String(length=256), nullable=True),
        sa.Column("webhook_key", sa.String(length=64), nullable=True),
        sa.Column("webhook_node", sa.String(length=32), nullable=True),
        sa.Column("webhook_until", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("max_connections", sa.Integer(), server_default="40", nullable=False),
        sa.Column("last_error_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("bots", "user_id", "users"),
        _fk("bots", "owner_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_bots")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_bots_token_hash")),
    )
    op.create_index(op.f("ix_bots_owner_id"), "bots", ["owner_id"])
    op.create_table(
        "bot_updates",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("dead", sa.Boolean(), server_default="0", nullable=False),
        _fk("bot_updates", "bot_id", "users"),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_bot_updates")),
    )
    op.create_table(
        "bot_cursors",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        _fk("bot_cursors", "bot_id", "users"),
        _fk("bot_cursors", "chat_id", "chats"),
        sa.PrimaryKeyConstraint("bot_id", "chat_id", name=op.f("pk_bot_cursors")),
    )
    op.create_table(
        "bot_callbacks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("answered_at", sa.BigInteger(), nullable=True),
        _fk("bot_callbacks", "bot_id", "users"),
        _fk("bot_callbacks", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_callbacks")),
    )


def downgrade() -> None:
    op.drop_table("bot_callbacks")
    op.drop_table("bot_cursors")
    op.drop_table("bot_updates")
    op.drop_index(op.f("ix_bots_owner_id"), table_name="bots")
    op.drop_table("bots")
