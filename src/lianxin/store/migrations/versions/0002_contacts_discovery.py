"""contacts and discovery: address books, join notices, suggestions, QR codes, web
sign-in, people nearby, reports; privacy columns on users; remarks and tags on friends

Revision ID: 0002_contacts
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_contacts"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("add_policy", sa.String(length=20), server_default="everyone", nullable=False),
    )
    op.add_column(
        "users", sa.Column("read_receipts", sa.Boolean(), server_default="1", nullable=False)
    )
    op.add_column(
        "users", sa.Column("auto_friend", sa.Boolean(), server_default="1", nullable=False)
    )
    op.add_column(
        "users", sa.Column("find_nearby", sa.Boolean(), server_default="1", nullable=False)
    )
    op.add_column(
        "friends", sa.Column("remark", sa.String(length=64), server_default="", nullable=False)
    )
    op.add_column("friends", sa.Column("tags", sa.Text(), server_default="[]", nullable=False))
    op.add_column("friends", sa.Column("starred", sa.Boolean(), server_default="0", nullable=False))
    op.add_column(
        "friends", sa.Column("close_friend", sa.Boolean(), server_default="0", nullable=False)
    )

    op.create_table(
        "address_book",
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("address_book", "owner_id", "users"),
        sa.PrimaryKeyConstraint("owner_id", "phone_key", name=op.f("pk_address_book")),
    )
    op.create_index(op.f("ix_address_book_phone_key"), "address_book", ["phone_key"])
    op.create_table(
        "joined_notices",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("joined_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("joined_notices", "user_id", "users"),
        _fk("joined_notices", "joined_id", "users"),
        sa.PrimaryKeyConstraint("user_id", "joined_id", name=op.f("pk_joined_notices")),
    )
    op.create_table(
        "dismissed_suggestions",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("suggested_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("dismissed_suggestions", "user_id", "users"),
        _fk("dismissed_suggestions", "suggested_id", "users"),
        sa.PrimaryKeyConstraint("user_id", "suggested_id", name=op.f("pk_dismissed_suggestions")),
    )
    op.create_table(
        "qr_tokens",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        _fk("qr_tokens", "created_by", "users"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_qr_tokens")),
    )
    op.create_index(op.f("ix_qr_tokens_kind_target_id"), "qr_tokens", ["kind", "target_id"])
    op.create_table(
        "group_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("join_approval", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("group_settings", "chat_id", "chats"),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_settings")),
    )
    op.create_table(
        "group_join_requests",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("group_join_requests", "chat_id", "chats"),
        _fk("group_join_requests", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_join_requests")),
    )
    op.create_index(
        op.f("ix_group_join_requests_chat_id_state"), "group_join_requests", ["chat_id", "state"]
    )
    op.create_table(
        "login_qr",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("device_name", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        _fk("login_qr", "user_id", "users"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_login_qr")),
    )
    op.create_table(
        "nearby_positions",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("cell_y", sa.Integer(), nullable=False),
        sa.Column("cell_x", sa.Integer(), nullable=False),
        sa.Column("lat_e3", sa.Integer(), nullable=False),
        sa.Column("lon_e3", sa.Integer(), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        _fk("nearby_positions", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_nearby_positions")),
    )
    op.create_index(
        op.f("ix_nearby_positions_cell_y_cell_x"), "nearby_positions", ["cell_y", "cell_x"]
    )
    op.create_table(
        "reports",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("resolution", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        _fk("reports", "reporter_id", "users"),
        _fk("reports", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_state_id"), "reports", ["state", "id"])
    op.create_index(
        op.f("ix_reports_reporter_id_created_at"), "reports", ["reporter_id", "created_at"]
    )


def downgrade() -> None:
    for table in (
        "reports",
        "nearby_positions",
        "login_qr",
        "group_join_requests",
        "group_settings",
        "qr_tokens",
        "dismissed_suggestions",
        "joined_notices",
        "address_book",
    ):
        op.drop_table(table)
    with op.batch_alter_table("friends") as batch:
        for column in ("close_friend", "starred", "tags", "remark"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        for column in ("find_nearby", "auto_friend", "read_receipts", "add_policy"):
            batch.drop_column(column)
