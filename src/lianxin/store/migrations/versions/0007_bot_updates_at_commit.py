"""bots: updates queued at commit, bots per chat, descriptions, BotFather dialogs

Message updates used to be collected from the chat log when a bot polled
(``bot_cursors``); now every update is queued by the transaction that stores its event,
which needs each chat to know its bot and official-account members (``chats.bot_ids``,
filled here from the memberships). Message updates that were still uncollected at upgrade time are not
carried over: their messages stay in the chats' history.

Revision ID: 0007_bot_fanout
Revises: 0005_bots, 0006_official
"""

from __future__ import annotations

from collections import defaultdict

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0007_bot_fanout"
down_revision = ("0005_bots", "0006_official")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("bot_ids", sa.Text(), nullable=True))
    op.add_column(
        "bots", sa.Column("description", sa.String(length=512), server_default="", nullable=False)
    )
    op.create_table(
        "botfather_dialogs",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_botfather_dialogs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_botfather_dialogs")),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT m.chat_id, m.user_id FROM members m WHERE m.active AND (m.user_id IN"
            " (SELECT user_id FROM bots) OR m.user_id IN (SELECT user_id FROM official_accounts))"
        )
    ).all()
    per_chat: dict[int, list[int]] = defaultdict(list)
    for chat_id, user_id in rows:
        per_chat[int(chat_id)].append(int(user_id))
    for chat_id, ids in per_chat.items():
        conn.execute(
            sa.text("UPDATE chats SET bot_ids = :ids WHERE id = :id"),
            {"ids": orjson.dumps(sorted(ids)).decode(), "id": chat_id},
        )
    op.drop_table("bot_cursors")


def downgrade() -> None:
    op.create_table(
        "bot_cursors",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["bot_id"], ["users.id"], name=op.f("fk_bot_cursors_bot_id_users")),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_bot_cursors_chat_id_chats")
        ),
        sa.PrimaryKeyConstraint("bot_id", "chat_id", name=op.f("pk_bot_cursors")),
    )
    op.drop_table("botfather_dialogs")
    op.drop_column("bots", "description")
    op.drop_column("chats", "bot_ids")
