"""Shared, built-once fixtures for the slow end-to-end tests.

A small synthetic world (1,500 taxpayers, 300 requests, seed 5) and a
workspace prepared from it once, through the command line (`master load`,
`model train`). Tests copy the prepared workspace instead of rebuilding it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.workflow_cli import ADMIN, Workflow, cli_ok, spawn_ok
from matchgate import demo

TAXPAYERS, REQUESTS, SEED = 1500, 300, 5


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("world")
    return demo.synthesise(folder, taxpayers=TAXPAYERS, requests=REQUESTS, seed=SEED)


@pytest.fixture(scope="session")
def prepared_workspace(tmp_path_factory: pytest.TempPathFactory, world: dict[str, Path]) -> Path:
    """A workspace with its admin, the master file loaded and a model trained (audited)."""
    home = tmp_path_factory.mktemp("prepared") / "workspace"
    cli_ok("user", "add", ADMIN, "--role", "admin", "--workspace", home)
    spawn_ok(
        "master", "load",
        "--taxpayers", world["taxpayers"], "--addresses", world["addresses"],
        "--workspace", home, "--as", ADMIN,
    )  # fmt: skip
    spawn_ok("model", "train", "--workspace", home, "--as", ADMIN)
    assert (home / "master.duckdb").is_file()
    assert (home / "workflow.sqlite").is_file()  # the load and the training are audited
    return home


@pytest.fixture
def workflow(tmp_path: Path, prepared_workspace: Path, world: dict[str, Path]) -> Workflow:
    """A copy of the prepared workspace with its users added through the CLI."""
    return Workflow.copy_of(prepared_workspace, tmp_path / "workspace", world)
