"""ASGI entry for uvicorn workers: `fairdebt.web.asgi:app`.

The application behind the contact gate's fast path (fairdebt.web.api.gate.GateFastPath):
`POST /api/v1/gate/check` is answered before FastAPI's own per-request work and the pages'
middlewares; every other request, and the lifespan, go to the application unchanged.
"""

from fairdebt.web.api.gate import GateFastPath
from fairdebt.web.app import create_app

app = GateFastPath(create_app())
