"""Field crews: API tokens, OPD crew settings and an index of open tasks by due date.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = """
-- Bearer tokens of the JSON API. Only the SHA-256 digest of a token is stored,
-- so a copy of the table cannot be used to log in.
CREATE TABLE api_token (
    id             bigserial PRIMARY KEY,
    staff_user_id  integer NOT NULL REFERENCES staff_user (id) ON DELETE CASCADE,
    token_hash     text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz
);
CREATE INDEX api_token_staff_user ON api_token (staff_user_id);

-- How an OPD's crews work. An OPD without a row uses the column defaults.
CREATE TABLE opd_crew_setting (
    opd_id                 integer PRIMARY KEY REFERENCES opd (id),
    result_photo_required  boolean NOT NULL DEFAULT true,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Serves the overdue lists: open complaints of one OPD by due date.
CREATE INDEX complaint_open_due ON complaint (opd_id, due_at)
    WHERE status IN ('menunggu', 'proses');
"""

DOWNGRADE = """
DROP INDEX complaint_open_due;
DROP TABLE opd_crew_setting, api_token;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
