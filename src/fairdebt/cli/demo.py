"""`fairdebt demo`: a working system in one command — portfolio, cases, users, console, and
certified field agents in two teams (fairdebt.demo.field)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from datetime import date, datetime

    from rich.console import Console
    from sqlalchemy.engine import Engine

    from fairdebt.demo.scenario import DemoUser
    from fairdebt.settings import Settings


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    accounts: int = typer.Option(20_000, min=100, help="Accounts in the generated portfolio."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Start the web console."),
    port: int = typer.Option(None, help="Port (default FAIRDEBT_PORT, 8000)."),
) -> None:
    """Create the database, import a generated portfolio, create a user per role, serve."""
    from fairdebt.cli._common import console, out, services, step
    from fairdebt.demo import field, scenario
    from fairdebt.services.importing import ImportOptions, import_portfolio

    wired = services()
    config, now = wired.settings, wired.clock.now()
    as_of = now.astimezone().date()
    if serve:
        from fairdebt.cli.serve import check_port

        check_port(config.host, port or config.port)  # before minutes of work, not after
    folder = config.data_dir / "demo-portfolio"
    with step(f"generating {accounts:,} accounts"):
        fresh = scenario.ensure_portfolio(folder, accounts, as_of)
    if not fresh:
        console.print(f"using the portfolio already in {folder}")
    engine = wired.engine
    with step("importing"):
        report = import_portfolio(wired.uow(), [folder], ImportOptions(as_of=as_of, now=now))
    console.print(f"imported: {report.new:,} new rows, {report.cases_opened:,} cases opened")
    assigned = scenario.assign_cases(engine, now)
    console.print(f"assigned {assigned:,} cases to collectors")
    day = scenario.plan_day(as_of)
    with step("running the strategy for last month and last night"):
        runs = scenario.run_strategy_twice(engine, day)  # plans see the cases as assigned
    console.print(f"strategy runs made: {len(runs)} (reports at /console/strategy)")
    _plan_work(engine, day, now)
    users = scenario.demo_users(engine)
    users += field.extra_users([scenario.new_password() for _ in field.AGENTS[1:]])
    field.refresh_users(wired.uow(), users, now)
    agents, teams = field.ensure_field_teams(
        wired.uow(), now, wired.packs, wired.settings.default_pack
    )
    console.print(
        f"field agents certified: {agents}, teams formed: {teams} (at /console/visits/teams)"
    )
    _print_users(out, users)
    _anchor()
    if serve:
        wired.close()  # the server builds its own engine
        _serve(config, port)


def _plan_work(engine: Engine, day: date, now: datetime) -> None:
    """Dispatch the latest plan and make its agency placements; say what was done."""
    from fairdebt.cli._common import console, step
    from fairdebt.demo import scenario

    with step("dispatching the plan into tasks, placing with agencies"):
        made, placed = scenario.plan_work(engine, day, now)
    where = ", ".join(f"{k} {v:,}" for k, v in sorted(placed.items())) or "none"
    console.print(
        f"tasks dispatched: {made:,} (queue at /console/queue); placed by the plan: {where}"
    )


def _anchor() -> None:
    """A signing key in the data directory (made on the first run) and a first checkpoint over
    the demo's event log, so `fairdebt audit verify` and `audit bundle` work at once."""
    from fairdebt.adapters.signing import generate_key_file, load_signing_key
    from fairdebt.cli._common import console, services
    from fairdebt.services.anchor import make_checkpoint

    wired = services()
    path = wired.settings.signing_key_path
    signer = load_signing_key(path) if path.exists() else generate_key_file(path)
    made = make_checkpoint(wired.uow(), signer, wired.clock.now())
    console.print(
        f"audit checkpoint {made.number} over {made.size:,} cases, signed with {path} "
        f"(key id {made.key}; docs/audit.md)",
        markup=False,
    )


def _print_users(out: Console, users: list[DemoUser]) -> None:
    from rich.table import Table

    table = Table(title="demo users (passwords are new on every run)")
    for name in ("role", "user", "password"):
        table.add_column(name, no_wrap=True, overflow="fold")
    for u in users:
        table.add_row(u.role, u.username, u.password)
    out.print(table, width=max(out.width, 100))


def _serve(config: Settings, port: int | None) -> None:
    import uvicorn

    from fairdebt.cli._common import out

    url = f"http://{config.host}:{port or config.port}/console/"
    out.print(f"console: [link={url}]{url}[/link]   (Ctrl+C to stop)")
    uvicorn.run(
        "fairdebt.web.asgi:app", host=config.host, port=port or config.port, log_level="warning"
    )
