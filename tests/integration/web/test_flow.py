"""The web flow end to end, in process: review, two-person approval, release, download.

On the SQLite workspace store and on PostgreSQL (a throw-away schema). The
requester submits through the API with its token, officers work the queue in
the browser pages, an approver who did not review approves and releases,
and the requester downloads the response: the same use cases as the CLI.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from integration.store.conftest import postgres_unreachable, postgres_url
from integration.web.conftest import Site
from matchgate.bootstrap import build_web_services
from matchgate.demo_workspace import build_demo_workspace
from matchgate.domain.lifecycle import Role


def run_flow(site: Site) -> None:
    batch_id = site.demo.batch_id
    requester = site.token(site.demo.requester_token)
    assert requester.get(f"/api/v1/batches/{batch_id}").json()["state"] == "in_review"
    # Nothing goes out before release.
    assert requester.get(f"/api/v1/batches/{batch_id}/response").status_code == 409

    oscar = site.login("oscar")
    queue = oscar.get(f"/review?batch={batch_id}")
    assert queue.status_code == 200
    items = re.findall(r'action="/review/([^"]+)/decide"', queue.text)
    assert len(items) == site.demo.pending_review
    assert 'class="step" data-field="prior"' in queue.text  # the waterfall is drawn
    # A decision needs a note.
    assert oscar.post(f"/review/{items[0]}/decide", {"decision": "confirm"}).status_code == 422
    for n, item in enumerate(items):
        decision = "confirm" if n == 0 else "deny"
        answer = oscar.post(f"/review/{item}/decide", {"decision": decision, "note": "checked"})
        assert answer.status_code == 303

    # The reviewer is not offered the approval, and the server refuses it anyway.
    site.services.core.users.grant("oscar", [Role.APPROVER], actor="ada")
    page = oscar.get(f"/batches/{batch_id}")
    assert 'id="approve"' not in page.text
    assert oscar.post(f"/batches/{batch_id}/approve").status_code == 403

    april = site.login("april")
    assert 'id="approve"' in april.get(f"/batches/{batch_id}").text
    assert april.post(f"/batches/{batch_id}/approve").status_code == 303
    assert april.post(f"/batches/{batch_id}/release").status_code == 303
    assert "released" in april.get(f"/batches/{batch_id}").text

    response = requester.get(f"/api/v1/batches/{batch_id}/response")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("request_id,batch_id,outcome")
    assert len(lines) - 1 == site.services.core.batches.show(batch_id).rows


@pytest.mark.slow
def test_the_web_flow_on_sqlite(site: Site) -> None:
    run_flow(site)


@pytest.fixture
def postgres_site(tmp_path: Path) -> Iterator[Site]:
    reason = postgres_unreachable()
    if reason is not None:
        pytest.skip(reason)
    url = make_url(postgres_url())
    schema = f"mg_{uuid.uuid4().hex}"
    admin = create_engine(url, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
        database_url = scoped.render_as_string(hide_password=False)
        built = build_demo_workspace(tmp_path, database_url=database_url)
        with build_web_services(built.settings) as services:
            yield Site(built, services)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_web_flow_on_postgresql(postgres_site: Site) -> None:
    run_flow(postgres_site)
