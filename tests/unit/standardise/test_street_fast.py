"""The vectorised fast path for street lines agrees with the parser wherever it decides.

The fast path may decline a line (the parser then reads it); it must never
read one differently. Checked on every form FORMATS.md names, on spellings of
Pub 28 words and units, on lines the synthetic generator writes, and on a
seeded sample of random combinations. Every address is made up.
"""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from matchgate.standardise.addresses import StreetKind, parse_street
from matchgate.standardise.street_fast import fast_street_parts, fold_streets
from matchgate.standardise.streets import STREET_PART_FIELDS, StreetParts
from matchgate.synth.generator import SynthConfig, generate

FORMS = [
    # FORMATS.md §1 and §2 by name
    "1234 North Main Street Apt 5", "1234 N MAIN ST APT 5", "842 E 1700 S",
    "550 NORTH 6000 WEST", "842 E 1700 S APT 4", "842 E 1700 S # 4-B", "W123N4567 MAIN ST",
    "123-45 QUEENS BLVD", "123 1/2 MAIN ST", "PO BOX 123", "P.O. Box 123", "POB 12",
    "RR 2 BOX 15", "Rural Route 3 Box 4", "HC 1 Box 20", "UNKNOWN", "UNK", "UNKNOWN ADDRESS",
    "N/A", "NA", "NONE", "TBD", "XXX", "DONT CARE", "DON'T CARE", "Don't Care 12345",
    "FAILED TO PROVIDE", "NOT PROVIDED", "NO ADDRESS", "00000", "12345", "123", "MAIN ST",
    "", "   ", None,
    # Pub 28 spellings, case and punctuation
    "1234 north main street apartment 5", "1234 N. Main St., Apt. 5", "55 W. 3rd Ave., Unit #4B",
    "200 Third Street NW", "1 West First St", "12 Twenty-First St", "12 3 St",
    "12 Saint James Place", "12 St James Pl", "12 Mount Vernon Ave", "100 Avenue of the Americas",
    "12 Highway 50", "1600 Pennsylvania Ave NW", "12 Main St #5", "12 Main St # 5", "12 Main St#5",
    "12 Main St Bldg 3 Apt 5", "100 Broadway", "123 Main St Apt 4 Apt 5", "123A Main St",
    "123 A Main St", "12 X St", "100 XXX St", "123 Unknown", "0 MAIN ST", "012 MAIN ST",
    "12 O'Brien Ct", "12 O`Brien Ct", "77 José Martí Blvd", "77 JOSE MARTI BLVD",
    "12 EL CAMINO COURT", "12 EL CAMINO CT", "12 CALLE SOL", "12 N ST", "12 NORTH ST",
    "12 E WEST ST", "12 WEST END AVE", "12 COURT ST", "12 PARK AVE", "12 LAKE VIEW DR",
    "12 MAIN ST N", "12 MAIN ST NW APT 4", "12 N MAIN ST N", "12 MAIN ST APARTMENT E",
    "12 MAIN ST APARTMENT 5", "12 MAIN ST APARTMENT 5B", "98 Arlington Street Apartment 1A",
    "12 MAIN ST APT E", "12 MAIN ST UNIT H",
    "12 MAIN ST STE 100", "12 MAIN ST SUITE 100", "12 MAIN ST APT 4-B", "12 MAIN ST REAR",
    "12 MAIN ST APT", "12 MAIN ST 5", "4500 Martin Luther King Jr Blvd Ste 200",
    "12 CESAR CHAVEZ AVE", "12 5TH AVE", "12 W 42ND ST", "12 42 ST", "12 FIRST AVE",
    "12 MAIN", "12 MAIN STREET EXTENSION", "12 COUNTY ROAD 12", "12 US HIGHWAY 50",
    "PO Box 12 123 Main St", "Lives with mother", "12 E", "123 456",
]  # fmt: skip

STREET_WORDS = " ".join(
    (
        "MAIN OAK WASHINGTON PARK LAKE VIEW JUNE MAY COURT CENTER HILL SPRING RIVER KING QUEEN",
        "SAINT ST MOUNT FORT JUNIPER BROADWAY FIRST SECOND EL CAMINO DE LA CALLE SUN BOX PO ROUTE",
        "RR HWY A B E N W X XX APARTMENT UNIT SUITE AVENUE AVE STREET ROAD DR DRIVE WAY PL",
    )
).split(" ")
NUMBERS = ("1", "12", "123", "4500", "99999", "0", "12A", "123-45", "W12N345", "12 1/2")
DIRECTIONS = ("", "N", "S", "E", "W", "NE", "SW", "NORTH", "SOUTH", "EAST", "WEST", "N.")
SUFFIXES = ("", "ST", "STREET", "AVE", "AVENUE", "AV", "RD", "DR", "LN", "CT", "BLVD",
            "PL", "CIR", "TER", "WAY", "PKWY", "TRL", "HWY", "PARK", "SQ")  # fmt: skip
UNITS = ("", "APT 5", "APT B", "APARTMENT 5", "APARTMENT E", "UNIT 12A", "# 4", "#4", "STE 200",
         "SUITE B", "APT 4-B", "BLDG 3", "REAR", "LOT 7", "SPC 9")  # fmt: skip


def _as_parts(row: dict[str, object]) -> StreetParts:
    values = {name: row[name] for name in STREET_PART_FIELDS}
    return StreetParts(**{**values, "kind": StreetKind(values["kind"])})  # type: ignore[arg-type]


def _disagreements(lines: list[str | None]) -> list[tuple[str | None, StreetParts, StreetParts]]:
    table = fast_street_parts(pa.array(lines, pa.string()))
    wrong = []
    for line, row in zip(lines, table.to_pylist(), strict=True):
        if row["decided"]:
            fast, parsed = _as_parts(row), parse_street(line)
            if fast != parsed:
                wrong.append((line, fast, parsed))
    return wrong


def _decided(lines: list[str | None]) -> list[bool]:
    return fast_street_parts(pa.array(lines, pa.string())).column("decided").to_pylist()


def test_the_fast_path_reads_every_form_formats_md_names_as_the_parser_does() -> None:
    assert _disagreements(FORMS) == []


@pytest.mark.parametrize(
    "line",
    ["1234 North Main Street Apt 5", "1234 N MAIN ST APT 5", "842 E 1700 S", "12 MAIN ST NW APT 4",
     "W123N4567 MAIN ST", "123-45 QUEENS BLVD", "1234 N Main Street Apartment 5",
     "55 W. 3rd Ave., Unit 4B", "12 W 42ND ST", "12 O'Brien Ct", "12 Main St # 5", "", None],
)  # fmt: skip
def test_the_common_forms_are_decided_by_the_fast_path(line: str | None) -> None:
    assert _decided([line]) == [True]


@pytest.mark.parametrize(
    "line",
    ["123 1/2 MAIN ST", "PO BOX 123", "RR 2 BOX 15", "12 MAIN ST APARTMENT 5B",
     "DONT CARE", "77 José Martí Blvd", "12 PARK AVE", "12 MAIN ST APARTMENT E",
     "98 Arlington Street Apartment 1A",
     "12 Saint James Pl", "12 FIRST AVE", "100 Broadway", "12 EL CAMINO CT"],
)  # fmt: skip
def test_forms_the_parser_must_read_are_declined(line: str) -> None:
    assert _decided([line]) == [False]


def test_the_fast_path_agrees_with_the_parser_on_synthetic_master_files_and_batches() -> None:
    data = generate(SynthConfig(taxpayers=1500, requests=600, seed=11))
    lines = sorted(
        {*data.addresses.column("street").to_pylist(), *data.requests.column("street").to_pylist()},
        key=lambda line: line or "",
    )
    assert _disagreements(lines) == []
    assert sum(_decided(lines)) > len(lines) / 2


def test_the_fast_path_agrees_with_the_parser_on_random_combinations() -> None:
    rng = random.Random(2025)
    lines: list[str | None] = []
    for _ in range(3000):
        name = " ".join(rng.choice(STREET_WORDS) for _ in range(rng.choice((1, 1, 2, 3))))
        parts = (
            rng.choice(NUMBERS), rng.choice(DIRECTIONS), name, rng.choice(SUFFIXES),
            rng.choice(("", "", "N", "NW")), rng.choice(UNITS),
        )  # fmt: skip
        line = " ".join(part for part in parts if part)
        lines.append(line.title() if rng.random() < 0.3 else line)
    assert _disagreements(lines) == []


def test_folding_keeps_hash_as_a_word_and_leaves_non_ascii_to_the_parser() -> None:
    folded = fold_streets(pa.array(["12 Main St#5", " 12  O'Brien  Ct ", "77 José Blvd", None]))
    assert folded.to_pylist() == ["12 MAIN ST # 5", "12 OBRIEN CT", None, ""]


def test_a_folded_line_parses_as_the_line_itself() -> None:
    # The master load parses each distinct folded line once for every line that folds to it.
    rng = random.Random(7)
    lines = [line for line in FORMS if line and line.isascii()]
    lines += [
        f"{rng.choice(NUMBERS)} {rng.choice(DIRECTIONS)} {rng.choice(STREET_WORDS)}. "
        f"{rng.choice(SUFFIXES)}, {rng.choice(UNITS)}".title()
        for _ in range(500)
    ]
    folded = fold_streets(pa.array(lines, pa.string())).to_pylist()
    assert [parse_street(text) for text in folded] == [parse_street(line) for line in lines]
