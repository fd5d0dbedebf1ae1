"""A demo workspace for the web tests, built once, copied for each test that changes it.

The workspace holds a synthetic master file, a trained model, one user per
role with a password, a requester token for the synthetic batch's agency (the
batch was submitted with it and waits in review) and an officer token.
`Site` drives the app in process (FastAPI's TestClient): `site.login(name)`
gives a client with that user's session and CSRF token.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from matchgate.bootstrap import build_web_services
from matchgate.config import Settings
from matchgate.demo_workspace import DemoWorkspace, build_demo_workspace
from matchgate.services.webapp import WebServices
from matchgate.web import create_app


@dataclass
class Browser:
    """A client with one user's session."""

    client: TestClient
    csrf: str

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, follow_redirects=False, **kw)

    def post(self, url: str, data: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.post(
            url, data={"csrf": self.csrf, **(data or {})}, follow_redirects=False, **kw
        )

    def api(self, method: str, url: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, follow_redirects=False, **kw)


@dataclass
class Site:
    demo: DemoWorkspace
    services: WebServices

    def client(self) -> TestClient:
        return TestClient(create_app(self.services), raise_server_exceptions=False)

    def login(self, name: str) -> Browser:
        client = self.client()
        form = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        response = client.post(
            "/login",
            data={"username": name, "password": self.demo.passwords[name], "csrf": csrf[1]},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = client.get("/").text
        session_csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert session_csrf is not None
        return Browser(client, session_csrf[1])

    def token(self, secret: str) -> TestClient:
        client = self.client()
        client.headers["Authorization"] = f"Bearer {secret}"
        return client


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    built = build_demo_workspace(tmp_path_factory.mktemp("web-demo"))
    assert built.pending_review > 0
    return built


def copy_of(built: DemoWorkspace, folder: Path) -> DemoWorkspace:
    home = folder / "workspace"
    shutil.copytree(built.settings.home, home)
    return replace(built, settings=Settings(home=home, database_url=None, user=None))


@pytest.fixture
def site(demo_built: DemoWorkspace, tmp_path: Path) -> Iterator[Site]:
    """A fresh copy of the demo workspace, served in process."""
    copy = copy_of(demo_built, tmp_path)
    with build_web_services(copy.settings) as services:
        yield Site(copy, services)
