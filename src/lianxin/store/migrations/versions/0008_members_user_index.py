"""members: index user_id alone, not (user_id, updated_at)

Every send advances the sender's ``read_seq`` and ``updated_at``. With ``updated_at`` in
an index, PostgreSQL could not update the row in place (a HOT update): each send wrote
a new row version plus an entry in every index of ``members``, and left a dead tuple
for vacuum. Lookups by user only need ``user_id``; no query ranges over ``updated_at``.

Revision ID: 0008_members_user_index
Revises: 0007_bot_fanout
"""

from __future__ import annotations

from alembic import op

revision = "0008_members_user_index"
down_revision = "0007_bot_fanout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_user_id_updated_at"))
        batch_op.create_index(batch_op.f("ix_members_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_user_id"))
        batch_op.create_index(
            batch_op.f("ix_members_user_id_updated_at"), ["user_id", "updated_at"], unique=False
        )
