"""A small synthetic world, verified once per test session (DuckDB engine)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from matchgate import services
from matchgate.services import VerifyReport
from matchgate.workspace import Workspace


@dataclass(frozen=True)
class World:
    folder: Path
    files: dict[str, Path]
    workspace: Workspace
    report: VerifyReport
    truth: list[dict[str, str]]

    def verify(self, out: Path, workspace: Workspace | None = None) -> VerifyReport:
        return services.verify_files(
            workspace or self.workspace,
            requests=self.files["requests"],
            envelope=self.files["envelope"],
            out=out,
            taxpayers=self.files["taxpayers"],
            addresses=self.files["addresses"],
        )


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("world")
    files = services.synthesise(folder, taxpayers=2500, requests=600, seed=11)
    workspace = Workspace(folder / "workspace")
    report = services.verify_files(
        workspace,
        requests=files["requests"],
        envelope=files["envelope"],
        out=folder / "response.csv",
        taxpayers=files["taxpayers"],
        addresses=files["addresses"],
    )
    return World(folder, files, workspace, report, services.read_truth(files["truth"]))
