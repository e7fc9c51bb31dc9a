"""`GET /api/v1/strategy/runs` and `GET /api/v1/strategy/runs/{run_id}/report`: the strategy
run reports as JSON — the same data the console's strategy pages chart (pages/strategy.py).

The report is `fairdebt.strategy.report.build_report` (the CLI's `strategy report`) plus the
segment counts and the strategy's bucket order; its keys are those of `strategy report --json`.
Callers: an API token with the scope `strategy:read` (`Authorization: Bearer fd_…`,
web/api_auth.py), or the console's signed session cookie of a supervisor, compliance officer
or administrator (REPORT_ROLES). Neither is 401; a session of any other role, or a token
without the scope, 403.

Building a report reads two whole plans (about 0.6 s for 20,000 accounts), so the JSON-ready
result is kept per (database, run, previous run) in a small cache: a stored plan never changes,
and the run row (whose status can change to superseded) is read again on every request.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from fairdebt.bootstrap import Services
from fairdebt.services.users import Role, User
from fairdebt.web.api import shapes
from fairdebt.web.api_auth import require_scope
from fairdebt.web.auth import services_of
from fairdebt.web.i18n import N_, gettext_for, locale_of

router = APIRouter(tags=["strategy"])

# Reports show the whole book and the experiment's outcomes: for those who steer the strategy
# and those who review it, not for the people and agencies working the cases.
REPORT_ROLES = frozenset({Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN})
NOT_FOR_YOUR_ROLE = N_(
    "Strategy reports are open to supervisors, compliance officers and administrators."
)
RUN_COLUMNS = (
    "id",
    "as_of",
    "status",
    "strategy_name",
    "strategy_sha256",
    "backend",
    "source",
    "accounts",
    "started_at",
    "finished_at",
    "supersedes",
)
RUN_LIST_LIMIT = 100
_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, str, str | None], dict[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()  # sync routes run in a thread pool


def may_read_reports(user: User) -> bool:
    return user.role in REPORT_ROLES


def _run_row(row: Any) -> dict[str, Any]:
    return {k: (row[k] if k == "accounts" or row[k] is None else str(row[k])) for k in RUN_COLUMNS}


def list_runs(services: Services, limit: int = RUN_LIST_LIMIT) -> list[dict[str, Any]]:
    """The latest runs, newest as_of first (superseded ones too, marked by their status)."""
    with services.uow() as uow:
        return [_run_row(row) for row in uow.strategy_runs.runs(limit)]


def find_run(services: Services, run_id: str | None) -> dict[str, Any] | None:
    """One run's row, or the current run of the latest as_of when `run_id` is None."""
    with services.uow() as uow:
        row = uow.strategy_runs.info(run_id)
    return _run_row(row) if row else None


def _previous_run(services: Services, as_of: str) -> str | None:
    """The run the report compares with: the current run of the latest earlier as_of (as
    build_report chooses it)."""
    with services.uow() as uow:
        found = uow.strategy_runs.latest_before(date.fromisoformat(as_of))
    return found[0] if found else None


def _segments(services: Services, run_id: str) -> list[dict[str, Any]]:
    with services.uow() as uow:
        return uow.strategy_runs.segment_counts(run_id)


def _interval(interval: Any) -> dict[str, float] | None:
    if interval is None or math.isnan(interval.value):
        return None
    return {"value": interval.value, "low": interval.low, "high": interval.high}


def _cents(row: dict[str, Any]) -> dict[str, Any]:
    """DuckDB sums integer cents as exact decimals; cents are whole, so int is exact."""
    return {k: int(v) if k.endswith("_cents") else v for k, v in row.items()}


def _build(services: Services, run_id: str) -> dict[str, Any]:
    from fairdebt.strategy.config import load_text
    from fairdebt.strategy.report import build_report

    report = build_report(services.uow(), run_id)
    strategy = load_text(report.run["strategy_yaml"], "stored").strategy
    return {
        "previous_run": report.previous_run,
        "bucket_order": [b.name for b in strategy.buckets],
        "buckets": [_cents(b) for b in report.buckets],
        "treatments": report.treatments,
        "segments": _segments(services, run_id),
        "rolls": report.rolls,
        "cure_rate": _interval(report.cure),
        "arms": [
            {
                "arm": a.arm,
                "accounts": a.accounts,
                "cured": a.cured,
                "cure_rate": _interval(a.cure),
                "collected_per_account_yuan": _interval(a.collected_yuan),
                "complaint_rate": _interval(a.complaint),
            }
            for a in report.arms
        ],
    }


def report_data(services: Services, run_id: str | None) -> dict[str, Any] | None:
    """The report of a run (the latest current run when None), or None when there is none."""
    run = find_run(services, run_id)
    if run is None:
        return None
    key = (str(services.engine.url), run["id"], _previous_run(services, run["as_of"]))
    with _cache_lock:
        built = _cache.get(key)
    if built is None:
        built = _build(services, run["id"])  # outside the lock: two builds at worst, both right
    with _cache_lock:
        _cache[key] = built
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return {"run": run} | built


def _not_for_your_role(request: Request) -> HTTPException:
    return HTTPException(status_code=403, detail=gettext_for(locale_of(request))(NOT_FOR_YOUR_ROLE))


ONLY_REPORT_ROLES = [
    Depends(require_scope("strategy:read", REPORT_ROLES, session_refusal=_not_for_your_role))
]


_NULLABLE_TEXT = {"type": ["string", "null"]}
RUN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": list(RUN_COLUMNS),
    "properties": {
        **dict.fromkeys(RUN_COLUMNS, _NULLABLE_TEXT),
        "id": {"type": "string"},
        "as_of": {"type": "string", "format": "date"},
        "status": {"type": "string"},
        "accounts": {"type": ["integer", "null"]},
    },
}
_INTERVAL = {
    "type": ["object", "null"],
    "description": "A rate or mean with its 95 % interval; null when there is nothing to measure.",
    "required": ["value", "low", "high"],
    "properties": {k: {"type": "number"} for k in ("value", "low", "high")},
}
_ROWS = {"type": "array", "items": {"type": "object"}}
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["run", "previous_run", "bucket_order", "buckets", "treatments", "segments"],
    "properties": {
        "run": RUN_SCHEMA,
        "previous_run": _NULLABLE_TEXT,
        "bucket_order": {"type": "array", "items": {"type": "string"}},
        "buckets": _ROWS,
        "treatments": _ROWS,
        "segments": _ROWS,
        "rolls": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        "cure_rate": _INTERVAL,
        "arms": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "arm": {"type": "string"},
                    "accounts": {"type": "integer"},
                    "cured": {"type": "integer"},
                    "cure_rate": _INTERVAL,
                    "collected_per_account_yuan": _INTERVAL,
                    "complaint_rate": _INTERVAL,
                },
            },
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RUNS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(
        {
            "type": "object",
            "required": ["runs"],
            "properties": {"runs": {"type": "array", "items": RUN_SCHEMA}},
        },
        "The latest runs (at most 100), newest as_of first.",
    ),
    **shapes.token_responses(),
}
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(REPORT_SCHEMA, "The run's report (the keys of `strategy report --json`)."),
    **shapes.token_responses(),
    404: shapes.error("There is no run with this id."),
    422: shapes.UNREADABLE,
}
SECURITY = {"security": shapes.security("strategy:read")}


@router.get(
    "/strategy/runs",
    summary="The latest strategy runs, newest as_of first.",
    dependencies=ONLY_REPORT_ROLES,
    responses=RUNS_RESPONSES,
    openapi_extra=SECURITY,
)
def runs(request: Request) -> dict[str, Any]:
    return {"runs": list_runs(services_of(request))}


@router.get(
    "/strategy/runs/{run_id}/report",
    summary="A run's report: buckets, roll rates, cure rate, arms with 95 % intervals, segments.",
    dependencies=ONLY_REPORT_ROLES,
    responses=REPORT_RESPONSES,
    openapi_extra=SECURITY,
)
def report(request: Request, run_id: str) -> dict[str, Any]:
    data = report_data(services_of(request), run_id)
    if data is None:
        gettext = gettext_for(locale_of(request))
        raise HTTPException(status_code=404, detail=gettext(N_("There is no such strategy run.")))
    return data
