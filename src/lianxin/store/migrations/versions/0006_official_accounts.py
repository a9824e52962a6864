"""official accounts: accounts, followers and broadcast jobs

Revision ID: 0006_official
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_official"
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
        "official_accounts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("verified", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("menu", sa.Text(), server_default="[]", nullable=False),
        sa.Column("follower_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("official_accounts", "user_id", "users"),
        _fk("official_accounts", "owner_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_official_accounts")),
    )
    op.create_index(op.f("ix_official_accounts_owner_id"), "official_accounts", ["owner_id"])
    op.create_table(
        "official_followers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("templates_allowed", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("official_followers", "account_id", "users"),
        _fk("official_followers", "user_id", "users"),
        _fk("official_followers", "chat_id", "chats"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_followers")),
        sa.UniqueConstraint(
            "account_id", "user_id", name=op.f("uq_official_followers_account_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_official_followers_account_id_id"), "official_followers", ["account_id", "id"]
    )
    op.create_index(op.f("ix_official_followers_user_id"), "official_followers", ["user_id"])
    op.create_table(
        "official_broadcasts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("upto", sa.BigInteger(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        _fk("official_broadcasts", "account_id", "users"),
        _fk("official_broadcasts", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_broadcasts")),
        sa.UniqueConstraint(
            "account_id", "client_id", name=op.f("uq_official_broadcasts_account_id_client_id")
        ),
    )
    op.create_index(op.f("ix_official_broadcasts_state_id"), "official_broadcasts", ["state", "id"])


def downgrade() -> None:
    op.drop_table("official_broadcasts")
    op.drop_table("official_followers")
    op.drop_table("official_accounts")
