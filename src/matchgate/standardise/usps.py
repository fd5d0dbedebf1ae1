"""Stage 2, standardise: USPS Publication 28 forms of street address components.

In: one component of a street line as folded text, already labelled by the
parser in streets.py (a directional, a suffix, a unit designator, a street name).
Out: its Publication 28 standard form, so that two ways of writing one address
compare equal: NORTH -> N, AVENUE -> AVE, APARTMENT -> APT, THIRD -> 3RD.

Tables: directionals and unit designators (Pub 28 Appendix C2) are short and
live here; the 500-odd street suffixes (Appendix C1) are package data,
``matchgate/data/usps_street_suffixes.csv``, read once on first use.
"""

from __future__ import annotations

from functools import cache

from matchgate.standardise.text import data_rows, numeric_ordinal, ordinal, split_hyphens

__all__ = [
    "BOX_GROUPS",
    "DIRECTIONALS",
    "NAME_WORDS",
    "SUFFIXES_FILE",
    "UNIT_DESIGNATORS",
    "standard_box_group",
    "standard_directional",
    "standard_street_name",
    "standard_street_type",
    "standard_unit_type",
    "unit_identifier",
]

SUFFIXES_FILE = "usps_street_suffixes.csv"

DIRECTIONALS = {
    "N": "N",
    "S": "S",
    "E": "E",
    "W": "W",
    "NE": "NE",
    "NW": "NW",
    "SE": "SE",
    "SW": "SW",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
    "NORTH EAST": "NE",
    "NORTH WEST": "NW",
    "SOUTH EAST": "SE",
    "SOUTH WEST": "SW",
    "N E": "NE",
    "N W": "NW",
    "S E": "SE",
    "S W": "SW",
}

# Pub 28 Appendix C2 secondary unit designators, written form -> standard. "#" is
# kept as its own designator, as Pub 28 does when the kind of unit is not known;
# units are compared by identifier alone, so APT 5, UNIT 5 and # 5 still agree.
UNIT_DESIGNATORS = {
    "APARTMENT": "APT",
    "APT": "APT",
    "APTMT": "APT",
    "BASEMENT": "BSMT",
    "BSMT": "BSMT",
    "BUILDING": "BLDG",
    "BLDG": "BLDG",
    "BLDNG": "BLDG",
    "DEPARTMENT": "DEPT",
    "DEPT": "DEPT",
    "FLOOR": "FL",
    "FL": "FL",
    "FLR": "FL",
    "FRONT": "FRNT",
    "FRNT": "FRNT",
    "HANGAR": "HNGR",
    "HNGR": "HNGR",
    "KEY": "KEY",
    "LOBBY": "LBBY",
    "LBBY": "LBBY",
    "LOT": "LOT",
    "LOWER": "LOWR",
    "LOWR": "LOWR",
    "OFFICE": "OFC",
    "OFC": "OFC",
    "PENTHOUSE": "PH",
    "PH": "PH",
    "PIER": "PIER",
    "REAR": "REAR",
    "ROOM": "RM",
    "RM": "RM",
    "SIDE": "SIDE",
    "SLIP": "SLIP",
    "SPACE": "SPC",
    "SPC": "SPC",
    "STOP": "STOP",
    "SUITE": "STE",
    "STE": "STE",
    "TRAILER": "TRLR",
    "TRLR": "TRLR",
    "UNIT": "UNIT",
    "UPPER": "UPPR",
    "UPPR": "UPPR",
    "NO": "#",
    "NUMBER": "#",
    "#": "#",
}

# Name words that people abbreviate or not at will (ST JAMES PL / SAINT JAMES PL).
# Pub 28 leaves street names unabbreviated; what matters here is that both sides
# of a comparison end up the same, so the short form is used throughout.
NAME_WORDS = {"SAINT": "ST", "MOUNT": "MT", "FORT": "FT"}

# Rural-route and highway-contract box groups (Pub 28 sections 24x).
BOX_GROUPS = {
    "RR": "RR",
    "R R": "RR",
    "RURAL ROUTE": "RR",
    "RURAL RTE": "RR",
    "RURAL RT": "RR",
    "RT": "RR",
    "RTE": "RR",
    "ROUTE": "RR",
    "HC": "HC",
    "HCR": "HC",
    "H C": "HC",
    "HIGHWAY CONTRACT": "HC",
    "HIGHWAY CONTRACT ROUTE": "HC",
    "STAR ROUTE": "HC",
}


@cache
def _street_types() -> dict[str, str]:
    return {row["written"]: row["standard"] for row in data_rows(SUFFIXES_FILE)}


def standard_directional(value: str) -> str | None:
    """N, S, E, W, NE, NW, SE or SW for a directional in any spelling, else None."""
    return DIRECTIONALS.get(" ".join(value.split()))


def standard_street_type(value: str) -> str:
    """The Pub 28 suffix abbreviation (STREET -> ST); unknown words pass through."""
    words = " ".join(value.split())
    return _street_types().get(words, words)


def standard_unit_type(value: str) -> str:
    """The Pub 28 unit designator (APARTMENT -> APT); unknown words pass through."""
    words = " ".join(value.split())
    return UNIT_DESIGNATORS.get(words, words)


def unit_identifier(value: str) -> str:
    """A unit identifier without ``#``, spaces or hyphens (# 4-B -> 4B)."""
    return "".join(value.replace("#", " ").replace("-", " ").split())


def standard_box_group(value: str) -> str:
    """RR or HC for a rural route / highway contract group; unknown text passes through."""
    words = " ".join(value.split())
    return BOX_GROUPS.get(words, words)


def standard_street_name(name: str, *, has_type: bool) -> str:
    """Standardise the words of a street name (without directionals or suffix).

    Ordinal words become numerals (THIRD -> 3RD, TWENTY FIRST -> 21ST), SAINT,
    MOUNT and FORT become ST, MT and FT, and a bare number followed by a street
    suffix gets its ordinal ending (3 ST -> 3RD ST). A bare number without a
    suffix is left alone: in a grid address (842 E 1700 S) it is a coordinate.
    """
    words = split_hyphens(name).split()
    standard: list[str] = []
    position = 0
    while position < len(words):
        pair = " ".join(words[position : position + 2])
        compound = numeric_ordinal(pair) if position + 1 < len(words) else None
        if compound is not None:
            standard.append(compound)
            position += 2
            continue
        word = words[position]
        standard.append(numeric_ordinal(word) or NAME_WORDS.get(word, word))
        position += 1
    if has_type and len(standard) == 1 and standard[0].isdigit():
        standard[0] = ordinal(int(standard[0]))
    return " ".join(standard)
