"""`fairdebt serve`: run the web app (API, console, portal) with uvicorn."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command()(serve)


def check_port(host: str, port: int) -> None:
    """Bind the address once before starting: a port in use (or a host this machine does not
    have) is one line of cause and hint, not uvicorn's error and exit 3 after start-up."""
    import socket

    from fairdebt.errors import FairdebtError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise FairdebtError(
            f"cannot listen on {host}: {exc.strerror}",
            hint="pass --host with an address of this machine, e.g. 127.0.0.1",
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
        try:
            probe.bind(address)
        except OSError as exc:
            raise FairdebtError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint=f"another program uses port {port}: stop it, or pass --port with a free "
                "one (or set FAIRDEBT_PORT)",
            ) from None


def serve(
    host: str = typer.Option(None, help="Listen address (default FAIRDEBT_HOST)."),
    port: int = typer.Option(None, min=1, max=65535, help="Port (default FAIRDEBT_PORT)."),
    workers: int = typer.Option(1, min=1, help="Server worker processes."),
) -> None:
    """Serve the API and console on http://HOST:PORT."""
    import uvicorn

    from fairdebt.cli._common import services

    wired = services()
    config = wired.settings
    host, port = host or config.host, port or config.port
    check_port(host, port)
    wired.engine  # create or migrate the schema before the first request  # noqa: B018
    wired.close()  # each server process builds its own engine
    # A client's address decides sign-in throttling: forwarded headers are believed only from
    # the proxies the deployment names (uvicorn would otherwise believe any local one).
    proxies = config.trusted_proxies.strip()
    uvicorn.run(
        "fairdebt.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or "",
    )
