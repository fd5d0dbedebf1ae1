"""TINs, ZIPs, USPS states and ISO dates: what is normal, what is malformed (FORMATS.md, REQ-13)."""

from __future__ import annotations

from datetime import date

import pytest

from matchgate.standardise.identifiers import (
    USPS_STATES,
    date_is_valid,
    is_blank,
    is_usps_state,
    normalise_tin,
    normalise_zip,
    parse_iso_date,
    tin_is_valid,
    zip_is_valid,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456789", "123456789"),
        ("123-45-6789", "123456789"),  # dashes are formatting, not an error
        ("  123-45-6789 ", "123456789"),
        ("9-0-0-7-0-0-0-0-1", "900700001"),
        ("12345", None),  # too short
        ("1234567890", None),  # too long
        ("123 45 6789", None),  # only dashes may separate the digits
        ("12345678X", None),
        ("１２３４５６７８９", None),  # full-width digits are not ASCII digits
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalise_tin(raw: str | None, expected: str | None) -> None:
    assert normalise_tin(raw) == expected


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("123-45-6789", True),
        ("123456789", True),
        (None, True),  # absent is not malformed
        ("", True),
        (" ", True),
        ("12345", False),  # REQ-13 vector
        ("123-45-678", False),
        ("ABC-DE-FGHI", False),
    ],
)
def test_req13_tin_is_valid(raw: str | None, valid: bool) -> None:
    assert tin_is_valid(raw) is valid


@pytest.mark.parametrize(
    ("raw", "valid", "digits"),
    [
        ("78701", True, "78701"),
        ("12345-6789", True, "123456789"),
        ("123456789", True, "123456789"),  # ZIP+4 without its dash is normal
        (" 78701 ", True, "78701"),
        ("00000", True, "00000"),  # well-formed; that it is no address is R02's business
        ("1234", False, None),  # leading zeros are never restored
        ("123456", False, None),
        ("12345-678", False, None),
        ("1234-56789", False, None),
        ("12345 6789", False, None),
        ("7870I", False, None),
        (None, True, None),
        ("", True, None),
    ],
)
def test_req13_zip(raw: str | None, valid: bool, digits: str | None) -> None:
    assert zip_is_valid(raw) is valid
    assert normalise_zip(raw) == digits


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("TX", True),
        (" tx ", True),  # lower case and whitespace are normal
        ("dc", True),
        ("PR", True),
        ("VI", True),
        ("GU", True),
        ("AS", True),
        ("MP", True),
        ("AE", True),  # Armed Forces Europe
        ("AP", True),
        ("AA", True),
        ("XX", False),
        ("TEX", False),
        ("T X", False),
        ("", False),
        (None, False),
    ],
)
def test_req13_is_usps_state(raw: str | None, valid: bool) -> None:
    assert is_usps_state(raw) is valid


def test_usps_states_has_50_states_dc_territories_and_military() -> None:
    assert len(USPS_STATES) == 50 + 1 + 5 + 3 + 3
    assert all(len(code) == 2 and code.isupper() for code in USPS_STATES)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("1985-02-03", date(1985, 2, 3)),
        (" 1985-02-03 ", date(1985, 2, 3)),
        ("2024-02-29", date(2024, 2, 29)),  # a leap day
        ("1985-02-30", None),  # REQ-13: not a real date
        ("2023-02-29", None),
        ("1985-13-01", None),
        ("02/03/1985", None),
        ("19850203", None),  # fromisoformat would take it; the contract does not
        ("1985-2-3", None),
        ("1985-02-03T00:00:00", None),
        ("", None),
        (None, None),
    ],
)
def test_req13_parse_iso_date(raw: str | None, parsed: date | None) -> None:
    assert parse_iso_date(raw) == parsed


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("1985-02-03", True),
        (None, True),
        ("  ", True),
        ("1985-02-30", False),
        ("03-02-1985", False),
    ],
)
def test_req13_date_is_valid(raw: str | None, valid: bool) -> None:
    assert date_is_valid(raw) is valid


@pytest.mark.parametrize(("raw", "blank"), [(None, True), ("", True), (" \t", True), ("x", False)])
def test_is_blank(raw: str | None, blank: bool) -> None:
    assert is_blank(raw) is blank
