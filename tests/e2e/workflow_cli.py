"""Driving the persistent workflow through the `matchgate` command line, for e2e tests.

Two ways to run a command:

- `spawn(...)`: a separate process (`python -m matchgate`), for every command
  that may be killed (`batch submit`, `batch release` with `MATCHGATE_FAULT`)
  and for the slow, Splink-running ones (`master load`, `model train`, `verify`);
- `cli(...)`: in this process through `matchgate.cli.app.run` (the same
  entry point `main()` uses: argument parsing, handlers, exit codes), for the
  quick people steps (users, review, approve, release, respond). Each process
  start costs about 1.4 s of imports, so this keeps the suite fast.

`Workflow` wraps one workspace: its users, its batch and a read-only look at
its `workflow.sqlite` for the assertions.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matchgate.cli.app import run
from matchgate.workflow.stored import FAULT_VARIABLE

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: The users every workflow workspace gets (submitter, reviewer, approver apart).
ADMIN, OPERATOR, OFFICER, APPROVER = "admin", "op-olga", "officer-omar", "approver-ada"

#: Audit actions that depend on how often someone looked, not on what was decided.
VOLATILE_AUDIT_ACTIONS = {"records_viewed", "access_denied", "audit_verified"}

SUBPROCESS_TIMEOUT = 300


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(ANSI.sub("", self.out))


def cli(*args: str | Path) -> Result:
    """Run one `matchgate` command in this process; its exit code and output.

    No MATCHGATE_* variable of the caller's shell (a PostgreSQL URL, a user, a
    fault) reaches the command: everything it needs is on its command line.
    """
    out, err = io.StringIO(), io.StringIO()
    outside = {k: v for k, v in os.environ.items() if k.startswith("MATCHGATE_")}
    try:
        for name in outside:
            del os.environ[name]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run([str(a) for a in args])
    finally:
        os.environ.update(outside)
    return Result(code, out.getvalue(), err.getvalue())


def cli_ok(*args: str | Path) -> Result:
    result = cli(*args)
    assert result.code == 0, f"matchgate {' '.join(map(str, args))}: {result}"
    return result


def child_env(fault: str | None = None, chunk_rows: int | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHGATE_")}
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    if fault is not None:
        env[FAULT_VARIABLE] = fault
    if chunk_rows is not None:
        env["MATCHGATE_CHUNK_ROWS"] = str(chunk_rows)
    return env


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "matchgate", *(str(a) for a in args)]


def spawn(
    *args: str | Path, fault: str | None = None, chunk_rows: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `matchgate` command as its own process (killable by the fault hook)."""
    return subprocess.run(
        command(*args),
        env=child_env(fault, chunk_rows),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


def spawn_ok(*args: str | Path) -> subprocess.CompletedProcess[str]:
    done = spawn(*args)
    assert done.returncode == 0, f"matchgate {' '.join(map(str, args))}: {done.stderr}"
    return done


def killed_by_sigkill(returncode: int) -> bool:
    return returncode == -signal.SIGKILL


@dataclass(frozen=True)
class Snapshot:
    """What a finished run left in the store, for comparison with the reference run."""

    machine_decisions: list[tuple[Any, ...]]
    review_items: list[str]
    decisions: list[tuple[Any, ...]]
    response: bytes
    audit: Counter[tuple[str, str, str, str]]


class Workflow:
    """One workspace, its users and its one batch."""

    def __init__(self, home: Path, world: dict[str, Path]) -> None:
        self.home = home
        self.world = world
        envelope = json.loads(world["envelope"].read_text(encoding="utf-8"))
        self.batch_id: str = envelope["batch_id"]
        self.requests = len(world["requests"].read_text(encoding="utf-8").splitlines()) - 1

    @classmethod
    def copy_of(cls, prepared: Path, home: Path, world: dict[str, Path]) -> Workflow:
        """A copy of a prepared workspace, with its users added through the CLI."""
        shutil.copytree(prepared, home)
        flow = cls(home, world)
        flow.add_users()
        return flow

    # -- commands -----------------------------------------------------------------

    @property
    def ws(self) -> tuple[str, str]:
        return ("--workspace", str(self.home))

    def add_users(self) -> None:
        """The people of the workflow (the prepared workspace already has its admin)."""
        for name, role in ((OPERATOR, "operator"), (OFFICER, "officer"), (APPROVER, "approver")):
            cli_ok("user", "add", name, "--role", role, "--as", ADMIN, *self.ws)

    def submit_args(self) -> list[str | Path]:
        return [
            "batch", "submit", self.world["requests"],
            "--envelope", self.world["envelope"],
            "--as", OPERATOR, "--json", *self.ws,
        ]  # fmt: skip

    def submit(
        self, fault: str | None = None, chunk_rows: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        return spawn(*self.submit_args(), fault=fault, chunk_rows=chunk_rows)

    def submit_popen(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            command(*self.submit_args()),
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def submit_to_review(self, chunk_rows: int | None = None) -> dict[str, Any]:
        """Submit (or resume) without a fault: the batch must reach in_review."""
        done = self.submit(chunk_rows=chunk_rows)
        assert done.returncode == 0, done.stderr
        summary: dict[str, Any] = json.loads(ANSI.sub("", done.stdout))
        assert summary["state"] == "in_review", summary
        assert summary["rows"] == self.requests, summary
        return summary

    def review_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = cli_ok(
            "review", "list", "--batch", self.batch_id, "--json", "--as", OFFICER, *self.ws
        ).json()
        return items

    def confirm_all(self) -> list[str]:
        ids = [item["item_id"] for item in self.review_items()]
        for item_id in ids:
            cli_ok(
                "review", "decide", item_id, "--confirm", "--note", "e2e: confirmed",
                "--as", OFFICER, *self.ws,
            )  # fmt: skip
        assert self.review_items() == []
        return ids

    def approve(self) -> None:
        cli_ok("batch", "approve", self.batch_id, "--as", APPROVER, *self.ws)

    def release_args(self) -> list[str]:
        return ["batch", "release", self.batch_id, "--as", APPROVER, *self.ws]

    def release(self) -> None:
        cli_ok(*self.release_args())

    def respond(self) -> bytes:
        out = self.home.parent / f"response-{self.home.name}.csv"
        cli_ok("batch", "respond", self.batch_id, "--out", out, "--as", OPERATOR, *self.ws)
        return out.read_bytes()

    def audit_verify(self) -> None:
        result = cli_ok("audit", "verify", "--as", ADMIN, *self.ws)
        assert "intact" in result.out, result

    def finish(self) -> Snapshot:
        """From in_review: confirm every held request, approve, release, respond."""
        machine = self.decisions()
        ids = self.confirm_all()
        self.approve()
        assert self.response_rows() == 0, "a response exists before release"
        self.release()
        assert self.response_rows() == 1
        response = self.respond()
        self.audit_verify()
        return Snapshot(machine, ids, self.decisions(), response, self.audit_events())

    # -- the store, read directly -------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        db = self.home / "workflow.sqlite"
        assert db.is_file(), f"no workflow store in {self.home}"
        con = sqlite3.connect(db, timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def state(self) -> str | None:
        rows = self.query("SELECT state FROM batches WHERE batch_id = ?", self.batch_id)
        return str(rows[0][0]) if rows else None

    def decisions(self) -> list[tuple[Any, ...]]:
        return self.query(
            "SELECT row_index, request_id, decision_id, outcome, machine_outcome, tin,"
            " reason_codes, address_match, lka FROM decisions WHERE batch_id = ?"
            " ORDER BY row_index",
            self.batch_id,
        )

    def decision_count(self) -> int:
        return int(self.query("SELECT count(*) FROM decisions")[0][0])

    def response_rows(self) -> int:
        return int(self.query("SELECT count(*) FROM responses")[0][0])

    def audit_events(self) -> Counter[tuple[str, str, str, str]]:
        rows = self.query(
            "SELECT action, coalesce(batch_id, ''), coalesce(decision_id, ''), payload"
            " FROM audit_events"
        )
        return Counter(
            (str(a), str(b), str(d), str(p))
            for a, b, d, p in rows
            if a not in VOLATILE_AUDIT_ACTIONS
        )

    def assert_one_decision_per_request(self) -> None:
        rows = self.query(
            "SELECT row_index, count(*) FROM decisions WHERE batch_id = ? GROUP BY row_index",
            self.batch_id,
        )
        assert self.decision_count() == self.requests
        assert sorted(r[0] for r in rows) == list(range(self.requests))
        assert all(n == 1 for _, n in rows)
