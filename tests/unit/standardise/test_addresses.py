"""Addresses: street parsing, ZIP and city standardisation, FORMATS.md §4 matching.

Every address here is made up; street names are common ones, numbers arbitrary.
"""

from __future__ import annotations

import random
import time

import pytest

from matchgate.standardise.addresses import (
    StandardAddress,
    StreetKind,
    StreetParts,
    addresses_match,
    normalise_city,
    parse_street,
    parse_streets,
    standardise_address,
    street_key,
    zip5,
)

STREET = StreetKind.STREET

# --- parse_street: the forms FORMATS.md §2 calls street addresses ---------------------

PARSED = [
    ("842 E 1700 S", StreetParts(STREET, "842", "", "E", "1700", "", "S")),
    ("W123N4567 MAIN ST", StreetParts(STREET, "W123N4567", "", "", "MAIN", "ST")),
    ("123-45 QUEENS BLVD", StreetParts(STREET, "123-45", "", "", "QUEENS", "BLVD")),
    ("123 1/2 MAIN ST", StreetParts(STREET, "123", "1/2", "", "MAIN", "ST")),
    # usaddress reads the words after a half number as a city; the field is a street line.
    ("6232 1/2 PASEO DEL NORTE", StreetParts(STREET, "6232", "1/2", "", "PASEO DEL NORTE")),
    ("123A Main St", StreetParts(STREET, "123", "A", "", "MAIN", "ST")),
    (
        "1234 North Main Street Apt 5",
        StreetParts(STREET, "1234", "", "N", "MAIN", "ST", "", "APT", "5"),
    ),
    (
        "55 W. 3rd Ave., Unit #4B",
        StreetParts(STREET, "55", "", "W", "3RD", "AVE", "", "UNIT", "4B"),
    ),
    (
        "4500 Martin Luther King Jr Blvd Ste 200",
        StreetParts(STREET, "4500", "", "", "MARTIN LUTHER KING JR", "BLVD", "", "STE", "200"),
    ),
    ("200 Third Street NW", StreetParts(STREET, "200", "", "", "3RD", "ST", "NW")),
    ("1 West First St", StreetParts(STREET, "1", "", "W", "1ST", "ST")),
    ("12 Twenty-First St", StreetParts(STREET, "12", "", "", "21ST", "ST")),
    ("12 3 St", StreetParts(STREET, "12", "", "", "3RD", "ST")),
    ("12 Saint James Place", StreetParts(STREET, "12", "", "", "ST JAMES", "PL")),
    ("100 Avenue of the Americas", StreetParts(STREET, "100", "", "", "AVE OF THE AMERICAS")),
    ("12 Highway 50", StreetParts(STREET, "12", "", "", "HWY 50")),
    ("1600 Pennsylvania Ave NW", StreetParts(STREET, "1600", "", "", "PENNSYLVANIA", "AVE", "NW")),
    ("12 Main St #5", StreetParts(STREET, "12", "", "", "MAIN", "ST", "", "#", "5")),
    ("12 Main St # 5", StreetParts(STREET, "12", "", "", "MAIN", "ST", "", "#", "5")),
    ("12 Main St Bldg 3 Apt 5", StreetParts(STREET, "12", "", "", "MAIN", "ST", "", "APT", "5")),
    ("100 Broadway", StreetParts(STREET, "100", "", "", "BROADWAY")),
    # usaddress refuses a label used twice; the first reading is kept.
    ("123 Main St Apt 4 Apt 5", StreetParts(STREET, "123", "", "", "MAIN", "ST", "", "APT", "4")),
]


@pytest.mark.parametrize(("street", "parts"), PARSED)
def test_parse_street(street: str, parts: StreetParts) -> None:
    assert parse_street(street) == parts


@pytest.mark.parametrize(
    ("street", "kind"),
    [
        (None, StreetKind.EMPTY),
        ("", StreetKind.EMPTY),
        ("   ", StreetKind.EMPTY),
        ("Don't Care", StreetKind.PLACEHOLDER),
        ("DONT CARE 12345", StreetKind.PLACEHOLDER),
        ("Failed to Provide", StreetKind.PLACEHOLDER),
        ("UNKNOWN", StreetKind.PLACEHOLDER),
        ("Unknown Address", StreetKind.PLACEHOLDER),
        ("UNK", StreetKind.PLACEHOLDER),
        ("N/A", StreetKind.PLACEHOLDER),
        ("n.a.", StreetKind.PLACEHOLDER),
        ("NA", StreetKind.PLACEHOLDER),
        ("NONE", StreetKind.PLACEHOLDER),
        ("TBD", StreetKind.PLACEHOLDER),
        ("XXX", StreetKind.PLACEHOLDER),
        ("xxxxx xx", StreetKind.PLACEHOLDER),
        ("Not Provided", StreetKind.PLACEHOLDER),
        ("No Address", StreetKind.PLACEHOLDER),
        ("Homeless", StreetKind.PLACEHOLDER),
        ("General Delivery", StreetKind.PLACEHOLDER),
        ("-", StreetKind.PLACEHOLDER),
        ("---", StreetKind.PLACEHOLDER),
        ("0", StreetKind.PLACEHOLDER),
        ("00000", StreetKind.PLACEHOLDER),
        ("123 456", StreetKind.PLACEHOLDER),
        ("123 Unknown", StreetKind.PLACEHOLDER),
        ("100 XXX St", StreetKind.PLACEHOLDER),
        ("12 X St", StreetKind.STREET),
        ("PO BOX 123", StreetKind.PO_BOX),
        ("P.O. Box 123", StreetKind.PO_BOX),
        ("POB 123", StreetKind.PO_BOX),
        ("PO Box 1 PO Box 2", StreetKind.PO_BOX),
        ("RR 2 Box 15", StreetKind.RURAL_ROUTE),
        ("Rural Route 3 Box 4", StreetKind.RURAL_ROUTE),
        ("HC 1 Box 20", StreetKind.RURAL_ROUTE),
        ("123", StreetKind.NO_NAME),
        ("12345", StreetKind.NO_NAME),
        ("12 E", StreetKind.NO_NAME),
        ("MAIN ST", StreetKind.NO_NUMBER),
        ("North Main Street Apartment 5", StreetKind.NO_NUMBER),
        ("Lives with mother", StreetKind.NO_NUMBER),
        ("PO Box 12 123 Main St", StreetKind.STREET),
    ],
)
def test_street_kind(street: str | None, kind: StreetKind) -> None:
    assert parse_street(street).kind is kind


@pytest.mark.parametrize(
    ("street", "parts"),
    [
        ("PO BOX 123", StreetParts(StreetKind.PO_BOX, number="123", name="PO BOX")),
        ("RR 2 Box 15", StreetParts(StreetKind.RURAL_ROUTE, number="15", name="RR 2")),
        ("Rural Route 2 Box 15", StreetParts(StreetKind.RURAL_ROUTE, number="15", name="RR 2")),
        ("123", StreetParts(StreetKind.NO_NAME, number="123")),
        ("Main St", StreetParts(StreetKind.NO_NUMBER, name="MAIN", street_type="ST")),
        ("Don't Care", StreetParts(StreetKind.PLACEHOLDER)),
    ],
)
def test_parts_of_lines_that_are_not_street_addresses(street: str, parts: StreetParts) -> None:
    assert parse_street(street) == parts


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("North Main Street Apartment 5", "N MAIN ST APT 5"),
        ("1234 North Main Street Apt 5", "1234 n. main st., apt. 5"),
        ("55 West Third Avenue Unit 4-B", "55 W 3RD AVE UNIT #4B"),
        ("12 Parkwood Drive", "12 PARKWOOD DR"),
        ("12 Main St Suite 200", "12 MAIN ST STE 200"),
        ("1 Northeast Oak Boulevard", "1 NE OAK BLVD"),
    ],
)
def test_written_differently_parses_equal(left: str, right: str) -> None:
    assert parse_street(left) == parse_street(right)


@pytest.mark.parametrize(
    ("street", "key"),
    [
        ("1234 North Main Street Apt 5", "1234 MAIN"),
        ("842 E 1700 S", "842 1700"),
        ("PO BOX 123", ""),
        ("MAIN ST", ""),
        ("", ""),
    ],
)
def test_street_key(street: str, key: str) -> None:
    assert street_key(parse_street(street)) == key


# --- ZIP and city --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "five"),
    [
        ("12345", "12345"),
        ("12345-6789", "12345"),
        ("123456789", "12345"),
        (" 12345 ", "12345"),
        ("00000", ""),
        ("00000-1234", ""),
        ("1234", ""),
        ("123456", ""),
        ("12345-67", ""),
        ("ABCDE", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_zip5(value: str | None, five: str) -> None:
    assert zip5(value) == five


@pytest.mark.parametrize(
    ("written", "city"),
    [
        ("Fort Worth", "FORT WORTH"),
        ("FT WORTH", "FORT WORTH"),
        ("Ft. Worth", "FORT WORTH"),
        ("SLC", "SALT LAKE CITY"),
        ("Salt Lake Cty", "SALT LAKE CITY"),
        ("NYC", "NEW YORK"),
        ("Philly", "PHILADELPHIA"),
        ("Washington, D.C.", "WASHINGTON"),
        ("St. Louis", "SAINT LOUIS"),
        ("STL", "SAINT LOUIS"),
        ("Port St Lucie", "PORT SAINT LUCIE"),
        ("Ste Genevieve", "SAINT GENEVIEVE"),
        ("Mt Pleasant", "MOUNT PLEASANT"),
        ("Pt Pleasant", "POINT PLEASANT"),
        ("N Las Vegas", "NORTH LAS VEGAS"),
        ("Colorado Spgs", "COLORADO SPRINGS"),
        ("Winston-Salem", "WINSTON SALEM"),
        ("San José", "SAN JOSE"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_city(written: str | None, city: str) -> None:
    assert normalise_city(written) == city


def test_standardise_address() -> None:
    assert standardise_address(" 12 Main St ", "Ft Worth", " tx ", "76102-1234") == (
        StandardAddress(
            street=StreetParts(STREET, "12", "", "", "MAIN", "ST"),
            city="FORT WORTH",
            state="TX",
            zip5="76102",
        )
    )


def test_placeholder_street_with_a_zip_is_still_no_street() -> None:
    address = standardise_address("Don't Care", None, None, "12345")
    assert (address.street.kind, address.zip5) == (StreetKind.PLACEHOLDER, "12345")


# --- addresses_match (FORMATS.md §4) ---------------------------------------------------

Place = tuple[str, str, str]  # city, state, zip
HOME: Place = ("FORT WORTH", "TX", "76102")


def match(given: str, filed: str, given_place: Place = HOME, filed_place: Place = HOME) -> bool:
    return addresses_match(
        standardise_address(given, *given_place), standardise_address(filed, *filed_place)
    )


@pytest.mark.parametrize(
    ("given", "filed", "matches"),
    [
        ("12 Main St", "12 MAIN ST", True),
        ("1234 North Main Street Apt 5", "1234 N MAIN ST APT 5", True),
        ("200 Third Street NW", "200 3RD ST NW", True),
        ("9 Parkwood Dr", "9 PARKWOD DR", True),  # one edit in a name of 5+ letters
        ("12 Main St", "12 MIAN ST", False),  # MAIN has four letters: no edit allowed
        ("12 Main St", "13 MAIN ST", False),
        ("842 E 1700 S", "842 E 1700 S", True),
        ("842 E 1700 S", "842 E 1800 S", False),  # grid names are numbers: no edit allowed
        ("12 Main St Apt 5", "12 MAIN ST", True),  # unit missing on one side
        ("12 Main St", "12 MAIN ST APT 5", True),
        ("12 Main St Apt 5", "12 MAIN ST APT 6", False),
        ("12 Main St Apt 5", "12 MAIN ST UNIT 5", True),  # designator does not matter
        ("12 Main St #5", "12 MAIN ST APT 5", True),
        ("12 N Main St", "12 MAIN ST", True),  # a directional missing on one side
        ("12 N Main St", "12 S MAIN ST", False),
        ("12 Main", "12 MAIN AVE", True),  # a suffix missing on one side
        ("12 Main St", "12 MAIN AVE", False),
        ("123 1/2 Main St", "123 MAIN ST", True),
        ("123 1/2 Main St", "123 1/2 MAIN ST", True),
        ("123A Main St", "123B MAIN ST", False),
        ("12 Mc Arthur Rd", "12 MCARTHUR RD", True),
        ("PO Box 123", "PO BOX 123", False),  # a PO box is never a street address
        ("12 Main St", "PO BOX 12", False),
        ("Main St", "MAIN ST", False),
        ("Unknown", "UNKNOWN", False),
    ],
)
def test_streets_in_addresses_match(given: str, filed: str, matches: bool) -> None:
    assert match(given, filed) is matches


@pytest.mark.parametrize(
    ("given_place", "filed_place", "matches"),
    [
        (("FORT WORTH", "TX", "76102"), ("FORT WORTH", "TX", "76102-0001"), True),
        (("FORT WORTH", "TX", "76102"), ("FORT WORTH", "TX", "76103"), False),  # ZIP differs
        (("DALLAS", "TX", "76102"), ("FORT WORTH", "TX", "76102"), True),  # ZIPs decide
        (("FT WORTH", "TX", ""), ("FORT WORTH", "TX", "76102"), True),  # city + state decide
        (("FORT WORTH", "tx", "76102"), ("FT. WORTH", "TX", ""), True),
        (("SLC", "UT", ""), ("SALT LAKE CITY", "UT", "84101"), True),
        (("DALLAS", "TX", ""), ("FORT WORTH", "TX", "76102"), False),
        (("FORT WORTH", "OK", ""), ("FORT WORTH", "TX", "76102"), False),
        (("", "TX", ""), ("", "TX", "76102"), False),  # neither a ZIP nor a city
        (("FORT WORTH", "", ""), ("FORT WORTH", "", "76102"), False),
        (("FORT WORTH", "TX", "00000"), ("FORT WORTH", "TX", "76102"), True),  # 00000 is no ZIP
    ],
)
def test_place_in_addresses_match(given_place: Place, filed_place: Place, matches: bool) -> None:
    assert match("12 Main St", "12 MAIN ST", given_place, filed_place) is matches


# --- parse_streets -------------------------------------------------------------------


def test_parse_streets_keeps_input_order_and_repeats() -> None:
    values = ["12 Main St", None, "PO BOX 1", "12 Main St", "", "123"]
    assert parse_streets(values) == [parse_street(value) for value in values]


def synthetic_streets(count: int, seed: int = 20250801) -> list[str]:
    rng = random.Random(seed)
    names = ["MAIN", "OAK", "PARKWOOD", "ELM", "MAPLE", "CEDAR", "SUNSET", "LAKE", "THIRD", "9TH"]
    kinds = ["ST", "AVE", "Road", "DR", "Lane", "BLVD", "CT", "Street", "Avenue", "WAY"]
    dirs = ["", "N ", "S ", "East ", "NW "]
    units = ["", "", " APT 3", " Unit #4B", " STE 200", " # 7"]
    return [
        f"{rng.randint(1, 99999)} {rng.choice(dirs)}{rng.choice(names)} {rng.choice(kinds)}"
        f"{rng.choice(units)}"
        for _ in range(count)
    ]


@pytest.mark.slow
def test_parse_streets_in_two_processes_equals_one() -> None:
    values: list[str | None] = [*synthetic_streets(25_000), "Don't Care", "PO Box 5", None, "123"]
    assert len(set(values)) > 20_000  # large enough to take the process-pool path
    started = time.perf_counter()
    serial = parse_streets(values, processes=1)
    assert time.perf_counter() - started < 60
    assert parse_streets(values, processes=2) == serial
