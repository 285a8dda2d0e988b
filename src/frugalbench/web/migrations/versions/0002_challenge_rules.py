"""challenge rules: publication, daily submission limit, what a flagged measurement gets

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("challenges") as batch:
        batch.add_column(
            sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("max_submissions_per_day", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("flagged_rule", sa.String(length=20), nullable=False, server_default="rerun")
        )


def downgrade() -> None:
    with op.batch_alter_table("challenges") as batch:
        batch.drop_column("flagged_rule")
        batch.drop_column("max_submissions_per_day")
        batch.drop_column("published")
