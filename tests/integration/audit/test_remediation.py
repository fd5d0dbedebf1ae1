"""REQ-36 and the 2025 failure: replaying a lax agreement's disclosures under the lawful one.

A deliberately lax agreement ``lax-2025`` (a ZIP code alone counts as an
address; the address given need not be on file) lets a batch disclose the
last known address of taxpayers named with only a ZIP and a TIN. Remediation
under the reference agreement must flag exactly those disclosures (R02:
rejected; not an address on file), never the ones made on a full street
address on file, and write the disposal notice for the requesting agency.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from factories import reference_agreement
from matchgate.agreements.loader import builtin_agreement, load_agreement
from matchgate.agreements.schema import Agreement
from matchgate.audit.remediation import NOTICE_COLUMNS, Finding
from matchgate.files import write_atomically
from matchgate.store.tables import Decision
from matchgate.workflow.auditing import account, remediate
from matchgate.workflow.store import PermissionDenied, Store

from .flow import (
    AUDITOR,
    OPERATOR,
    Person,
    Req,
    add_people,
    asking_for,
    candidate,
    cli,
    cli_target,
    first_break,
    held,
    nobody,
    person,
    run_batch,
    stored_events,
)

BATCH = "LAX-2025-0001"
ZIP_ONLY = (0, 2, 4)  # rows naming only a ZIP (and a TIN)
FULL = (1, 3, 5)  # rows naming a full street address on file
LKA_FIELDS = "lka_street;lka_city;lka_state;lka_zip"


def write_lax_agreement(path: Path) -> Path:
    """reference-6103i2 as the 2025 exchange read it: the ZIP-code proxy."""
    found = builtin_agreement("reference-6103i2")
    assert found is not None
    document = found.document()
    document["id"] = "lax-2025"
    document["title"] = "The 2025 rules (ZIP-code proxy), for remediation"
    document["accept_zip_only_address"] = True
    document["match"]["require_address_on_file"] = False
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def zip_only(who: Person, n: int, **fields: str | None) -> Req:
    """Name, TIN and a ZIP; no street. The taxpayer is found by the TIN, not at an address."""
    row = asking_for(who, n, street="", city="", state="", zip="78701", tin=who.tin, **fields)
    return Req(row, [candidate(who, on_file=False, lka=False)], {who.tin: who.lka})


def full_address(who: Person, n: int, **fields: str | None) -> Req:
    row = asking_for(who, n, tin=who.tin, **fields)
    return Req(row, [candidate(who)], {who.tin: who.lka})


def lax_requests(**zip_only_fields: str | None) -> list[Req]:
    reqs = []
    for n in range(6):
        make = zip_only if n in ZIP_ONLY else full_address
        reqs.append(make(person(n), n + 1, **(zip_only_fields if n in ZIP_ONLY else {})))
    reqs.append(nobody(person(6), 7))  # NO_MATCH: nothing disclosed, nothing to remediate
    return reqs


@pytest.fixture
def lax(tmp_path: Path) -> Agreement:
    agreement = load_agreement(write_lax_agreement(tmp_path / "lax-2025.yaml"))
    assert (agreement.id, agreement.accept_zip_only_address) == ("lax-2025", True)
    assert agreement.match.require_address_on_file is False
    return agreement


def released_under_lax(store: Store, folder: Path, lax: Agreement, **fields: str | None) -> None:
    add_people(store)
    run_batch(store, folder, BATCH, lax_requests(**fields), agreement=lax, agreement_id=lax.id)


def remediated(store: Store, corrected: Agreement, notice: Path) -> tuple[Finding, ...]:
    """Remediate as an auditor and write the disposal notice, as the command does."""
    result = remediate(store, corrected, actor=AUDITOR)
    write_atomically(notice, result.csv(), what="disposal notice")
    return result.findings


def read_notice(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_bytes().decode("utf-8")  # UTF-8, or this raises
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return header, [dict(zip(header, r, strict=True)) for r in rows]


def test_the_lax_agreement_disclosed_on_a_zip_code_alone(
    store: Store, tmp_path: Path, lax: Agreement
) -> None:
    released_under_lax(store, tmp_path / "batch", lax)

    found = account(store, actor=AUDITOR)

    assert [(d.request_id, d.tin, d.agreement_id) for d in found] == [
        (f"REQ-{n + 1:06d}", person(n).tin, "lax-2025") for n in range(6)
    ]
    assert {d.fields_disclosed for d in found} == {LKA_FIELDS}


def test_req36_remediation_flags_exactly_the_zip_only_disclosures(
    store: Store, tmp_path: Path, lax: Agreement
) -> None:
    released_under_lax(store, tmp_path / "batch", lax)
    decision_of = {d.request_id: d.decision_id for d in account(store, actor=AUDITOR)}
    before = len(stored_events(store))
    notice = tmp_path / "notice" / "disposal-notice.csv"
    notice.parent.mkdir()

    findings = remediated(store, reference_agreement(), notice)

    flagged = [f"REQ-{n + 1:06d}" for n in ZIP_ONLY]
    assert [f.request_id for f in findings] == flagged
    for f in findings:
        assert f.batch_id == BATCH
        assert f.decision_id == decision_of[f.request_id]
        assert f.case_number == f"CASE-2025-{int(f.request_id[-4:]):04d}"
        assert f.disclosed_fields == LKA_FIELDS
        reasons = "; ".join(f.reasons)
        assert "REJECTED (R02)" in reasons
        assert "not an address on file" in reasons

    header, rows = read_notice(notice)
    assert tuple(header) == NOTICE_COLUMNS == (
        "request_id", "batch_id", "case_number", "disclosed_fields", "reason",
    )  # fmt: skip
    assert [r["request_id"] for r in rows] == flagged
    assert {r["batch_id"] for r in rows} == {BATCH}
    assert [r["case_number"] for r in rows] == [f.case_number for f in findings]
    assert {r["disclosed_fields"] for r in rows} == {LKA_FIELDS}
    assert all("R02" in r["reason"] and "rejected" in r["reason"].lower() for r in rows)
    # The notice goes to the requesting agency: it names no taxpayer.
    text = notice.read_text(encoding="utf-8")
    for n in range(7):
        assert person(n).tin not in text
        assert person(n).last not in text
        assert person(n).street not in text
    assert notice.read_bytes().endswith(b"\r\n")
    assert not list(notice.parent.glob(".*partial"))

    after = stored_events(store)[before:]
    assert [(e.action, e.actor) for e in after] == [("remediation_run", AUDITOR)]
    assert after[0].payload == {
        "agreement_id": "reference-6103i2",
        "agreement_hash": reference_agreement().content_hash,
        "findings": [decision_of[r] for r in flagged],
    }
    assert first_break(store) is None


def test_the_lax_rules_themselves_find_nothing_to_remediate(
    store: Store, tmp_path: Path, lax: Agreement
) -> None:
    released_under_lax(store, tmp_path / "batch", lax)
    notice = tmp_path / "notice.csv"

    assert remediated(store, lax, notice) == ()
    assert read_notice(notice) == (list(NOTICE_COLUMNS), [])


def test_remediation_is_for_auditors_and_writes_nothing_when_refused(
    store: Store, tmp_path: Path, lax: Agreement
) -> None:
    released_under_lax(store, tmp_path / "batch", lax)

    with pytest.raises(PermissionDenied):
        remediate(store, reference_agreement(), actor=OPERATOR)
    assert "remediation_run" not in {e.action for e in stored_events(store)}
    assert stored_events(store)[-1].action == "access_denied"


def test_the_remediate_command(store: Store, tmp_path: Path, lax: Agreement) -> None:
    released_under_lax(store, tmp_path / "batch", lax)
    where, env = cli_target(store, tmp_path / "cli-workspace")
    notice = tmp_path / "cli-notice.csv"

    result = cli(
        "remediate", "--agreement", "reference-6103i2", "--notice", notice,
        "--as", AUDITOR, *where, env=env,
    )  # fmt: skip

    assert result.code == 0, result
    assert "3 disclosure(s) that would not be made now" in result.out
    _, rows = read_notice(notice)
    assert [r["request_id"] for r in rows] == [f"REQ-{n + 1:06d}" for n in ZIP_ONLY]

    refused_notice = tmp_path / "refused-notice.csv"
    refused = cli(
        "remediate", "--agreement", "reference-6103i2", "--notice", refused_notice,
        "--as", OPERATOR, *where, env=env,
    )  # fmt: skip
    assert refused.code == 4, refused
    assert not refused_notice.exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_the_disposal_notice_is_protected_against_formula_injection(
    store: Store, tmp_path: Path, lax: Agreement
) -> None:
    """Regression: the notice used to carry requester cells unneutralised."""
    released_under_lax(store, tmp_path / "batch", lax, case_number='=HYPERLINK("http://x.test")')
    notice = tmp_path / "notice.csv"

    remediated(store, reference_agreement(), notice)

    _, rows = read_notice(notice)
    assert len(rows) == 3
    assert not any(r["case_number"].startswith("=") for r in rows)


def test_replaying_the_same_agreement_flags_nothing_an_officer_confirmed(
    store: Store, tmp_path: Path
) -> None:
    add_people(store)
    run_batch(
        store, tmp_path / "batch", "HELD-2025-0001",
        [held(person(0), 1), full_address(person(1), 2)],
    )  # fmt: skip
    assert len(account(store, actor=AUDITOR)) == 2

    assert remediate(store, reference_agreement(), actor=AUDITOR).findings == ()


def test_decisions_recorded_without_the_policy_inputs_are_still_remediated(
    store: Store, tmp_path: Path, lax: Agreement
) -> None:
    """Rows written before the evidence carried the policy's inputs: judged on their assessment."""
    released_under_lax(store, tmp_path / "batch", lax)
    with store.sessions() as session, session.begin():
        for decision in session.scalars(select(Decision)):
            evidence = json.loads(decision.evidence)
            evidence.pop("inputs", None)
            decision.evidence = json.dumps(evidence, sort_keys=True)

    findings = remediate(store, reference_agreement(), actor=AUDITOR).findings

    assert [f.request_id for f in findings] == [f"REQ-{n + 1:06d}" for n in ZIP_ONLY]
    assert all("not an address on file" in "; ".join(f.reasons) for f in findings)
