"""The views comparing LAs: notes on how an LA fixed a rule, and what the admin says of each LA.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("la", sa.String(9), nullable=False, index=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id"), nullable=False),
        sa.Column("collection_year", sa.String(7), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("written", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "authority",
        sa.Column("la", sa.String(9), primary_key=True),
        sa.Column("region", sa.String(40), nullable=True),
        sa.Column("cms", sa.String(60), nullable=True),
        sa.Column("neighbours", sa.JSON, nullable=True),
        sa.Column("mailbox", sa.String(254), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("authority")
    op.drop_table("note")
