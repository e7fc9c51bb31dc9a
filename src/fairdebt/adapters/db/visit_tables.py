"""Field visits (上门催收 / 外访): certified agents, their teams, and the visits themselves.

Instants are ISO 8601 UTC strings, like every other instant in the schema; clock times of a
team's hours and a visit's window are local "HH:MM". A visit's outcome details are JSON text.
A visit is made from one `field_visit` task at most (the unique index on task_id).
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text

from fairdebt.adapters.db.tables import metadata

field_agents = Table(
    "field_agents",
    metadata,
    Column("user_id", String(64), ForeignKey("users.id"), primary_key=True),
    Column("certificate_no", String(64), nullable=False, unique=True),
    Column("issuer", Text, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("photo_ref", String(80)),  # sha256:<hex> in the evidence store
    Column("registered_at", String(40), nullable=False),
)

field_teams = Table(
    "field_teams",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("base_lat", Float, nullable=False),
    Column("base_lon", Float, nullable=False),
    Column("base_label", Text, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("hours_start", String(5), nullable=False),
    Column("hours_end", String(5), nullable=False),
    Column("created_at", String(40), nullable=False),
)

field_team_members = Table(
    "field_team_members",
    metadata,
    Column("team_id", String(64), ForeignKey("field_teams.id"), primary_key=True),
    Column("user_id", String(64), ForeignKey("field_agents.user_id"), primary_key=True),
    Column("position", Integer, nullable=False),
)

visits = Table(
    "visits",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("task_id", Integer, ForeignKey("tasks.id")),
    Column("status", String(16), nullable=False),
    Column("address", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("reason", Text),
    Column("decided_by", String(64)),
    Column("decided_at", String(40)),
    Column("decision_id", String(64)),
    Column("lat", Float),
    Column("lon", Float),
    Column("visit_date", Date),
    Column("team_id", String(64), ForeignKey("field_teams.id")),
    Column("window_start", String(5)),
    Column("window_end", String(5)),
    Column("stop_order", Integer),
    Column("notice_at", String(40)),
    Column("checked_in_at", String(40)),
    Column("check_in_lat", Float),
    Column("check_in_lon", Float),
    Column("check_in_distance_m", Float),
    Column("checked_out_at", String(40)),
    Column("outcome", String(32)),
    Column("outcome_data", Text),
)
Index("ix_visits_task_id", visits.c.task_id, unique=True)
Index("ix_visits_case_id", visits.c.case_id)
Index("ix_visits_date_status", visits.c.visit_date, visits.c.status)
