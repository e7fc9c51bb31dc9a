"""The worklist: one row per planned action of a case, made from a strategy run's plan.

`services.worklist.dispatch` writes them; collectors, agencies and the automated channels work
them; every contact task still asks the gate when it is executed. A task keeps the run and
as_of it came from, the treatment and DPD of the case's most urgent account (so a queue sorts
without a join), and who it was for at dispatch time (NULL = the team pool). A newer plan marks
the older plans' unworked tasks `superseded`; nothing is deleted, so the worklist is history.

A worker executing a task claims it first (`claimed_by`, `claim_expires`: a conditional UPDATE,
so two workers cannot both run it; a claim past its expiry may be taken over). Every contact a
worker hands to a provider has a row in `contact_attempts`, committed before the provider is
called and completed after: a contact can be made once per gate decision, and one whose outcome
was never recorded (a crash, a failed commit) stays visible until it is reconciled.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from fairdebt.adapters.db.tables import metadata

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("strategy_runs.id"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("action_no", Integer, nullable=False),  # the action's place in the treatment
    Column("kind", String(24), nullable=False),  # call | sms | ... | litigation_review
    Column("template", Text),
    Column("treatment", String(64), nullable=False),
    Column("dpd", Integer, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("time_window", String(11)),  # the action's "HH:MM-HH:MM", local time
    Column("priority", Integer, nullable=False),  # 1 is most urgent
    Column("assignee_kind", String(16)),
    Column("assignee_id", String(64)),
    Column("status", String(16), nullable=False),  # open|done|deferred|refused|review|superseded
    Column("decision_id", String(64)),
    Column("not_before", String(40)),  # ISO UTC: a deferral's allowed_from; asking sooner is moot
    Column("note", Text),
    Column("updated_at", String(40), nullable=False),  # ISO 8601 UTC
    Column("claimed_by", String(96)),  # the worker executing it now, if any
    Column("claim_expires", String(40)),  # ISO UTC: after this the claim may be taken over
)
# A case's actions in a run are unique: dispatching a run twice cannot add them again.
Index("ix_tasks_run_id_case", tasks.c.run_id, tasks.c.case_id, tasks.c.action_no, unique=True)
# "My open tasks due by day, most urgent first": a collector's or an agency's queue.
Index(
    "ix_tasks_assignee_queue",
    tasks.c.assignee_kind,
    tasks.c.assignee_id,
    tasks.c.status,
    tasks.c.due_on,
    tasks.c.priority,
)
# The automated runner and the candidate counts: open tasks of one kind due by a day.
Index("ix_tasks_kind_status_due", tasks.c.kind, tasks.c.status, tasks.c.due_on)
Index("ix_tasks_case_id", tasks.c.case_id)

contact_attempts = Table(
    "contact_attempts",
    metadata,
    # The gate decision that allows the contact: one contact per decision, and the idempotency
    # key handed to the provider, so a retried delivery is not a second message.
    Column("decision_id", String(64), primary_key=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("task_id", Integer, ForeignKey("tasks.id")),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # sending | done | unconfirmed
    Column("outcome", String(24)),  # the provider's, once known
    Column("provider_ref", Text),
    Column("started_at", String(40), nullable=False),  # ISO 8601 UTC
    Column("completed_at", String(40)),
)
# The reconciler's question: which attempts are still unfinished, oldest first.
Index(
    "ix_contact_attempts_status_started", contact_attempts.c.status, contact_attempts.c.started_at
)
Index("ix_contact_attempts_task_id", contact_attempts.c.task_id)
