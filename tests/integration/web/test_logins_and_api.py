"""Logins (lockout, idle timeout, logout, CSRF, audited) and the requester API's rules."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from integration.web.conftest import Site
from matchgate.bootstrap import build_web_services
from matchgate.services.webapp import LoginFailed


def _actions(site: Site) -> list[str]:
    """The actions in the audit chain, as an auditor's export shows them."""
    export = b"".join(site.services.core.audit.export(actor="aubrey"))
    lines = [json.loads(line) for line in export.splitlines() if line.strip()]
    return [line["action"] for line in lines if "action" in line]


@pytest.mark.slow
def test_three_wrong_passwords_lock_the_account_even_for_the_right_one(site: Site) -> None:
    logins = site.services.logins
    for _ in range(3):
        with pytest.raises(LoginFailed):
            logins.login("oscar", "not the password")
    with pytest.raises(LoginFailed):
        logins.login("oscar", site.demo.passwords["oscar"])
    actions = _actions(site)
    assert actions.count("login_failed") == 4
    assert "account_locked" in actions


@pytest.mark.slow
def test_a_session_idle_past_the_timeout_is_ended(site: Site) -> None:
    now = [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)]
    with build_web_services(site.demo.settings, clock=lambda: now[0]) as services:
        grant = services.logins.login("oscar", site.demo.passwords["oscar"])
        now[0] += timedelta(minutes=14)
        assert services.logins.resolve(grant.session_id) is not None
        now[0] += timedelta(minutes=16)
        assert services.logins.resolve(grant.session_id) is None
    assert "session_expired" in _actions(site)


@pytest.mark.slow
def test_logout_ends_the_session_and_a_form_without_csrf_is_refused(site: Site) -> None:
    oscar = site.login("oscar")
    assert oscar.client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert oscar.post("/logout").status_code == 303
    assert oscar.get("/").status_code == 303  # back to the login page
    actions = _actions(site)
    assert "login_succeeded" in actions and "logout" in actions


@pytest.mark.slow
def test_the_session_cookie_is_httponly_and_samesite_strict(site: Site) -> None:
    client = site.client()
    client.get("/login")
    csrf = client.cookies["mg_login_csrf"]
    answer = client.post(
        "/login",
        data={"username": "oscar", "password": site.demo.passwords["oscar"], "csrf": csrf},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert "mg_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


@pytest.mark.slow
def test_viewing_the_review_queue_is_audited(site: Site) -> None:
    site.login("oscar").get("/review")
    assert "records_viewed" in _actions(site)


@pytest.mark.slow
def test_a_resubmission_is_the_same_batch_and_other_content_is_a_conflict(site: Site) -> None:
    requester = site.token(site.demo.requester_token)
    files = site.demo.files
    same = {
        "requests": ("requests.csv", files["requests"].read_bytes()),
        "envelope": ("envelope.json", files["envelope"].read_bytes()),
    }
    again = requester.post("/api/v1/batches", files=same)
    assert again.status_code == 200
    assert again.json()["batch_id"] == site.demo.batch_id
    other = dict(same, requests=("requests.csv", files["requests"].read_bytes() + b"\n"))
    conflict = requester.post("/api/v1/batches", files=other)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"


@pytest.mark.slow
def test_a_bad_upload_is_a_4xx_naming_the_file_never_a_500(site: Site) -> None:
    requester = site.token(site.demo.requester_token)
    envelope = json.loads(site.demo.files["envelope"].read_text(encoding="utf-8"))
    envelope["batch_id"] = "BAD-UPLOAD-1"
    answer = requester.post(
        "/api/v1/batches",
        files={
            "requests": ("batch.csv", b"request_id,first_name\n1,ANA\n"),
            "envelope": ("envelope.json", json.dumps(envelope).encode()),
        },
    )
    assert answer.status_code == 422
    assert "batch.csv" in answer.json()["detail"]


@pytest.mark.slow
def test_a_revoked_token_is_refused(site: Site) -> None:
    tokens = site.services.tokens
    token_id = site.demo.requester_token.split("_")[1]
    tokens.revoke(token_id, actor="ada")
    answer = site.token(site.demo.requester_token).get(f"/api/v1/batches/{site.demo.batch_id}")
    assert answer.status_code == 401


@pytest.mark.slow
def test_two_identical_submissions_at_once_are_one_batch(site: Site) -> None:
    envelope = json.loads(site.demo.files["envelope"].read_text(encoding="utf-8"))
    envelope["batch_id"] = "TWICE-AT-ONCE"
    files = {
        "requests": ("requests.csv", site.demo.files["requests"].read_bytes()),
        "envelope": ("envelope.json", json.dumps(envelope).encode()),
    }
    requester = site.token(site.demo.requester_token)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: requester.post("/api/v1/batches", files=files), [1, 2]))
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert {a.json()["batch_id"] for a in answers} == {"TWICE-AT-ONCE"}


@pytest.mark.slow
def test_the_accounting_page_is_audited_and_its_csv_has_the_header(site: Site) -> None:
    aubrey = site.login("aubrey")
    assert aubrey.get("/accounting?tin=900000001").status_code == 200
    download = aubrey.get("/accounting.csv?tin=900000001")
    assert download.text.splitlines()[0].startswith("tin,fields_disclosed,requesting_agency")
    assert _actions(site).count("accounting_query") == 2


@pytest.mark.slow
def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(site: Site) -> None:
    client = site.client()
    client.get("/login")
    csrf = client.cookies["mg_login_csrf"]
    answers = [
        client.post("/login", data={"username": name, "password": "wrong-password", "csrf": csrf})
        for name in ("nobody-by-this-name", "oscar")
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].text == answers[1].text
