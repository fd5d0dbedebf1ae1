"""Row validation against FORMATS.md §2-§4 (DOMAIN.md REQ-01..REQ-14).

Every test reads as "this request gets these codes". The default row from
tests.factories is valid under reference-6103i2 with an envelope submitted on
2025-08-01, so each case spells out only what is wrong with it.
"""

from __future__ import annotations

from typing import Any

import pytest

from factories import (
    agreement,
    envelope_check,
    reference_agreement,
    request_row,
    request_rows,
    requests_table,
)
from matchgate.agreements.schema import Agreement
from matchgate.domain.reasons import ReasonCode, join_codes, split_codes
from matchgate.intake.envelope import EnvelopeCheck
from matchgate.intake.validate import (
    boilerplate_reason_rows,
    malformed_fields,
    parse_tax_periods,
    summarise,
    validate_requests,
)

R01, R02, R03, R04, R05, R06, R07, R08, R09, R10 = (
    ReasonCode.NAME_MISSING,
    ReasonCode.ADDRESS_NOT_STREET,
    ReasonCode.STATUTE_NOT_COVERED,
    ReasonCode.REASON_MISSING,
    ReasonCode.TAX_PERIODS_INVALID,
    ReasonCode.DUPLICATE_REQUEST_ID,
    ReasonCode.MALFORMED_FIELD,
    ReasonCode.ENVELOPE_INVALID,
    ReasonCode.QUOTA_EXCEEDED,
    ReasonCode.REQUIRED_FIELD_MISSING,
)


def codes(
    rows: list[dict[str, Any]],
    agreement_: Agreement | None = None,
    check: EnvelopeCheck | None = None,
) -> list[tuple[ReasonCode, ...]]:
    terms = agreement_ or reference_agreement()
    return list(validate_requests(requests_table(rows), check or envelope_check(terms), terms))


def one(agreement_: Agreement | None = None, **fields: Any) -> tuple[ReasonCode, ...]:
    return codes([request_row(**fields)], agreement_)[0]


def test_the_default_request_is_valid() -> None:
    assert one() == ()


def test_empty_batch() -> None:
    assert codes([]) == []


# --- R08: the envelope decides for the whole batch ------------------------------------


@pytest.mark.parametrize(
    ("agreement_overrides", "envelope_overrides"),
    [
        ({}, {"certified": False}),  # uncertified
        ({}, {"agreement_id": "mou-2025-04"}),  # unknown agreement
        ({"suspended": True}, {}),  # suspended agreement
        ({}, {"title": "Special Agent"}),  # official not on the signatory list
        ({}, {"submitted_at": "2025-08-01 12:00:00"}),  # REQ-03: naive timestamp
        ({}, {"submitted_at": "2025-08-01T12:00:00+02:00"}),  # REQ-03: not UTC
    ],
)
def test_req01_req03_bad_envelope_makes_every_row_exactly_r08(
    agreement_overrides: dict[str, Any], envelope_overrides: dict[str, Any]
) -> None:
    terms = agreement(**agreement_overrides)
    rows = [request_row(), request_row(request_id="REQ-2", last_name="", street="PO BOX 1")]
    check = envelope_check(terms, **envelope_overrides)
    assert codes(rows, terms, check) == [(R08,), (R08,)]


def test_req01_envelope_for_another_agreement_is_r08() -> None:
    check = envelope_check(reference_agreement())
    other = agreement(id="other-agreement")
    assert codes([request_row()], other, check) == [(R08,)]


# --- R01 name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_name", "last_name", "expected"),
    [
        ("", "QUINTANILLA", (R01,)),
        ("MARISOL", None, (R01,)),
        ("   ", "QUINTANILLA", (R01,)),  # REQ-05: whitespace is empty
        ("UNKNOWN", "QUINTANILLA", (R01,)),
        ("MARISOL", "Unknown", (R01,)),
        ("n/a", "QUINTANILLA", (R01,)),
        ("MARISOL", "UNK", (R01,)),
        ("NONE", "QUINTANILLA", (R01,)),
        ("MARISOL", "xxx", (R01,)),
        ("NULL", "QUINTANILLA", (R01,)),
        ("-", "QUINTANILLA", (R01,)),
        ("MARISOL", "123", (R01,)),
        ("MARISOL", "NA", ()),  # Na is a Korean surname, not a placeholder
        ("José", "Núñez", ()),
        ("SEAN", "O'BRIEN", ()),
        ("ANA", "DE LA CRUZ", ()),
    ],
)
def test_req05_name_missing_is_r01(
    first_name: str | None, last_name: str | None, expected: tuple[ReasonCode, ...]
) -> None:
    assert one(first_name=first_name, last_name=last_name) == expected


# --- R02 address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("street", "city", "state", "zip_code", "tin"),
    [
        ("Don't Care", None, None, "12345", None),  # the 2025 run accepted this
        ("DON'T CARE 12345", None, None, None, None),
        (None, None, None, "00000", None),  # ZIP 00000 only
        ("Failed to Provide", None, None, "78701", None),
        ("Unknown Address", "AUSTIN", "TX", "78701", None),
        ("PO BOX 123", "AUSTIN", "TX", "78701", None),  # mailing address, not a residence
        ("123", "AUSTIN", "TX", "78701", None),  # no street name
        ("MAIN ST", "AUSTIN", "TX", "78701", None),  # no house number
        ("SAN PEDRO DR", "AUSTIN", "TX", "78701", None),  # SAN is a word, not a number
        ("SANTA FE AVE", "AUSTIN", "TX", "78701", None),
        ("", "AUSTIN", "TX", "78701", "123-45-6789"),  # a TIN never stands in for an address
        (None, None, None, None, "123-45-6789"),
        ("1234 N MAIN ST", None, None, None, None),  # neither city + state nor ZIP
        ("1234 N MAIN ST", "AUSTIN", None, None, None),  # city without a state
        ("1234 N MAIN ST", None, "TX", None, None),  # state without a city
        ("1234 N MAIN ST", "UNKNOWN", "TX", None, None),  # placeholder city
        ("1234 N MAIN ST", "AUSTIN", "TX", "00000", None),  # ZIP 00000 is a placeholder
        ("1234 N MAIN ST", "AUSTIN", "TX", "00000-0000", None),
    ],
)
def test_req06_not_a_street_address_is_r02(
    street: str | None, city: str | None, state: str | None, zip_code: str | None, tin: str | None
) -> None:
    result = one(street=street, city=city, state=state, zip=zip_code, tin=tin)
    assert result == (R02,)


@pytest.mark.parametrize(
    "street",
    [
        "842 E 1700 S",  # grid address: numeric street name
        "W123N4567 MAIN ST",  # Wisconsin grid house number
        "123-45 QUEENS BLVD",  # Queens hyphenated house number
        "123 1/2 MAIN ST",
        "6232 1/2 PASEO DEL NORTE",  # a half number before a Spanish street name
        "1234 North Main Street Apt 5",
        "  1234 n. main st.  ",
    ],
)
def test_req07_odd_but_real_street_addresses_are_not_r02(street: str) -> None:
    assert one(street=street) == ()


@pytest.mark.parametrize(
    ("city", "state", "zip_code"),
    [
        ("AUSTIN", "TX", None),  # city + state, no ZIP
        (None, None, "78701"),  # ZIP, no city or state
        ("AUSTIN", " tx ", "78701-1234"),
        ("San Juan", "PR", None),
    ],
)
def test_req06_locality_is_city_and_state_or_zip(
    city: str | None, state: str | None, zip_code: str | None
) -> None:
    assert one(city=city, state=state, zip=zip_code) == ()


@pytest.mark.parametrize(
    ("street", "terms", "expected"),
    [
        ("RR 2 BOX 152", {}, (R02,)),  # the reference wants a residence
        ("RR 2 BOX 152", {"accept_rural_route": True}, ()),
        ("PO BOX 123", {"accept_po_box": True}, ()),
        ("PO BOX 123", {"accept_rural_route": True}, (R02,)),
        ("RR 2 BOX 152", {"accept_po_box": True}, (R02,)),
    ],
)
def test_req07_po_box_and_rural_route_follow_the_agreement(
    street: str, terms: dict[str, Any], expected: tuple[ReasonCode, ...]
) -> None:
    assert one(agreement(**terms), street=street) == expected


# --- R03 statute, R04 reason -------------------------------------------------------------


@pytest.mark.parametrize(
    ("statute", "expected"),
    [
        ("8 U.S.C. 1253(a)(1)", ()),
        ("8 USC 1253(a)(1)", ()),
        ("8 U.S.C. § 1253(a)(1)", ()),
        ("8 usc §1326(a)", ()),
        ("18 U.S.C. 1546(a)", ()),
        ("8 U.S.C. 1227", (R03,)),
        ("26 U.S.C. 7201", (R03,)),
        ("8 U.S.C. 1253", (R03,)),
        ("immigration violation", (R03,)),
        ("", (R03,)),
        (None, (R03,)),
    ],
)
def test_req08_statute_not_covered_is_r03(
    statute: str | None, expected: tuple[ReasonCode, ...]
) -> None:
    assert one(statute=statute) == expected


@pytest.mark.parametrize("reason", ["", "   ", None, "-", "..."])
def test_req09_empty_reason_is_r04(reason: str | None) -> None:
    assert one(reason=reason) == (R04,)


# --- R05 tax periods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax_periods", "expected"),
    [
        ("2019", ()),  # S - 6 with S = 2025: the window is inclusive
        ("2025", ()),
        ("2019;2025", ()),
        ("2023; 2024", ()),  # whitespace around an item is fine
        (" 2023 ;2024 ", ()),
        ("2015", (R05,)),  # before the window
        ("2018", (R05,)),
        ("2026", (R05,)),  # after the submission year
        ("2023;2026", (R05,)),  # one year outside is enough
        ("22;23", (R05,)),  # not 4-digit years
        ("2023,2024", (R05,)),  # wrong separator
        ("2023 2024", (R05,)),
        ("2023;", (R05,)),  # an empty item is malformed
        (";2023", (R05,)),
        ("2023;;2024", (R05,)),
        ("FY2023", (R05,)),
        ("", (R05,)),
        (None, (R05,)),
    ],
)
def test_req10_tax_periods(tax_periods: str | None, expected: tuple[ReasonCode, ...]) -> None:
    assert one(tax_periods=tax_periods) == expected


def test_req10_window_follows_the_agreement_and_the_submission_year() -> None:
    terms = agreement(tax_period_years_back=2)
    check = envelope_check(terms, submitted_at="2031-01-15T09:30:00Z")
    rows = [request_row(tax_periods=years) for years in ("2029", "2028", "2031")]
    for n, row in enumerate(rows):
        row["request_id"] = f"REQ-{n}"
    assert codes(rows, terms, check) == [(), (R05,), ()]


def test_parse_tax_periods() -> None:
    assert parse_tax_periods("2022; 2023") == (2022, 2023)
    assert parse_tax_periods("2022;") is None


# --- R06 duplicates -------------------------------------------------------------------


def test_req12_later_duplicates_are_r06_with_their_own_codes() -> None:
    rows = [
        request_row(request_id="REQ-1"),
        request_row(request_id="REQ-2"),
        request_row(request_id="REQ-1"),  # exact repeat
        request_row(request_id=" REQ-1 "),  # the same id with stray spaces
        request_row(request_id="REQ-2", last_name=""),  # a repeat with its own defect
        request_row(request_id="req-1"),  # ids are case-sensitive: a different id
    ]
    assert codes(rows) == [(), (), (R06,), (R06,), (R01, R06), ()]


def test_req12_empty_request_ids_are_r10_not_r06() -> None:
    rows = [request_row(request_id=""), request_row(request_id=None), request_row(request_id=" ")]
    assert codes(rows) == [(R10,), (R10,), (R10,)]


def test_req12_first_occurrence_is_processed_even_if_rejected() -> None:
    rows = [request_row(request_id="REQ-1", reason=""), request_row(request_id="REQ-1")]
    assert codes(rows) == [(R04,), (R06,)]


# --- R07 malformed fields --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"dob": "1985-02-30"}, (R07,)),  # REQ-13 vectors
        ({"tin": "12345"}, (R07,)),
        ({"state": "XX"}, (R07,)),  # the ZIP still gives a locality
        ({"zip": "1234"}, (R07,)),  # city + state still give a locality
        ({"dob": "02/03/1985"}, (R07,)),
        ({"removal_order_date": "2024-13-01"}, (R07,)),
        ({"reason": "Located at \ufffd address"}, (R07,)),  # decoding debris is unreadable
        ({"last_name": "QUINTA\x00NILLA"}, (R07,)),
        ({"zip": "123456789"}, ()),  # ZIP+4 without its dash is normal
        ({"zip": "12345-6789"}, ()),
        ({"state": " tx "}, ()),
        ({"tin": "123-45-6789"}, ()),
        ({"dob": "1985-02-03"}, ()),
        ({"reason": "line one\nline two"}, ()),
        ({"zip": "00000"}, (R02,)),  # a placeholder (R02), not malformed (R07)
        ({"state": "XX", "zip": None}, (R02, R07)),  # no valid locality left either
        ({"zip": "1234", "city": None}, (R02, R07)),
    ],
)
def test_req13_malformed_field_is_r07(
    fields: dict[str, Any], expected: tuple[ReasonCode, ...]
) -> None:
    assert one(**fields) == expected


# --- R10 agreement-required fields --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"request_id": None}, (R10,)),
        ({"case_number": ""}, (R10,)),
        ({"case_number": "   "}, (R10,)),
        ({"removal_order_date": None}, ()),  # the reference does not require it
    ],
)
def test_r10_reference_requires_request_id_and_case_number(
    fields: dict[str, Any], expected: tuple[ReasonCode, ...]
) -> None:
    assert one(**fields) == expected


def test_r10_when_the_column_is_absent_from_the_file() -> None:
    terms = reference_agreement()
    rows = [{k: v for k, v in request_row().items() if k != "case_number"}]
    table = requests_table(rows).drop_columns(["case_number"])
    assert validate_requests(table, envelope_check(terms), terms) == ((R10,),)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"removal_order_date": "2024-03-01", "removal_order_number": "A000-000-001"}, ()),
        ({"removal_order_date": None, "removal_order_number": "A000-000-001"}, (R10,)),
        ({"removal_order_date": "2024-03-01", "removal_order_number": ""}, (R10,)),
        ({"removal_order_date": "2024-03-32", "removal_order_number": "A1"}, (R07,)),
    ],
)
def test_r10_removal_order_fields_where_the_agreement_requires_them(
    fields: dict[str, Any], expected: tuple[ReasonCode, ...]
) -> None:
    terms = agreement(
        required_fields=["request_id", "case_number", "removal_order_date", "removal_order_number"]
    )
    assert one(terms, **fields) == expected


# --- R09 quota ----------------------------------------------------------------------------


def test_req04_rows_beyond_the_quota_of_valid_rows_are_r09() -> None:
    terms = agreement(quota_per_batch=2)
    rows = request_rows(6)
    rows[1]["last_name"] = ""  # rejected rows do not use up the quota
    rows[5]["reason"] = ""  # and beyond the quota they keep only their own codes
    assert codes(rows, terms) == [(), (R01,), (), (R09,), (R09,), (R04,)]


def test_req04_no_quota_under_the_reference() -> None:
    assert codes(request_rows(25)) == [()] * 25


# --- REQ-14 several codes -----------------------------------------------------------------


def test_req14_every_code_unique_and_ascending() -> None:
    rows = [
        request_row(request_id="REQ-1"),
        request_row(
            request_id="REQ-1",
            case_number=None,
            first_name="UNKNOWN",
            street="Don't Care",
            zip="12345",
            statute="26 U.S.C. 7201",
            reason=" ",
            tax_periods="2023,2024",
            tin="12345",
        ),
    ]
    result = codes(rows)
    assert result[1] == (R01, R02, R03, R04, R05, R06, R07, R10)
    assert join_codes(result[1]) == "R01;R02;R03;R04;R05;R06;R07;R10"
    # As stored with the batch's rows and read back for the match step.
    assert [split_codes(join_codes(c)) for c in result] == list(result)


def test_a_realistic_mixed_batch() -> None:
    rows = [
        request_row(request_id="A1"),
        request_row(request_id="A2", street="DON'T CARE", zip="12345"),
        request_row(request_id="A3", street=None, tin="123-45-6789"),
        request_row(request_id="A4", statute="8 U.S.C. 1227"),
        request_row(request_id="A5", tax_periods="2015"),
        request_row(request_id="A1", first_name="MARISOL"),
        request_row(request_id="A7", dob="1985-02-30", zip="1234"),
        request_row(
            request_id="A8", street="842 E 1700 S", city="SALT LAKE CITY", state="UT", zip="84105"
        ),
    ]
    assert [join_codes(c) for c in codes(rows)] == [
        "",
        "R02",
        "R02",
        "R03",
        "R05",
        "R06",
        "R07",
        "",
    ]


# --- REQ-11 boilerplate reasons -----------------------------------------------------------


def test_req11_reason_shared_by_more_than_min_rows_is_boilerplate() -> None:
    terms = reference_agreement()  # min 10 rows, share 5 %
    reasons = ["Final order of removal; locate subject."] * 11 + [f"case {n}" for n in range(20)]
    reasons[3] = "  FINAL ORDER OF REMOVAL -- locate subject "  # same text after folding
    flagged = boilerplate_reason_rows(reasons, [True] * len(reasons), terms)
    assert flagged == set(range(11))


def test_req11_reason_shared_by_exactly_min_rows_is_not_boilerplate() -> None:
    reasons = ["Final order of removal."] * 10 + [f"case {n}" for n in range(20)]
    assert boilerplate_reason_rows(reasons, [True] * 30, reference_agreement()) == set()


def test_req11_share_threshold_applies_to_large_batches() -> None:
    # 400 valid rows: the limit is max(10, 0.05 * 400) = 20 rows.
    unique = [f"case {n}" for n in range(380)]
    at_limit = ["Same reason."] * 20 + unique
    over = ["Same reason."] * 21 + unique[:-1]
    terms = reference_agreement()
    assert boilerplate_reason_rows(at_limit, [True] * 400, terms) == set()
    assert boilerplate_reason_rows(over, [True] * 400, terms) == set(range(21))


def test_req11_rejected_rows_neither_count_nor_are_flagged() -> None:
    reasons = ["Same reason."] * 15
    valid = [True] * 8 + [False] * 7
    assert boilerplate_reason_rows(reasons, valid, reference_agreement()) == set()


def test_summary_counts_codes() -> None:
    summary = summarise([(), (R01,), (R01, R06), ()])
    assert (summary.rows, summary.accepted, summary.rejected) == (4, 2, 2)
    assert dict(summary.by_code) == {R01: 2, R06: 1}


def test_req13_malformed_fields_names_the_columns() -> None:
    row = request_row(dob="1985-02-30", zip="1234", reason="bad \x07 bell")
    assert malformed_fields(row) == ("dob", "zip", "reason")
    assert malformed_fields(request_row()) == ()


def test_control_characters_in_added_columns_are_not_read() -> None:
    assert one(agency_note="\x07") == ()


def test_req02_the_statute_list_is_agreement_data() -> None:
    wider = agreement(statutes=[*reference_agreement().statutes, "8 U.S.C. 1227"])
    assert one(statute="8 U.S.C. 1227") == (R03,)
    assert one(wider, statute="8 U.S.C. 1227") == ()


def test_req02_the_signatory_list_is_agreement_data() -> None:
    wider = agreement(signatory_titles=["Director", "Acting Director"])
    title = {"requesting_official": {"name": "Jane Roe", "title": "Acting Director"}}
    assert envelope_check(reference_agreement(), **title).problems
    assert not envelope_check(wider, **title).problems


# --- issue row 10: ids hold no control or formatting character -----------------------------

UNSAFE_IDS = {
    "line break": "REQ-1\nREQ-2",
    "carriage return": "REQ-1\r",
    "tab": "REQ\t1",
    "terminal escape": "REQ-1\x1b[2J\x1b[31m",
    "bidi override": "REQ-\u202e1-TXT",
    "bidi isolate": "REQ-\u20661",
    "zero-width space": "REQ\u200b-1",
    "line separator": "REQ-1\u2028",
    "C1 control": "REQ-1\x85",
}


@pytest.mark.parametrize("column", ["request_id", "case_number"])
@pytest.mark.parametrize("name", UNSAFE_IDS)
def test_row10_an_id_with_a_control_or_bidi_character_is_r07(column: str, name: str) -> None:
    fields = {column: UNSAFE_IDS[name]}
    assert one(**fields) == (R07,)
    assert malformed_fields(request_row(**fields)) == (column,)


def test_row10_ids_in_other_scripts_are_fine() -> None:
    assert one(request_id="SOLICITUD-Ñ-0001", case_number="CASO-2025-ÁÉ") == ()
