"""The whole verify path on synthetic data: the law first, then accuracy."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pytest

from factories import envelope_check, reference_agreement, request_row, requests_table
from matchgate.bootstrap import build_services
from matchgate.config import Settings
from matchgate.decide.evidence import RequestFacts
from matchgate.decide.policy import Candidate
from matchgate.disclose.minimise import RESPONSE_COLUMNS, LastKnownAddress
from matchgate.domain.lifecycle import Role
from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import ReasonCode
from matchgate.files import read_upload
from matchgate.intake.envelope import check_envelope, read_envelope
from matchgate.intake.readers import read_requests
from matchgate.match import matcher as matcher_module
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.match.engine import MasterConnection, train_model
from matchgate.match.matcher import SplinkMatcher
from matchgate.match.model import current_model
from matchgate.pipeline import verify_batch
from matchgate.reports.accuracy import score_batch
from matchgate.workflow.process import process_batch
from matchgate.workflow.review import list_review_items
from matchgate.workflow.store import add_user, open_store
from matchgate.workflow.submit import submit_batch
from matchgate.workspace import Workspace

from .conftest import World


def response_rows(response: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.decode("utf-8"), newline="")))


class Untouchable:
    """A matcher that fails the test if the pipeline reads the master file."""

    vintage_id = "V-none"
    model_version = "M-none"

    def candidates(
        self, requests: Mapping[str, RequestFacts], table: pa.Table
    ) -> dict[str, list[Candidate]]:
        raise AssertionError("the master file was read")

    def last_known_addresses(self, tins: Sequence[str]) -> dict[str, LastKnownAddress]:
        raise AssertionError("the master file was read")


def test_req01_an_invalid_envelope_rejects_every_row_without_reading_the_master() -> None:
    table = requests_table([request_row(), request_row(request_id="REQ-2", street="PO BOX 1")])
    outcome = verify_batch(
        table,
        envelope_check(certified=False),
        "B-1",
        reference_agreement(),
        Untouchable(),
    )
    assert [row.codes for row in outcome.rows] == [(ReasonCode.ENVELOPE_INVALID,)] * 2
    assert outcome.requests_matched == 0


def test_req15_master_lookups_equal_the_rows_not_rejected(world: World) -> None:
    model = current_model(world.workspace)
    assert model is not None
    master = MasterConnection(world.workspace.master_db)
    try:
        matcher = SplinkMatcher(master, model)
        table = read_requests(world.files["requests"])
        check = check_envelope(read_envelope(world.files["envelope"]), reference_agreement())
        outcome = verify_batch(table, check, "B", reference_agreement(), matcher)
    finally:
        master.close()
    not_rejected = sum(1 for row in outcome.rows if row.outcome is not Outcome.REJECTED)
    assert matcher.requests_scored == not_rejected == outcome.requests_matched


def test_a_batch_decided_in_chunks_is_decided_as_it_is_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = current_model(world.workspace)
    assert model is not None
    monkeypatch.setattr(matcher_module, "PAIRS_PER_SLICE", 5)  # slices within a chunk too
    master = MasterConnection(world.workspace.master_db)
    try:
        matcher = SplinkMatcher(master, model)
        table = read_requests(world.files["requests"])
        check = check_envelope(read_envelope(world.files["envelope"]), reference_agreement())
        whole = verify_batch(table, check, "B", reference_agreement(), matcher)
        chunked = verify_batch(table, check, "B", reference_agreement(), matcher, chunk_rows=37)
    finally:
        master.close()
    assert len(chunked.rows) == table.num_rows
    assert [(r.response, r.inputs) for r in chunked.rows] == [
        (r.response, r.inputs) for r in whole.rows
    ]


def test_req29_one_response_row_per_request_in_batch_order(world: World) -> None:
    rows = response_rows(world.response)
    with world.files["requests"].open(encoding="utf-8", newline="") as handle:
        requests = list(csv.DictReader(handle))
    assert [r["request_id"] for r in rows] == [r["request_id"] for r in requests]


def test_req26_the_response_holds_only_contract_columns_and_no_taxpayer_facts(
    world: World,
) -> None:
    text = world.response.decode("utf-8")
    assert tuple(text.splitlines()[0].split(",")) == RESPONSE_COLUMNS
    with world.files["taxpayers"].open(encoding="utf-8", newline="") as handle:
        taxpayers = list(csv.DictReader(handle))
    for taxpayer in taxpayers:
        assert taxpayer["tin"] not in text
        assert not taxpayer["dob"] or taxpayer["dob"] not in text


def test_req27_every_no_match_row_looks_the_same(world: World) -> None:
    no_match = [r for r in response_rows(world.response) if r["outcome"] == "NO_MATCH"]
    assert no_match
    for row in no_match:
        assert {k: v for k, v in row.items() if k not in ("request_id", "decision_id")} == {
            "batch_id": row["batch_id"],
            "outcome": "NO_MATCH",
            "reason_codes": "",
            "address_match": "",
            "lka_street": "",
            "lka_city": "",
            "lka_state": "",
            "lka_zip": "",
        }


def _last_known_addresses(path: Path) -> dict[str, dict[str, str]]:
    """FORMATS.md §1, written out independently of matchgate's SQL."""
    best: dict[str, tuple[tuple[int, int, int], dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for position, row in enumerate(csv.DictReader(handle)):
            if row["source"] not in ("RETURN", "CHANGE_OF_ADDRESS"):
                continue
            rank = (int(row["tax_year"]), row["source"] == "CHANGE_OF_ADDRESS", position)
            if row["tin"] not in best or rank > best[row["tin"]][0]:
                best[row["tin"]] = (rank, row)  # type: ignore[assignment]
    return {tin: row for tin, (_, row) in best.items()}


def test_req28_verified_rows_disclose_the_last_known_address_by_the_source_rules(
    world: World,
) -> None:
    lka = _last_known_addresses(world.files["addresses"])
    verified = [row for row in world.report.outcome.rows if row.outcome is Outcome.VERIFIED]
    assert verified
    for row in verified:
        assert row.decision is not None and row.decision.tin is not None
        expected = lka.get(row.decision.tin)
        response = row.response
        if expected is None:  # no RETURN/COA row: verified, but nothing to disclose
            assert response.lka_street == response.lka_zip == ""
        else:
            assert (response.lka_street, response.lka_zip) == (
                expected["street"].strip(),
                expected["zip"].strip(),
            )


def test_req24_the_same_inputs_give_a_byte_identical_response(world: World, tmp_path: Path) -> None:
    again = world.verify(workspace=type(world.workspace)(tmp_path / "ws"))
    assert again.response == world.response


def test_accuracy_on_the_synthetic_batch(world: World) -> None:
    accuracy = score_batch(world.report.outcome.rows, world.truth)
    assert accuracy.compliance_violations == 0
    assert accuracy.wrongful_disclosures == 0
    assert accuracy.reason_code_mismatches == 0
    assert accuracy.recall >= 0.95
    assert accuracy.review_rate <= 0.05


def test_req25_false_positive_rates_are_reported_per_name_group(world: World) -> None:
    accuracy = score_batch(world.report.outcome.rows, world.truth)
    assert {"HISPANIC", "CHINESE", "SOUTH_ASIAN"} <= set(accuracy.by_group)
    assert accuracy.groups_over_false_positive_rate(0.0) == []


def test_the_review_queue_shows_each_candidates_record_as_filed(
    world: World, tmp_path: Path
) -> None:
    store = open_store(Workspace(tmp_path))
    try:
        add_user(store, "admin", [Role.ADMIN], actor=None)
        add_user(store, "op", [Role.OPERATOR], actor="admin")
        add_user(store, "off", [Role.OFFICER], actor="admin")
        batch_id, _ = submit_batch(
            store,
            read_upload(world.files["requests"]),
            read_upload(world.files["envelope"]),
            reference_agreement(),
            actor="op",
        )
        engine = DuckDBEngine(world.workspace)
        with engine.matcher() as factory:
            process_batch(store, batch_id, factory)
        items = list_review_items(store, actor="off", records=engine.taxpayer_records)
    finally:
        store.close()
    assert items
    for item in items:
        shown = [r.tin for r in item.candidate_records]
        assert shown == [c.tin for c in item.evidence.candidates]
        assert all(r.last_name and r.addresses for r in item.candidate_records)


def test_row01_every_address_a_trial_writes_is_in_the_chain_and_the_accounting(
    world: World, tmp_path: Path
) -> None:
    """Issue row 1: `verify` is no disclosure path outside the chain and the accounting."""
    home = tmp_path / "workspace"
    shutil.copytree(world.workspace.home, home)
    disclosed = {
        row["decision_id"]
        for row in csv.DictReader(io.StringIO(world.response.decode("utf-8")))
        if row["lka_street"]
    }
    assert disclosed, "the synthetic batch should disclose some addresses"
    settings = Settings(home=home, database_url=None, user=None)
    with build_services(settings) as services:
        services.users.add("aud-admin", [Role.ADMIN], actor=None)
        found = services.audit.accounting(actor="aud-admin").disclosures
        report = services.audit.verify(actor="aud-admin")
        export = b"".join(services.audit.export(actor="aud-admin"))
    assert disclosed <= {d.decision_id for d in found}
    assert {d.kind for d in found} == {"trial"}
    assert report.first_break is None and report.tampered_record is None
    events = [json.loads(line) for line in export.decode("utf-8").splitlines()[:-1]]
    (released,) = [e for e in events if e["action"] == "batch_released"]
    assert released["payload"]["response_sha256"] == hashlib.sha256(world.response).hexdigest()
    assert released["payload"]["trial"] is True
    in_chain = {e["decision_id"] for e in events if e["action"] == "decision_made"}
    assert disclosed <= in_chain


def test_training_on_a_bounded_sample_gives_the_same_model_every_time(world: World) -> None:
    master = MasterConnection(world.workspace.master_db)
    try:
        first = train_model(master, seed=7, taxpayers=800, max_pairs=50_000)
        again = train_model(master, seed=7, taxpayers=800, max_pairs=50_000)
        [(sampled,)] = master.con.execute(
            "SELECT count(DISTINCT tin) FROM training_rows"
        ).fetchall()
    finally:
        master.close()
    assert first.version == again.version
    # The sample (its taxpayers with an address on file), not the 2,500 of the master file.
    assert 700 < sampled <= 800
