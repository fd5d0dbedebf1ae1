"""The officer UI in a real headless Chromium (Debian's, driven by Playwright).

login -> review queue with the waterfall visible -> confirm -> a second
person approves -> release -> the requester downloads the response with its
token. The app runs in uvicorn on a loopback port over a copy of the demo
workspace; screenshots go to `test-artefacts/browser/` (not committed).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from integration.web.conftest import Site
from matchgate.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).parents[3] / "test-artefacts" / "browser"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(site: Site) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(site.services), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_review_approve_release_and_download_in_chromium(site: Site, live: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    batch_id = site.demo.batch_id
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def login(name: str) -> None:
                page.goto(f"{live}/login")
                page.fill("input[name=username]", name)
                page.fill("input[name=password]", site.demo.passwords[name])
                page.click("button[type=submit]")
                expect(page.locator("span.who")).to_contain_text(name)

            login("oscar")
            page.goto(f"{live}/review?batch={batch_id}")
            waterfall = page.locator("figure.waterfall svg").first
            expect(waterfall).to_be_visible()
            expect(page.locator("figure.waterfall rect.step").first).to_be_visible()
            page.screenshot(path=str(ARTEFACTS / "1-review-queue.png"), full_page=True)
            items = page.locator("article.item")
            for left in range(site.demo.pending_review, 0, -1):
                expect(items).to_have_count(left)
                items.first.locator("textarea[name=note]").fill("Name and address on file agree")
                items.first.locator("button[value=confirm]").click()
                expect(items).to_have_count(left - 1)
            expect(page.locator("#queue-empty")).to_be_visible()
            page.goto(f"{live}/batches/{batch_id}")
            expect(page.locator("#approve")).to_have_count(0)  # the reviewer may not approve
            page.locator("header button[type=submit]").click()  # log out
            expect(page.locator("input[name=username]")).to_be_visible()

            login("april")
            page.goto(f"{live}/batches/{batch_id}")
            page.screenshot(path=str(ARTEFACTS / "2-batch-before-approval.png"), full_page=True)
            page.click("#approve")
            expect(page.locator("#batch-state")).to_have_text("approved")
            page.click("#release")
            expect(page.locator("#batch-state")).to_have_text("released")
            page.screenshot(path=str(ARTEFACTS / "3-batch-released.png"), full_page=True)
        finally:
            browser.close()

    response = httpx.get(
        f"{live}/api/v1/batches/{batch_id}/response",
        headers={"Authorization": f"Bearer {site.demo.requester_token}"},
    )
    assert response.status_code == 200
    assert response.text.startswith("request_id,batch_id,outcome")
    (ARTEFACTS / "response.csv").write_bytes(response.content)
    assert (ARTEFACTS / "1-review-queue.png").stat().st_size > 0
