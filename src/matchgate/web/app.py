"""`create_app(services)`: the web app and the REST API in one FastAPI application.

In: the `WebServices` built once per process (`bootstrap.build_web_services`).
Out: an ASGI app serving the officer pages (`pages.py`), the API under
`/api/v1` (`api.py`) with its OpenAPI document at `/api/v1/openapi.json`,
and the vendored static files. Nothing is built at import time. Errors are
turned into responses here, once: problem+json for the API, an error page
for a browser (a redirect to the login page when no one is logged in).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from matchgate import __version__
from matchgate.errors import MatchgateError
from matchgate.services.webapp import WebServices
from matchgate.web import api, pages, problems
from matchgate.web.auth import NeedsLogin, session_principal

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _here() -> Path:
    return Path(str(resources.files("matchgate.web")))


def create_app(services: WebServices) -> FastAPI:
    app = FastAPI(
        title="matchgate",
        version=__version__,
        description="Statute-gated verification of interagency disclosure requests.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.services = services
    app.state.templates = Jinja2Templates(directory=str(_here() / "templates"))
    app.mount("/static", StaticFiles(directory=str(_here() / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def on_error(request: Request, error: Exception) -> Response:
        if is_api(request):
            return await problems.on_matchgate_error(request, error)
        assert isinstance(error, MatchgateError)
        status = problems.status_of(error)
        return _error_page(request, status, error.message)

    async def on_csrf(request: Request, error: Exception) -> Response:
        if is_api(request):
            return await problems.on_csrf(request, error)
        return _error_page(request, 403, "missing or wrong CSRF token: reload the page")

    async def on_needs_login(_request: Request, _error: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    async def on_internal(request: Request, error: Exception) -> Response:
        if is_api(request):
            return await problems.on_internal(request, error)
        return _error_page(request, 500, f"internal error ({type(error).__name__})")

    app.add_exception_handler(MatchgateError, on_error)
    app.add_exception_handler(problems.CsrfRejected, on_csrf)
    app.add_exception_handler(problems.Unauthenticated, problems.on_unauthenticated)
    app.add_exception_handler(RequestValidationError, problems.on_validation)
    app.add_exception_handler(NeedsLogin, on_needs_login)
    app.add_exception_handler(Exception, on_internal)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _error_page(request: Request, status: int, message: str) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    try:
        user = session_principal(request)
    except Exception:  # the error page never fails on who is asking
        user = None
    return templates.TemplateResponse(
        request,
        "error.html",
        {"user": user, "status": status, "message": message},
        status_code=status,
    )
