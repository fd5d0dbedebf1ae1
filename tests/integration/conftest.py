"""A small synthetic world, verified once per test session (DuckDB engine)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from matchgate import demo
from matchgate.bootstrap import build_services
from matchgate.config import Settings
from matchgate.files import read_upload
from matchgate.services import MasterFiles, VerifyReport
from matchgate.workspace import Workspace


@dataclass(frozen=True)
class World:
    folder: Path
    files: dict[str, Path]
    workspace: Workspace
    report: VerifyReport
    truth: list[dict[str, str]]

    @property
    def response(self) -> bytes:
        return self.report.response

    def verify(self, workspace: Workspace | None = None) -> VerifyReport:
        return verify(self.files, workspace or self.workspace)


def verify(files: dict[str, Path], workspace: Workspace) -> VerifyReport:
    """`matchgate verify` on the world's files, as the command runs it."""
    settings = Settings(home=workspace.home, database_url=None, user=None)
    with build_services(settings) as services:
        return services.trial.verify(
            read_upload(files["requests"]),
            read_upload(files["envelope"]),
            agreement=services.agreement(None),
            actor=None,
            master=MasterFiles(files["taxpayers"], files["addresses"]),
        )


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("world")
    files = demo.synthesise(folder, taxpayers=2500, requests=600, seed=11)
    workspace = Workspace(folder / "workspace")
    report = verify(files, workspace)
    return World(folder, files, workspace, report, demo.read_truth(files["truth"]))
