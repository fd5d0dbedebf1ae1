"""Least privilege on every route: each route × each role × anonymous × tokens.

Columns: anonymous; a browser session of the operator (the requesting
agency's liaison), the officer, the approver, the auditor, the admin; the
liaison's requester token (its own agency); a requester token of another
agency; the officer's API token. Each cell is the status expected. Writes
name an item or batch that does not exist, so a caller who is let through
gets 404 (nothing changes) and one who is not gets 401, 403 or, for a page,
the redirect to the login page (303).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from integration.web.conftest import Browser, Site, copy_of
from matchgate.bootstrap import build_web_services
from matchgate.demo_workspace import DemoWorkspace
from matchgate.services.webapp import TokenScope

COLUMNS = ("anon", "operator", "officer", "approver", "auditor", "admin", "req", "other", "otok")
SESSIONS = {
    "operator": "liaison",
    "officer": "oscar",
    "approver": "april",
    "auditor": "aubrey",
    "admin": "ada",
}
X = "NO-SUCH-ID"

#: (method, route, expected status per column, in COLUMNS order).
MATRIX: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/", (303, 200, 200, 200, 200, 200, 303, 303, 303)),
    ("GET", "/batches/{batch_id}", (303, 200, 200, 200, 200, 200, 303, 303, 303)),
    ("GET", "/review", (303, 403, 200, 403, 403, 200, 303, 303, 303)),
    ("POST", "/review/{item_id}/decide", (303, 403, 404, 403, 403, 404, 303, 303, 303)),
    ("POST", "/batches/{batch_id}/approve", (303, 403, 403, 404, 403, 404, 303, 303, 303)),
    ("POST", "/batches/{batch_id}/release", (303, 403, 403, 404, 403, 404, 303, 303, 303)),
    ("GET", "/audit", (303, 403, 403, 403, 200, 200, 303, 303, 303)),
    ("GET", "/accounting", (303, 403, 403, 403, 200, 200, 303, 303, 303)),
    ("GET", "/accounting.csv", (303, 403, 403, 403, 200, 200, 303, 303, 303)),
    ("GET", "/remediation", (303, 403, 403, 403, 200, 200, 303, 303, 303)),
    ("POST", "/remediation", (303, 403, 403, 403, 422, 422, 303, 303, 303)),
    ("POST", "/api/v1/batches", (401, 403, 403, 403, 403, 403, 422, 403, 403)),
    ("GET", "/api/v1/batches/{batch_id}", (401, 403, 403, 403, 403, 403, 200, 404, 403)),
    ("GET", "/api/v1/batches/{batch_id}/response", (401, 403, 403, 403, 403, 403, 409, 404, 403)),
    ("GET", "/api/v1/review", (401, 403, 200, 403, 403, 200, 403, 403, 200)),
    ("POST", "/api/v1/review/{item_id}/decision", (401, 403, 404, 403, 403, 404, 403, 403, 404)),
    ("POST", "/api/v1/batches/{batch_id}/approve", (401, 403, 403, 404, 403, 404, 403, 403, 403)),
    ("POST", "/api/v1/batches/{batch_id}/release", (401, 403, 403, 404, 403, 404, 403, 403, 403)),
]


@pytest.fixture(scope="module")
def matrix_site(
    demo_built: DemoWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    copy = copy_of(demo_built, tmp_path_factory.mktemp("matrix"))
    with build_web_services(copy.settings) as services:
        yield Site(copy, services)


@pytest.fixture(scope="module")
def callers(matrix_site: Site) -> dict[str, Any]:
    site = matrix_site
    other = site.services.tokens.create(
        "liaison",
        scope=TokenScope.REQUESTER,
        actor="ada",
        agency="Another Enforcement Agency",
        agreement_id="reference-6103i2",
    )
    found: dict[str, Any] = {"anon": site.client()}
    found.update({column: site.login(name) for column, name in SESSIONS.items()})
    found["req"] = site.token(site.demo.requester_token)
    found["other"] = site.token(other.secret)
    found["otok"] = site.token(site.demo.officer_token)
    return found


def _envelope(site: Site, caller: str) -> bytes:
    document = json.loads(site.demo.files["envelope"].read_text(encoding="utf-8"))
    document["batch_id"] = f"NEW-{caller}"
    return json.dumps(document).encode()


def _call(site: Site, who: str, caller: Any, method: str, route: str) -> int:
    path = route.format(batch_id=site.demo.batch_id, item_id=X)
    if method == "POST" and route.endswith(("/approve", "/release")):
        path = route.format(batch_id=X)
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] | None = None
    body: dict[str, Any] | None = None
    params: dict[str, str] = {}
    if route == "/review/{item_id}/decide":
        form = {"decision": "confirm", "note": "checked"}
    elif route == "/remediation" and method == "POST":
        files = {"agreement": ("corrected.yaml", b"id: [unclosed")}
    elif route == "/api/v1/batches":
        files = {
            "requests": ("requests.csv", b"\x00\x01 not a request file"),
            "envelope": ("envelope.json", _envelope(site, who)),
        }
    elif route == "/api/v1/review/{item_id}/decision":
        body = {"confirm": True, "note": "checked"}
    if route.startswith("/accounting"):
        params = {"tin": "900000001"}
    if route.endswith("review"):
        params = {"batch": site.demo.batch_id}
    send: Callable[..., Any]
    if isinstance(caller, Browser):
        if route.startswith("/api/"):
            response = caller.api(method, path, params=params, files=files, json=body)
        elif method == "POST":
            response = caller.post(path, form, files=files)
        else:
            response = caller.get(path, params=params)
    else:
        assert isinstance(caller, TestClient)
        send = caller.request
        data = form or None
        response = send(
            method, path, params=params, data=data, files=files, json=body, follow_redirects=False
        )
    return int(response.status_code)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "route", "expected"), MATRIX, ids=[f"{m} {r}" for m, r, _ in MATRIX]
)
def test_each_caller_gets_the_expected_status(
    matrix_site: Site,
    callers: dict[str, Any],
    method: str,
    route: str,
    expected: tuple[int, ...],
) -> None:
    got = {who: _call(matrix_site, who, callers[who], method, route) for who in COLUMNS}
    assert got == dict(zip(COLUMNS, expected, strict=True))


def test_every_route_of_the_app_is_in_the_matrix() -> None:
    from fastapi.routing import APIRoute

    from matchgate.web import api, pages

    routes = {
        (method, route.path)
        for router in (pages.router, api.router)
        for route in router.routes
        if isinstance(route, APIRoute) and route.path not in ("/login", "/logout")
        for method in route.methods
    }
    assert routes == {(m, r) for m, r, _ in MATRIX}


def test_the_routes_declare_the_roles_the_matrix_checks() -> None:
    from matchgate.web import api, pages

    assert set(pages.ROLE_OF) | set(api.ROLE_OF) == {(m, r) for m, r, _ in MATRIX}
