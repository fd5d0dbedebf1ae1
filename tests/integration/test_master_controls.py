"""Master loads and training are an operator's, and never change a held item (issue row 4)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from integration.audit.flow import (
    ADMIN,
    OFFICER,
    OPERATOR,
    VINTAGE,
    held,
    matcher_for,
    person,
    verified,
    write_batch,
)
from integration.test_services import MOMENT
from matchgate.bootstrap import build_services
from matchgate.config import Settings
from matchgate.domain.lifecycle import Role
from matchgate.domain.taxpayers import TaxpayerRecord
from matchgate.errors import WorkspaceError
from matchgate.match.port import MasterFiles, MatcherFactory, ModelSummary
from matchgate.pipeline import Matcher
from matchgate.progress import Progress
from matchgate.services import MasterSummary, Services
from matchgate.workflow.store import PermissionDenied

REQS = [verified(person(0), 0), held(person(1), 1)]


@dataclass
class VintageEngine:
    """A fake engine whose records as filed change with each vintage loaded."""

    vintage: str | None = VINTAGE
    loads: int = 0
    calls: list[str] = field(default_factory=list)

    def current_vintage_id(self) -> str | None:
        return self.vintage

    def require_vintage_id(self) -> str:
        if self.vintage is None:
            raise WorkspaceError("no master file")
        return self.vintage

    def vintage_id_of(self, files: MasterFiles) -> str:
        return f"V-NEW-{self.loads + 1}"

    def load_master(self, files: MasterFiles, *, progress: Progress) -> MasterSummary:
        self.calls.append("load")
        self.vintage = self.vintage_id_of(files)
        self.loads += 1
        return MasterSummary(self.vintage, 0, 0, 0, 0, 0, 0.0)

    def current_model(self) -> ModelSummary | None:
        return ModelSummary("M", self.require_vintage_id(), "memory")

    def train(self, *, seed: int, progress: Progress) -> ModelSummary:
        self.calls.append("train")
        return ModelSummary("M", self.require_vintage_id(), "memory")

    @contextmanager
    def matcher(self) -> Iterator[MatcherFactory]:
        def factory() -> Matcher:
            return matcher_for(REQS)

        yield factory

    def taxpayer_records(self, tins: Sequence[str]) -> Mapping[str, TaxpayerRecord]:
        # The first vintage has every candidate; a newer one has lost them all.
        if self.vintage != VINTAGE:
            return {}
        return {
            tin: TaxpayerRecord(tin, "FIRST", None, f"LAST-{tin}", None, "1980-01-01")
            for tin in tins
        }


@pytest.fixture
def engine() -> VintageEngine:
    return VintageEngine()


@pytest.fixture
def services(tmp_path: Path, engine: VintageEngine) -> Iterator[Services]:
    settings = Settings(home=tmp_path / "workspace", database_url=None, user=None)
    with build_services(settings, clock=lambda: MOMENT, engine=engine) as built:
        built.users.add(ADMIN, [Role.ADMIN], actor=None)
        built.users.add(OPERATOR, [Role.OPERATOR], actor=ADMIN)
        built.users.add(OFFICER, [Role.OFFICER], actor=ADMIN)
        yield built


FILES = MasterFiles(Path("taxpayers.csv"), Path("addresses.csv"))


def denied_actors(tmp_path: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(tmp_path / "workspace" / "workflow.sqlite")
    try:
        rows = con.execute(
            "SELECT actor, payload FROM audit_events WHERE action = 'access_denied'"
        ).fetchall()
    finally:
        con.close()
    return [(str(a), str(p)) for a, p in rows]


@pytest.mark.parametrize("actor", [None, "nobody", OFFICER])
def test_row04_master_load_and_training_need_an_operator(
    services: Services, engine: VintageEngine, tmp_path: Path, actor: str | None
) -> None:
    with pytest.raises(PermissionDenied):
        services.master.load(FILES, actor=actor)
    with pytest.raises(PermissionDenied):
        services.master.train(actor=actor)
    assert engine.calls == [], "refused before any work"
    assert len(denied_actors(tmp_path)) == 2
    services.master.load(FILES, actor=OPERATOR)
    services.master.train(actor=ADMIN)
    assert engine.calls == ["load", "train"]


def test_row04_a_new_vintage_never_changes_what_a_held_item_shows(
    services: Services, engine: VintageEngine, tmp_path: Path
) -> None:
    files = write_batch(tmp_path, "ROW4-0001", REQS)
    requests, envelope = files.uploads
    summary = services.batches.submit(requests, envelope, actor=OPERATOR)
    assert summary.pending_review == 1
    (before,) = services.review.queue(actor=OFFICER)
    assert [r.tin for r in before.candidate_records] == [person(1).tin]

    services.master.load(FILES, actor=OPERATOR)  # a new vintage during review
    (after,) = services.review.queue(actor=OFFICER)
    assert after.candidate_records == before.candidate_records
    assert after.evidence == before.evidence
