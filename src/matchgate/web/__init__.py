"""The web adapter: officers' pages and the REST API (FastAPI), thin over the services.

`create_app(services)` builds the ASGI app; `matchgate serve` runs it with
uvicorn. Only the service layer, configuration, errors and the domain's
vocabulary are imported here (an import-linter contract keeps it so).
"""

from matchgate.web.app import create_app

__all__ = ["create_app"]
