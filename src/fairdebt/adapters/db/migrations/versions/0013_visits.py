"""visits: certified field agents, their teams, and field visits

Revision ID: 0013_visits
Revises: 0012_sessions
Create Date: 2026-12-10 06:00:00

Four new tables (adapters/db/visit_tables.py), and verify_codes.visit_id: the code a visit's
prior notice gives the borrower names the visit, so /verify can show who is coming.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_visits"
down_revision = "0012_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_agents",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("photo_ref", sa.String(length=80), nullable=True),
        sa.Column("registered_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_field_agents_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_field_agents")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_field_agents_certificate_no")),
    )
    op.create_table(
        "field_teams",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("base_lat", sa.Float(), nullable=False),
        sa.Column("base_lon", sa.Float(), nullable=False),
        sa.Column("base_label", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("hours_start", sa.String(length=5), nullable=False),
        sa.Column("hours_end", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_field_teams_name")),
    )
    op.create_table(
        "field_team_members",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["field_teams.id"], name=op.f("fk_field_team_members_team_id_field_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["field_agents.user_id"],
            name=op.f("fk_field_team_members_user_id_field_agents"),
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_field_team_members")),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.String(length=40), nullable=True),
        sa.Column("decision_id", sa.String(length=64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("window_start", sa.String(length=5), nullable=True),
        sa.Column("window_end", sa.String(length=5), nullable=True),
        sa.Column("stop_order", sa.Integer(), nullable=True),
        sa.Column("notice_at", sa.String(length=40), nullable=True),
        sa.Column("checked_in_at", sa.String(length=40), nullable=True),
        sa.Column("check_in_lat", sa.Float(), nullable=True),
        sa.Column("check_in_lon", sa.Float(), nullable=True),
        sa.Column("check_in_distance_m", sa.Float(), nullable=True),
        sa.Column("checked_out_at", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_data", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_visits_case_id_cases")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_visits_task_id_tasks")),
        sa.ForeignKeyConstraint(
            ["team_id"], ["field_teams.id"], name=op.f("fk_visits_team_id_field_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index("ix_visits_task_id", "visits", ["task_id"], unique=True)
    op.create_index("ix_visits_case_id", "visits", ["case_id"])
    op.create_index("ix_visits_date_status", "visits", ["visit_date", "status"])
    with op.batch_alter_table("verify_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("verify_codes", schema=None) as batch_op:
        batch_op.drop_column("visit_id")
    op.drop_index("ix_visits_date_status", table_name="visits")
    op.drop_index("ix_visits_case_id", table_name="visits")
    op.drop_index("ix_visits_task_id", table_name="visits")
    op.drop_table("visits")
    op.drop_table("field_team_members")
    op.drop_table("field_teams")
    op.drop_table("field_agents")
