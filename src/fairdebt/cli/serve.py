"""`fairdebt serve`: run the web app (API, console, portal) with uvicorn."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: str = typer.Option(None, help="Listen address (default FAIRDEBT_HOST)."),
    port: int = typer.Option(None, help="Port (default FAIRDEBT_PORT)."),
    workers: int = typer.Option(1, min=1, help="Server worker processes."),
) -> None:
    """Serve the API and console on http://HOST:PORT."""
    import uvicorn

    from fairdebt.bootstrap import database
    from fairdebt.cli._common import settings

    config = settings()
    database(config).dispose()  # create or migrate the schema before the first request
    uvicorn.run(
        "fairdebt.web.asgi:app",
        host=host or config.host,
        port=port or config.port,
        workers=workers,
        log_level="warning",
    )
