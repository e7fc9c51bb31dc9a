"""ASGI entry for uvicorn workers: `fairdebt.web.asgi:app`."""

from fairdebt.web.app import create_app

app = create_app()
