"""No process that `matchgate verify` starts outlives it.

The master load standardises in spawned worker processes, and "spawn" also
starts Python's resource tracker beside them; a command that ends while any
of them still runs leaves work (and memory) behind it. The load is made to
use its worker pool on this small world, then every process this test's
process started during the command must be gone when the command returns.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from e2e.workflow_cli import cli
from matchgate.master import distinct

pytestmark = pytest.mark.slow


def children() -> set[int]:
    """The live child processes of this process (read from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":  # field 4: the parent
            found.add(int(entry))
    return found


def test_verify_leaves_no_worker_process_behind(
    world: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(distinct, "PARALLEL_MIN_VALUES", 1)  # the worker pool runs
    before = children()
    result = cli(
        "verify",
        "--taxpayers", world["taxpayers"], "--addresses", world["addresses"],
        "--requests", world["requests"], "--envelope", world["envelope"],
        "--out", tmp_path / "response.csv", "--workspace", tmp_path / "ws", "--as", "tester",
    )  # fmt: skip
    assert result.code == 0, result
    assert (tmp_path / "response.csv").is_file()
    assert children() - before == set()
