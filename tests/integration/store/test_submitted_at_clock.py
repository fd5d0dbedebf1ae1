"""An envelope dated after the batch arrived is R08: "now" is the store's injectable clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from factories import reference_agreement, request_rows, write_csv, write_envelope
from matchgate.domain.lifecycle import Role
from matchgate.files import read_upload
from matchgate.pipeline import Matcher
from matchgate.store.tables import Decision
from matchgate.workflow.process import process_batch
from matchgate.workflow.store import Store, add_user
from matchgate.workflow.submit import submit_batch


def _never_matched() -> Matcher:
    raise AssertionError("an R08 batch is never matched")


def test_item5_an_envelope_submitted_in_the_future_is_r08_by_the_stores_clock(
    store: Store, tmp_path: Path
) -> None:
    # The requester dates the batch an hour after the custodian's clock says it arrived.
    arrived = datetime(2025, 8, 1, 11, 0, tzinfo=UTC)
    fixed = replace(store, clock=lambda: arrived)
    add_user(fixed, "op", [Role.OPERATOR], actor=None)
    requests = write_csv(tmp_path / "requests.csv", request_rows(3))
    envelope = write_envelope(tmp_path / "envelope.json", submitted_at="2025-08-01T12:00:00Z")
    batch_id, _ = submit_batch(
        fixed, read_upload(requests), read_upload(envelope), reference_agreement(), actor="op"
    )
    process_batch(fixed, batch_id, _never_matched)
    with store.sessions() as session:
        codes = [d.reason_codes for d in session.scalars(select(Decision))]
    assert codes == ["R08"] * 3
