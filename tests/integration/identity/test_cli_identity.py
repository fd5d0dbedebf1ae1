"""The command line in a production workspace: identity is the OS account, never a typed name."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import request_rows, write_csv, write_envelope
from integration.audit.flow import cli, cli_ok, cli_target, stored_events
from matchgate import osaccount
from matchgate.domain.identity import OsAccount
from matchgate.workflow.store import Store

ALICE = OsAccount("alice", 1001)
BOB = OsAccount("bob", 1002)


def run_as(monkeypatch: pytest.MonkeyPatch, account: OsAccount) -> None:
    monkeypatch.setattr(osaccount, "current_account", lambda: account)


def test_row02_cli_claims_are_refused_in_production(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, env = cli_target(store, tmp_path / "ws")
    run_as(monkeypatch, ALICE)
    cli_ok("init", "--production", "--admin", "alice-admin", *where, env=env)
    again = cli("init", "--production", "--admin", "mallory", *where, env=env)
    assert again.code == 5, again

    cli_ok("user", "add", "bob-op", "--role", "operator", "--os-user", "bob", *where, env=env)
    twice = cli("user", "add", "al2", "--role", "approver", "--os-user", "alice", *where, env=env)
    assert twice.code == 5 and "already bound" in twice.err, twice

    run_as(monkeypatch, BOB)
    typed = cli("audit", "verify", "--as", "alice-admin", *where, env=env)
    assert typed.code == 4 and "--as is refused" in typed.err, typed
    from_env = cli("audit", "verify", *where, env={**env, "MATCHGATE_USER": "alice-admin"})
    assert from_env.code == 4 and "MATCHGATE_USER is refused" in from_env.err, from_env
    not_his = cli("user", "add", "x", "--role", "admin", "--os-user", "x", *where, env=env)
    assert not_his.code == 4, not_his  # bob is no admin: no later command makes one

    requests = write_csv(tmp_path / "batch.csv", request_rows(2))
    envelope = write_envelope(tmp_path / "envelope.json")
    trial = cli(
        "verify", "--requests", requests, "--envelope", envelope, "--out", tmp_path / "o.csv",
        *where, env=env,
    )  # fmt: skip
    assert trial.code == 4 and "batch submit" in trial.err, trial
    assert not (tmp_path / "o.csv").exists()

    failed = [e for e in stored_events(store) if e.action == "login_failed"]
    assert [(e.payload["os_user"], e.payload["reason"]) for e in failed] == [
        ("bob", "--as given"),
        ("bob", "MATCHGATE_USER given"),
    ]


def test_row02_token_and_password_commands_prove_identity_as_every_other_does(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, env = cli_target(store, tmp_path / "ws")
    run_as(monkeypatch, ALICE)
    cli_ok("init", "--production", "--admin", "alice-admin", *where, env=env)
    cli_ok("user", "add", "bob-op", "--role", "operator", "--os-user", "bob", *where, env=env)

    run_as(monkeypatch, BOB)
    for args in (
        ("token", "create", "bob-op", "--officer", "--as", "alice-admin"),
        ("token", "list", "--as", "alice-admin"),
        ("token", "revoke", "T0", "--as", "alice-admin"),
    ):
        typed = cli(*args, *where, env=env)
        assert typed.code == 4 and "--as is refused" in typed.err, (args, typed)
    from_env = cli("token", "list", *where, env={**env, "MATCHGATE_USER": "alice-admin"})
    assert from_env.code == 4 and "MATCHGATE_USER is refused" in from_env.err, from_env
    not_admin = cli("token", "list", *where, env=env)  # bob, proven, is no admin
    assert not_admin.code == 4, not_admin
