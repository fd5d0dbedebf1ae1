"""Responses carry only the contract's columns, and nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest

from factories import envelope_check, reference_agreement, request_row, requests_table
from matchgate.disclose.minimise import RESPONSE_COLUMNS, LastKnownAddress, response_row
from matchgate.disclose.response import neutralise_formula, response_csv
from matchgate.domain.outcomes import AddressMatch, Outcome
from matchgate.domain.reasons import ReasonCode
from matchgate.pipeline import verify_batch

LKA = LastKnownAddress(street="1234 N MAIN ST APT 5", city="AUSTIN", state="TX", zip="78701")
ALL_FIELDS = ("lka_street", "lka_city", "lka_state", "lka_zip")


def row(outcome: Outcome, **kwargs: object) -> dict[str, str]:
    built = response_row(
        request_id="REQ-1",
        batch_id="B-1",
        decision_id="D-1",
        outcome=outcome,
        **kwargs,  # type: ignore[arg-type]
    )
    return dict(zip(RESPONSE_COLUMNS, built.values(), strict=True))


def test_req28_verified_discloses_the_lka_the_agreement_allows() -> None:
    verified = row(
        Outcome.VERIFIED, address_match=AddressMatch.CURRENT, lka=LKA, disclose=ALL_FIELDS
    )
    assert verified["address_match"] == "CURRENT"
    assert (verified["lka_street"], verified["lka_zip"]) == ("1234 N MAIN ST APT 5", "78701")


def test_req28_an_agreement_that_discloses_nothing_only_confirms() -> None:
    verified = row(Outcome.VERIFIED, address_match=AddressMatch.PRIOR, lka=LKA, disclose=())
    assert verified["address_match"] == "PRIOR"
    assert all(verified[f] == "" for f in ALL_FIELDS)


@pytest.mark.parametrize("outcome", [Outcome.NO_MATCH, Outcome.PENDING_REVIEW])
def test_req27_nothing_is_disclosed_unless_verified(outcome: Outcome) -> None:
    held = row(outcome, address_match=AddressMatch.CURRENT, lka=LKA, disclose=ALL_FIELDS)
    assert all(held[f] == "" for f in (*ALL_FIELDS, "address_match", "reason_codes"))


def test_req14_rejected_rows_carry_their_codes_unique_and_ascending() -> None:
    codes = [ReasonCode.MALFORMED_FIELD, ReasonCode.NAME_MISSING, ReasonCode.MALFORMED_FIELD]
    rejected = row(Outcome.REJECTED, reason_codes=codes, lka=LKA, disclose=ALL_FIELDS)
    assert rejected["reason_codes"] == "R01;R07"
    assert rejected["lka_street"] == ""


def test_req26_the_response_has_exactly_the_contract_columns() -> None:
    data = response_csv(
        [response_row(request_id="R", batch_id="B", decision_id="D", outcome=Outcome.NO_MATCH)]
    )
    header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert tuple(header) == RESPONSE_COLUMNS


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tX"])
def test_cells_that_a_spreadsheet_would_execute_are_neutralised(value: str) -> None:
    assert neutralise_formula(value) == "'" + value


def test_ordinary_cells_are_left_alone() -> None:
    assert neutralise_formula("REQ-000001") == "REQ-000001"


def test_item5_a_request_id_is_echoed_exactly_as_received_protection_only_prefixes() -> None:
    """Surrounding spaces kept; a formula trigger gets a leading quote, nothing is removed."""
    received = [" REQ-1 ", '=HYPERLINK("x")', "-5", "+1", "@SUM(A1)", "\tREQ", "REQ;2", "é-1"]
    rows = [request_row(request_id=r) for r in received]
    outcome = verify_batch(
        requests_table(rows), envelope_check(certified=False), "B-1", reference_agreement(), None
    )
    parsed = list(
        csv.DictReader(io.StringIO(response_csv([d.response for d in outcome.rows]).decode()))
    )
    echoed = [line["request_id"] for line in parsed]
    assert echoed == [
        " REQ-1 ",
        '\'=HYPERLINK("x")',
        "'-5",
        "'+1",
        "'@SUM(A1)",
        "'\tREQ",
        "REQ;2",
        "é-1",
    ]
    for sent, back in zip(received, echoed, strict=True):
        assert back in (sent, "'" + sent)
