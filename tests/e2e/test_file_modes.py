"""REQ-37: every file matchgate leaves in a workspace, or writes with `--out`, is private.

A workspace holds taxpayer data (the master file, the workflow store with its
decisions and last known addresses, the log, the models), and so do the
files written with `--out` (a response carries addresses, an accounting
names TINs). Each file must be 0600 and each folder 0700 from the moment it
exists, even when matchgate is started with a permissive umask.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from e2e.workflow_cli import ADMIN, OPERATOR, Workflow, child_env, cli_ok, command

pytestmark = pytest.mark.slow


def readable_by_others(root: Path) -> list[str]:
    """Every path under ``root`` (and ``root``) that group or others may access at all."""
    found = []
    for folder, dirs, files in os.walk(root):
        for path in [Path(folder), *(Path(folder) / n for n in [*dirs, *files])]:
            mode = path.lstat().st_mode
            if stat.S_IMODE(mode) & 0o077:
                found.append(f"{path.relative_to(root.parent)} {stat.filemode(mode)}")
    return sorted(set(found))


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def spawn_with_open_umask(*args: str | Path) -> None:
    """One matchgate command as its own process, started with umask 000."""
    done = subprocess.run(
        command(*args), env=child_env(), capture_output=True, text=True, umask=0, check=False
    )
    assert done.returncode == 0, done.stderr


def test_req37_a_one_shot_verify_leaves_only_private_files(
    tmp_path: Path, world: dict[str, Path]
) -> None:
    home, out = tmp_path / "workspace", tmp_path / "response.csv"
    spawn_with_open_umask(
        "verify",
        "--taxpayers", world["taxpayers"], "--addresses", world["addresses"],
        "--requests", world["requests"], "--envelope", world["envelope"],
        "--out", out, "--workspace", home,
    )  # fmt: skip
    assert (home / "master.duckdb").is_file() and (home / "workflow.sqlite").is_file()
    assert list((home / "models").glob("M-*.json"))
    assert readable_by_others(home) == []
    assert private(out)


def test_req37_the_whole_workflow_leaves_only_private_files(
    tmp_path: Path, workflow: Workflow
) -> None:
    previous = os.umask(0)  # the in-process commands below start from an open umask
    try:
        workflow.submit_to_review()
        workflow.finish()
        outputs = {
            "response": workflow.home.parent / f"response-{workflow.home.name}.csv",
            "export": tmp_path / "audit.jsonl",
            "accounting": tmp_path / "accounting.csv",
        }
        cli_ok("audit", "export", "--out", outputs["export"], "--as", ADMIN, *workflow.ws)
        cli_ok("accounting", "--csv", outputs["accounting"], "--as", ADMIN, *workflow.ws)
        cli_ok("batch", "respond", workflow.batch_id, "--out", tmp_path / "again.csv",
               "--as", OPERATOR, *workflow.ws)  # fmt: skip
    finally:
        os.umask(previous)
    assert readable_by_others(workflow.home) == []
    assert {name: private(path) for name, path in outputs.items()} == dict.fromkeys(outputs, True)
    assert private(tmp_path / "again.csv")
