"""The composition root and the service layer, over a fake engine (no Splink, no DuckDB).

`bootstrap.build_services(settings)` opens the workflow store once, takes the
clock and the engine it is given, and returns the use cases. The one-shot
`verify` audits its master-file load, its training, its batch, every decision
and the response it writes in the workspace's store under the acting user,
marked trial.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from factories import request_rows, write_csv, write_envelope
from matchgate import pipeline
from matchgate.bootstrap import build_services
from matchgate.config import Settings
from matchgate.decide.evidence import RequestFacts
from matchgate.decide.policy import Candidate
from matchgate.disclose.minimise import LastKnownAddress
from matchgate.domain.lifecycle import Role
from matchgate.domain.reasons import ReasonCode
from matchgate.domain.taxpayers import TaxpayerRecord
from matchgate.errors import WorkspaceError
from matchgate.files import read_upload
from matchgate.match.port import MasterFiles, MatcherFactory, ModelSummary
from matchgate.pipeline import Matcher
from matchgate.progress import Progress
from matchgate.services import MasterSummary, Services
from matchgate.services.trial import VerifyReport
from matchgate.store import database
from matchgate.workflow import process

MOMENT = datetime(2025, 8, 4, 9, 30, tzinfo=UTC)


class NobodyMatcher:
    """Finds nobody: every valid request is NO_MATCH."""

    vintage_id = "V-FAKE"
    model_version = "M-FAKE"

    def candidates(
        self, requests: Mapping[str, RequestFacts], table: pa.Table
    ) -> dict[str, list[Candidate]]:
        return {}

    def last_known_addresses(self, tins: Sequence[str]) -> dict[str, LastKnownAddress]:
        return {}


@dataclass
class FakeEngine:
    """A `MatchEngine` that keeps its vintage and model in memory."""

    vintage: str | None = None
    model: ModelSummary | None = None
    calls: list[str] = field(default_factory=list)

    def current_vintage_id(self) -> str | None:
        return self.vintage

    def require_vintage_id(self) -> str:
        if self.vintage is None:
            raise WorkspaceError("no master file: run `matchgate master load` first")
        return self.vintage

    def vintage_id_of(self, files: MasterFiles) -> str:
        return "V-FAKE"

    def load_master(self, files: MasterFiles, *, progress: Progress) -> MasterSummary:
        self.calls.append("load")
        self.vintage = self.vintage_id_of(files)
        return MasterSummary(self.vintage, 2, 3, 3, 2, 0, 0.0)

    def current_model(self) -> ModelSummary | None:
        return self.model

    def train(self, *, seed: int, progress: Progress) -> ModelSummary:
        self.calls.append("train")
        self.model = ModelSummary("M-FAKE", self.require_vintage_id(), "memory")
        return self.model

    @contextmanager
    def matcher(self) -> Iterator[MatcherFactory]:
        def factory() -> Matcher:
            self.calls.append("match")
            return NobodyMatcher()

        yield factory

    def taxpayer_records(self, tins: Sequence[str]) -> Mapping[str, TaxpayerRecord]:
        return {}


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def services(tmp_path: Path, engine: FakeEngine) -> Iterator[Services]:
    settings = Settings(home=tmp_path / "workspace", database_url=None, user=None)
    with build_services(settings, clock=lambda: MOMENT, engine=engine) as built:
        yield built


def query(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the workspace's workflow store directly, as an auditor's script would."""
    con = sqlite3.connect(tmp_path / "workspace" / "workflow.sqlite")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def audit_trail(tmp_path: Path) -> list[tuple[object, ...]]:
    return query(tmp_path, "SELECT action, actor, at FROM audit_events ORDER BY seq")


def verified(
    services: Services,
    folder: Path,
    rows: list[dict[str, str | None]] | None = None,
    *,
    progress: Progress | None = None,
    keep_rows: bool = True,
) -> VerifyReport:
    """A one-shot verify by `analyst` of `rows` (three plain requests by default)."""
    requests = write_csv(folder / "batch.csv", rows if rows is not None else request_rows(3))
    envelope = write_envelope(folder / "envelope.json")
    return services.trial.verify(
        read_upload(requests),
        read_upload(envelope),
        agreement=services.agreement(None),
        actor="analyst",
        master=MasterFiles(folder / "taxpayers.csv", folder / "addresses.csv"),
        progress=progress,
        keep_rows=keep_rows,
    )


def trial(services: Services, folder: Path) -> tuple[int, list[str]]:
    report = verified(services, folder)
    rows = report.response.decode("utf-8").splitlines()
    return len(rows) - 1, [row.outcome.value for row in report.outcome.rows]


def test_row01_verify_leaves_its_every_step_in_the_workspace_chain(
    services: Services, engine: FakeEngine, tmp_path: Path
) -> None:
    """Issue row 1: a trial `verify` is no disclosure path outside the chain."""
    answered, outcomes = trial(services, tmp_path)

    assert (answered, outcomes) == (3, ["NO_MATCH"] * 3)
    assert engine.calls == ["load", "train", "match"]
    stamp = "2025-08-04T09:30:00.000000Z"
    trail = audit_trail(tmp_path)
    assert {at for _, _, at in trail} == {stamp}
    assert {actor for _, actor, _ in trail} == {"analyst"}
    assert [action for action, _, _ in trail] == [
        "user_roles_changed",  # the trial's operator, marked trial
        "agreement_registered",  # the agreement the batch came under
        "master_loaded",
        "model_trained",
        "batch_received",
        *["decision_made"] * 3,
        "batch_approved",
        "batch_released",
    ]
    assert query(tmp_path, "SELECT trial, state, released_by FROM batches") == [
        (1, "released", "analyst")
    ]
    (released,) = query(
        tmp_path, "SELECT payload FROM audit_events WHERE action = 'batch_released'"
    )
    payload = json.loads(str(released[0]))
    (stored,) = query(tmp_path, "SELECT content FROM responses")
    assert payload["trial"] is True
    assert payload["response_sha256"] == hashlib.sha256(bytes(stored[0])).hexdigest()


def test_verify_again_loads_trains_and_matches_nothing(
    services: Services, engine: FakeEngine, tmp_path: Path
) -> None:
    first = trial(services, tmp_path)
    assert trial(services, tmp_path) == first  # the stored trial, as it was decided
    assert engine.calls == ["load", "train", "match"]
    assert query(tmp_path, "SELECT count(*) FROM batches") == [(1,)]


def test_an_invalid_envelope_never_touches_the_engine(
    services: Services, engine: FakeEngine, tmp_path: Path
) -> None:
    requests = write_csv(tmp_path / "batch.csv", request_rows(2))
    envelope = write_envelope(tmp_path / "envelope.json", certified=False)
    report = services.trial.verify(
        read_upload(requests),
        read_upload(envelope),
        agreement=services.agreement(None),
        actor="analyst",
        master=MasterFiles(tmp_path / "taxpayers.csv", tmp_path / "addresses.csv"),
    )
    assert [row.codes for row in report.outcome.rows] == [(ReasonCode.ENVELOPE_INVALID,)] * 2
    assert engine.calls == []
    actions = [action for action, _, _ in audit_trail(tmp_path)]
    assert "master_loaded" not in actions and "model_trained" not in actions
    assert actions.count("decision_recorded") == 2  # the rejected rows are in the chain too


def test_req03_a_future_dated_envelope_never_touches_the_engine(
    services: Services, engine: FakeEngine, tmp_path: Path
) -> None:
    """REQ-03: submitted_at later than the custodian's clock is R08, before any load."""
    requests = write_csv(tmp_path / "batch.csv", request_rows(2))
    envelope = write_envelope(tmp_path / "envelope.json", submitted_at="2025-08-05T09:30:00Z")
    report = services.trial.verify(
        read_upload(requests),
        read_upload(envelope),
        agreement=services.agreement(None),
        actor="analyst",
        master=MasterFiles(tmp_path / "taxpayers.csv", tmp_path / "addresses.csv"),
    )
    assert [row.codes for row in report.outcome.rows] == [(ReasonCode.ENVELOPE_INVALID,)] * 2
    assert engine.calls == []


def test_the_store_is_migrated_once_when_the_services_are_built(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_more_migrations(*args: object, **kwargs: object) -> None:
        raise AssertionError("a use case ran the migrations again")

    monkeypatch.setattr(database.command, "upgrade", no_more_migrations)
    services.users.add("admin", [Role.ADMIN], actor=None)
    assert [u.name for u in services.users.list()] == ["admin"]
    assert services.batches.list() == []
    assert services.audit.verify(actor="admin").first_break is None


def test_every_stamp_comes_from_the_clock_it_was_built_with(
    services: Services, tmp_path: Path
) -> None:
    services.users.add("admin", [Role.ADMIN], actor=None)
    assert audit_trail(tmp_path) == [("user_roles_changed", "admin", "2025-08-04T09:30:00.000000Z")]


def test_the_exported_chain_is_streamed_line_by_line(services: Services) -> None:
    services.users.add("admin", [Role.ADMIN], actor=None)
    services.users.add("aud", [Role.AUDITOR], actor="admin")
    export = services.audit.export(actor="aud")
    lines = [json.loads(chunk) for chunk in export]
    assert [line.get("action") for line in lines[:-1]] == [
        "user_roles_changed",
        "user_roles_changed",
        "audit_exported",
    ]
    assert export.events == 3
    assert lines[-1]["chain_head"]["seq"] == 3


@dataclass
class RecordedProgress:
    """A `Progress` that keeps each task's description, total and how far it got."""

    tasks: list[list[object]] = field(default_factory=list)

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[RecordedProgress]:
        self.tasks.append([description, total, 0])
        yield self

    def advance(self, amount: int = 1) -> None:
        self.tasks[-1][2] = int(str(self.tasks[-1][2])) + amount


def test_verify_shows_how_far_every_stage_of_the_batch_got(
    services: Services, tmp_path: Path
) -> None:
    """A national batch spends minutes storing and validating: no stage runs unseen."""
    progress = RecordedProgress()
    verified(services, tmp_path, progress=progress)
    assert progress.tasks == [
        ["Storing the batch", 3, 3],
        ["Validating the requests", 3, 3],
        ["Matching and deciding", 3, 3],
        ["Releasing the response", 1, 1],
    ]


def test_a_batch_is_validated_once_and_matched_on_the_codes_stored(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    validate = process.validate_requests

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return validate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "validate_requests", counted)
    monkeypatch.setattr(pipeline, "validate_requests", counted)
    assert trial(services, tmp_path) == (3, ["NO_MATCH"] * 3)
    assert len(calls) == 1


def test_a_verify_that_keeps_no_rows_reports_the_same_counts_from_the_store(
    services: Services, tmp_path: Path
) -> None:
    """The CLI's `verify` keeps no rows: memory stays flat in the size of the batch."""
    rows = request_rows(4)
    rows[1]["statute"] = "26 U.S.C. 7201"  # R03: a tax statute
    report = verified(services, tmp_path, rows, keep_rows=False)
    assert report.outcome.rows == []
    assert report.outcome_counts == {"NO_MATCH": 3, "REJECTED": 1}
    assert report.reason_code_counts == {"R03": 1}
    assert len(report.response.decode().splitlines()) == 5
