"""The strategy run reports in the console: /console/strategy (the latest run) and
/console/strategy/{run_id}.

The data is that of `GET /api/v1/strategy/runs/{id}/report` (web/api/strategy.py). Each chart
is a Vega-Lite spec built here from it and drawn in the browser by the vendored vega-embed
(no CDN); each chart has its table next to it, which is what screen readers and tests read.
Supervisors, compliance officers and administrators only: everyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from fairdebt.services.users import User
from fairdebt.web.api.strategy import NOT_FOR_YOUR_ROLE, list_runs, may_read_reports, report_data
from fairdebt.web.auth import ConsoleUser, services_of
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.rendering import render
from fairdebt.web.security import CHARTS_CSP

router = APIRouter(prefix="/console", include_in_schema=False)

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an id; never fetched
FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", system-ui, sans-serif'
BAR_COLOUR = "#4c78a8"
SHARE_EXPR = "format(datum.share, '.0%')"
RUN_STATUS = {"current": N_("Current"), "superseded": N_("Superseded")}


def report_viewer(request: Request, user: ConsoleUser) -> User:
    if not may_read_reports(user):
        gettext = gettext_for(locale_of(request))
        raise HTTPException(status_code=403, detail=gettext(NOT_FOR_YOUR_ROLE))
    return user


ONLY_REPORT_ROLES = [Depends(report_viewer)]


@router.get("/strategy", name="console_strategy", dependencies=ONLY_REPORT_ROLES)
def latest_report(request: Request) -> Response:
    """The report of the latest current run, or a page saying how to make one."""
    return _page(request, None)


@router.get("/strategy/{run_id}", name="console_strategy_run", dependencies=ONLY_REPORT_ROLES)
def run_report(request: Request, run_id: str) -> Response:
    return _page(request, run_id)


def _page(request: Request, run_id: str | None) -> Response:
    services = services_of(request)
    gettext = gettext_for(locale_of(request))
    data = report_data(services, run_id)
    if data is None and run_id is not None:
        raise HTTPException(status_code=404, detail=gettext(N_("There is no such strategy run.")))

    def run_status(code: str) -> str:
        return gettext(RUN_STATUS.get(code, code))

    context: dict[str, Any] = {"runs": list_runs(services), "data": data, "run_status": run_status}
    context |= FORMATS
    if data is not None:
        context |= {
            "rolls": roll_matrix(data),
            "charts": charts(data, gettext),
            "segment_total": sum(s["accounts"] for s in data["segments"]) or 1,
        }
    response = render(request, "console/strategy.html", context)
    if data is not None:
        # Vega compiles its chart expressions with Function(): only these report pages, which
        # draw charts, allow eval; still no inline script, and scripts from /static only.
        response.headers["Content-Security-Policy"] = CHARTS_CSP
    return response


def _interval(ci: dict[str, float] | None, fmt: Callable[[float], str]) -> str:
    """'18.2% [15.1%, 21.8%]', or a dash when there was nothing to measure."""
    if ci is None:
        return "—"
    return f"{fmt(ci['value'])} [{fmt(ci['low'])}, {fmt(ci['high'])}]"


def _pct(value: float, digits: int = 1) -> str:
    """0.1834 -> '18.3%'; a share too small for the digits is '<0.1%', never '0.0%' for someone."""
    smallest = 10.0 ** -(digits + 2)
    if 0 < value < smallest / 2:
        return f"<{smallest:.{digits}%}"
    return f"{value:.{digits}%}"


# Shares and measured outcomes are floats by nature (not money): shown rounded, as the CLI does.
FORMATS: dict[str, Any] = {
    "pct": _pct,
    "pct2": lambda v: _pct(v, 2),
    "row_share": lambda v: _pct(v, 0),
    "yuan": lambda v: f"{v:,.2f}",
    "interval": _interval,
}


# --- tables ---------------------------------------------------------------------------------


def roll_matrix(data: dict[str, Any]) -> dict[str, Any]:
    """Rows (bucket at the previous run) x columns (bucket now), in the strategy's bucket order;
    each cell the accounts and their share of the row."""
    order = list(data["bucket_order"])
    seen = set(data["rolls"]) | {now for row in data["rolls"].values() for now in row}
    order += sorted(seen - set(order))  # a bucket the strategy no longer has still shows
    columns = [b for b in order if b in seen]
    rows = []
    for was in (b for b in order if b in data["rolls"]):
        counts = data["rolls"][was]
        total = sum(counts.values())
        cells = [
            {"now": now, "n": counts.get(now, 0), "share": counts.get(now, 0) / total}
            for now in columns
        ]
        rows.append({"was": was, "total": total, "cells": cells})
    return {"columns": columns, "rows": rows}


# --- charts ---------------------------------------------------------------------------------


def charts(data: dict[str, Any], gettext: Any) -> dict[str, dict[str, Any]]:
    """The page's Vega-Lite specs by container name; a chart without data is left out."""
    specs = {
        "buckets": bucket_chart(data["buckets"], data["bucket_order"], gettext),
        "segments": segment_chart(data["segments"], gettext),
    }
    if data["rolls"]:
        specs["rolls"] = roll_chart(roll_matrix(data), gettext)
    if data["arms"]:
        specs["arms"] = arm_chart(data["arms"], gettext)
    return specs


def _spec(**parts: Any) -> dict[str, Any]:
    """A spec with the console's look: its fonts, no frame, quiet axes, fitted to the card."""
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "background": "transparent",
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleColor": "#6c757d"},
            "legend": {"labelFontSize": 11, "titleFontSize": 11},
            "text": {"fontSize": 11},
        },
    } | parts


def _field(name: str, kind: str, title: str | None = None, **more: Any) -> dict[str, Any]:
    """An encoding channel: a field of the data, its type, its (translated) title if any."""
    return {"field": name, "type": kind} | ({"title": title} if title else {}) | more


def bucket_chart(buckets: list[dict[str, Any]], order: list[str], gettext: Any) -> dict[str, Any]:
    accounts, bucket = gettext(N_("Accounts")), gettext(N_("Bucket"))
    values = [
        {"bucket": b["bucket"], "accounts": b["accounts"], "share": b["share"]} for b in buckets
    ]
    x = _field("bucket", "ordinal", bucket, sort=order, axis={"labelAngle": 0})
    tooltip = [
        _field("bucket", "ordinal", bucket),
        _field("accounts", "quantitative", accounts, format=","),
        _field("share", "quantitative", gettext(N_("Share")), format=".1%"),
    ]
    share_label = {"text": _field("share", "quantitative", format=".1%")}
    return _spec(
        width="container",
        height=260,
        data={"values": values},
        encoding={"x": x, "y": _field("accounts", "quantitative", accounts), "tooltip": tooltip},
        layer=[
            {"mark": {"type": "bar", "color": BAR_COLOUR, "cornerRadiusEnd": 2}},
            {"mark": {"type": "text", "dy": -7, "color": "#495057"}, "encoding": share_label},
        ],
    )


def _roll_layers(legend: str) -> list[dict[str, Any]]:
    """Cells coloured by the share of their row, with the share written in them."""
    colour = _field("share", "quantitative", scale={"scheme": "blues", "domain": [0, 1]})
    colour["legend"] = {"title": legend, "format": ".0%"}
    ink = {"condition": {"test": "datum.share > 0.55", "value": "white"}, "value": "#212529"}
    return [
        {"mark": {"type": "rect", "stroke": "white"}, "encoding": {"color": colour}},
        {"mark": {"type": "text"}, "encoding": {"text": _field("label", "nominal"), "color": ink}},
    ]


def roll_chart(matrix: dict[str, Any], gettext: Any) -> dict[str, Any]:
    """A heatmap of the roll matrix: colour is the share of the row, the text says it."""
    values = [
        {"was": row["was"], "now": cell["now"], "n": cell["n"], "share": cell["share"]}
        for row in matrix["rows"]
        for cell in row["cells"]
        if cell["n"]
    ]
    rows = [row["was"] for row in matrix["rows"]]
    x = _field("now", "ordinal", gettext(N_("Bucket now")), sort=matrix["columns"])
    x["axis"] = {"orient": "top", "labelAngle": 0}
    y = _field("was", "ordinal", gettext(N_("Bucket at the previous run")), sort=rows)
    tooltip = [{"field": "was"}, {"field": "now"}, {"field": "n", "format": ","}]
    return _spec(
        width="container",
        height=max(120, 30 * len(rows)),
        data={"values": values},
        # Written in the cell as in the table: "<1%" rather than "0%" for a few accounts.
        transform=[{"calculate": f"datum.share < 0.005 ? '<1%' : {SHARE_EXPR}", "as": "label"}],
        encoding={"x": x, "y": y, "tooltip": [*tooltip, {"field": "label"}]},
        layer=_roll_layers(gettext(N_("Share of row"))),
    )


def _arm_panel(arms: list[dict[str, Any]], key: str, title: str, fmt: str) -> dict[str, Any]:
    """One measure of every arm: the point estimate and its 95 % interval as an error bar."""
    values = [{"arm": a["arm"], **a[key]} for a in arms if a[key] is not None]
    low = _field("low", "quantitative", title, axis={"format": fmt}, scale={"zero": False})
    tooltip = [{"field": "arm"}] + [{"field": f, "format": fmt} for f in ("value", "low", "high")]
    return {
        "width": 230,
        "height": {"step": 34},
        "data": {"values": values},
        "encoding": {"y": _field("arm", "nominal") | {"title": None}, "tooltip": tooltip},
        "layer": [
            {
                "mark": {"type": "errorbar", "ticks": True, "color": "#6c757d"},
                "encoding": {"x": low, "x2": {"field": "high"}},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 70, "color": BAR_COLOUR},
                "encoding": {"x": _field("value", "quantitative")},
            },
        ],
    }


def arm_chart(arms: list[dict[str, Any]], gettext: Any) -> dict[str, Any]:
    """Champion and challengers side by side on three measures, each with its 95 % interval."""
    return _spec(
        hconcat=[
            _arm_panel(arms, "cure_rate", gettext(N_("Cure rate")), ".0%"),
            _arm_panel(
                arms,
                "collected_per_account_yuan",
                gettext(N_("Collected per account (yuan)")),
                ",.0f",
            ),
            _arm_panel(arms, "complaint_rate", gettext(N_("Complaint rate")), ".1%"),
        ],
        resolve={"scale": {"x": "independent"}},
    )


def segment_chart(segments: list[dict[str, Any]], gettext: Any) -> dict[str, Any]:
    accounts = gettext(N_("Accounts"))
    treatment = gettext(N_("Treatment"))
    return _spec(
        width="container",
        height={"step": 20},
        data={"values": segments},
        mark={"type": "bar", "cornerRadiusEnd": 2},
        encoding={
            "y": {
                "field": "segment",
                "type": "nominal",
                "sort": "-x",
                "title": gettext(N_("Segment")),
            },
            "x": {"field": "accounts", "type": "quantitative", "title": accounts},
            "color": {
                "field": "treatment",
                "type": "nominal",
                "title": treatment,
                "scale": {"scheme": "tableau10"},
            },
            "tooltip": [
                {"field": "segment", "title": gettext(N_("Segment"))},
                {"field": "treatment", "title": treatment},
                {"field": "accounts", "title": accounts, "format": ","},
            ],
        },
    )
