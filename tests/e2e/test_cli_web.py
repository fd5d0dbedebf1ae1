"""`matchgate user password` and `matchgate token create|list|revoke` through the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from matchgate.bootstrap import build_web_services
from matchgate.cli.app import run
from matchgate.config import Settings
from matchgate.services.webapp import InvalidToken


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = run(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture
def workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    where = ["--workspace", str(tmp_path)]
    assert run(["user", "add", "ada", "--role", "admin", *where]) == 0
    assert run(["user", "add", "liaison", "--role", "operator", "--as", "ada", *where]) == 0
    capsys.readouterr()
    return where


def test_a_password_is_read_from_stdin_and_then_logs_in(
    workspace: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert run(["user", "password", "liaison", "--as", "ada", *workspace]) == 0
    with build_web_services(Settings(home=tmp_path)) as services:
        grant = services.logins.login("liaison", "correct horse battery")
        assert grant.principal.name == "liaison"


def test_a_short_password_is_refused_and_another_user_needs_an_admin(
    workspace: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert run(["user", "password", "liaison", "--as", "liaison", *workspace]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert run(["user", "password", "ada", "--as", "liaison", *workspace]) == 4


def test_a_token_is_shown_once_listed_without_its_secret_and_revoked(
    workspace: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create = ["token", "create", "liaison", "--agency", "Example Enforcement Agency"]
    code, out = _cli(capsys, *create, "--agreement", "reference-6103i2", "--as", "ada", *workspace)
    assert code == 0
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("mgt_")
    code, out = _cli(capsys, "token", "list", "--json", "--as", "ada", *workspace)
    listed = json.loads(out)
    assert [t["agency"] for t in listed] == ["Example Enforcement Agency"]
    assert secret.split("_", 2)[2] not in out
    token_id = listed[0]["token_id"]
    assert _cli(capsys, "token", "revoke", token_id, "--as", "ada", *workspace)[0] == 0
    with (
        build_web_services(Settings(home=tmp_path)) as services,
        pytest.raises(InvalidToken, match="revoked"),
    ):
        services.tokens.authenticate(secret)


def test_a_token_needs_an_admin_and_a_requester_token_its_agency(
    workspace: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(capsys, "token", "create", "liaison", "--officer", "--as", "liaison",
                *workspace)[0] == 4  # fmt: skip
    assert _cli(capsys, "token", "create", "liaison", "--as", "ada", *workspace)[0] == 2
