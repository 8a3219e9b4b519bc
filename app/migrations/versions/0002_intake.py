"""Intake: keep the reporter token with the idempotency key, for replays.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A replayed request must return the token the lost first reply carried.
    # The intake code clears the token one day after the key was stored.
    op.execute("ALTER TABLE idempotency_key ADD COLUMN reporter_token text")


def downgrade() -> None:
    op.execute("ALTER TABLE idempotency_key DROP COLUMN reporter_token")
