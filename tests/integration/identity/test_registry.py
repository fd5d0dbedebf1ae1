"""The agreement registry: registered by admins, versioned by content hash (REQ-01, REQ-02)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from factories import agreement, reference_agreement
from integration.audit.flow import (
    ADMIN,
    OPERATOR,
    STANDARD_BATCH,
    add_people,
    cli,
    cli_ok,
    cli_target,
    standard_requests,
    stored_events,
    write_batch,
)
from matchgate.domain.reasons import ReasonCode
from matchgate.workflow.registry import (
    AgreementConflict,
    add_agreement,
    agreement_for_batch,
    list_agreements,
    suspend_agreement,
)
from matchgate.workflow.store import PermissionDenied, Store

LAX = {"two_person_release": False, "review_required": False}


def write_agreement(path: Path, **overrides: object) -> Path:
    path.write_text(yaml.safe_dump(agreement(**overrides).document()), encoding="utf-8")
    return path


def test_row03_a_lax_agreement_reusing_the_reference_id_is_refused(
    store: Store, tmp_path: Path
) -> None:
    """Issue row 3: `batch submit B --envelope E --agreement lax.yaml` (same id, other rules)."""
    add_people(store)
    files = write_batch(tmp_path, STANDARD_BATCH, standard_requests())
    lax = write_agreement(tmp_path / "lax.yaml", **LAX)
    where, env = cli_target(store, tmp_path / "cli")
    result = cli(
        "batch", "submit", files.requests, "--envelope", files.envelope,
        "--agreement", lax, "--as", OPERATOR, *where, env=env,
    )  # fmt: skip
    assert result.code == 5, result
    assert "reference-6103i2 is already registered" in result.err
    assert "batch_received" not in [e.action for e in stored_events(store)]
    with pytest.raises(AgreementConflict):
        agreement_for_batch(store, "reference-6103i2", actor=OPERATOR, given=agreement(**LAX))
    # Nothing was registered; a batch naming the id comes under the built-in rules,
    # whose registration is in the chain.
    assert list_agreements(store) == []
    terms = agreement_for_batch(store, "reference-6103i2", actor=OPERATOR)
    assert terms.content_hash == reference_agreement().content_hash
    (registered,) = [e for e in stored_events(store) if e.action == "agreement_registered"]
    assert registered.payload["content_hash"] == reference_agreement().content_hash
    assert registered.payload["two_person_release"] is True
    with pytest.raises(AgreementConflict):
        agreement_for_batch(store, "reference-6103i2", actor=OPERATOR, given=agreement(**LAX))


def test_admins_register_versions_and_every_change_is_audited(store: Store, tmp_path: Path) -> None:
    add_people(store)
    other = agreement(id="other-6103i2", signatory_titles=["Secretary"])
    with pytest.raises(PermissionDenied):
        add_agreement(store, other, actor=OPERATOR)
    first = add_agreement(store, other, actor=ADMIN)
    again = add_agreement(store, other, actor=ADMIN)  # the same content: no change
    assert (again.version, again.content_hash) == (first.version, first.content_hash)
    with pytest.raises(AgreementConflict):
        add_agreement(
            store, agreement(id="other-6103i2", signatory_titles=["Director"]), actor=ADMIN
        )
    second = add_agreement(
        store, agreement(id="other-6103i2", version=2, signatory_titles=["Director"]), actor=ADMIN
    )
    assert (second.version, second.content_hash != first.content_hash) == (2, True)
    changes = [e.payload for e in stored_events(store) if e.action == "agreement_registered"]
    assert [(c["version"], c["signatory_titles"], c["previous_hash"]) for c in changes] == [
        (1, ["Secretary"], None),
        (2, ["Director"], first.content_hash),
    ]
    # A batch naming the id comes under its current version.
    assert agreement_for_batch(store, "other-6103i2", actor=OPERATOR).content_hash == (
        second.content_hash
    )


def test_req01_a_suspended_agreement_makes_every_row_r08(store: Store, tmp_path: Path) -> None:
    from integration.audit.flow import matcher_for
    from matchgate.workflow.process import process_batch
    from matchgate.workflow.submit import submit_batch

    add_people(store)
    agreement_for_batch(store, "reference-6103i2", actor=OPERATOR)
    with pytest.raises(PermissionDenied):
        suspend_agreement(store, "reference-6103i2", actor=OPERATOR)
    suspend_agreement(store, "reference-6103i2", actor=ADMIN)
    assert stored_events(store)[-1].action == "agreement_suspended"
    files = write_batch(tmp_path, STANDARD_BATCH, standard_requests())
    terms = agreement_for_batch(store, "reference-6103i2", actor=OPERATOR)
    assert terms.suspended
    batch_id, _ = submit_batch(store, *files.uploads, terms, actor=OPERATOR)
    summary, _ = process_batch(store, batch_id, lambda: matcher_for(standard_requests()))
    assert summary.reason_codes == {ReasonCode.ENVELOPE_INVALID.value: 30}


def test_cli_agreement_add_list_show_suspend(store: Store, tmp_path: Path) -> None:
    add_people(store)
    where, env = cli_target(store, tmp_path / "cli")
    path = write_agreement(tmp_path / "other.yaml", id="other-6103i2")
    denied = cli("agreement", "add", path, "--as", OPERATOR, *where, env=env)
    assert denied.code == 4, denied
    cli_ok("agreement", "add", path, "--as", ADMIN, *where, env=env)
    listed = cli_ok("agreement", "list", "--json", *where, env=env)
    assert '"agreement_id": "other-6103i2"' in listed.out
    shown = cli_ok("agreement", "show", "other-6103i2", *where, env=env)
    assert "version 1 (active)" in shown.out
    cli_ok("agreement", "suspend", "other-6103i2", "--as", ADMIN, *where, env=env)
    again = cli("agreement", "suspend", "other-6103i2", "--as", ADMIN, *where, env=env)
    assert again.code == 5, again
    missing = cli("agreement", "show", "nope", *where, env=env)
    assert missing.code == 2, missing
