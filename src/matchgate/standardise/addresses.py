"""Stage 2, standardise: whole addresses, and FORMATS.md §4 "the address matches".

In: the street, city, state and zip cells of a request or a master-file address
row. Out: a ``StandardAddress`` (street parsed into Pub 28 parts by streets.py,
city with its abbreviations expanded, state upper-cased, ZIP5), and
``addresses_match``, the one place the agreement's address rule is written down.

The street parsing API (``StreetKind``, ``StreetParts``, ``parse_street``,
``parse_streets``, ``street_key``) lives in streets.py and is re-exported here so
callers import every address name from this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from matchgate.standardise.streets import (
    StreetKind,
    StreetParts,
    parse_street,
    parse_streets,
    street_key,
)
from matchgate.standardise.text import data_rows, fold, split_hyphens, within_one_edit

__all__ = [
    "CITY_ABBREVIATIONS_FILE",
    "StandardAddress",
    "StreetKind",
    "StreetParts",
    "addresses_match",
    "normalise_city",
    "parse_street",
    "parse_streets",
    "standardise_address",
    "street_key",
    "streets_match",
    "zip5",
]

CITY_ABBREVIATIONS_FILE = "city_abbreviations.csv"

_ZIP = re.compile(r"(\d{5})(?:-?\d{4})?")

# Word abbreviations in city names, expanded wherever they occur.
_CITY_WORDS = {
    "FT": "FORT",
    "MT": "MOUNT",
    "PT": "POINT",
    "CTY": "CITY",
    "HTS": "HEIGHTS",
    "HGTS": "HEIGHTS",
    "SPGS": "SPRINGS",
    "SPRGS": "SPRINGS",
    "BCH": "BEACH",
    "VLG": "VILLAGE",
    "JCT": "JUNCTION",
    "LK": "LAKE",
    "CTR": "CENTER",
    "VLY": "VALLEY",
    "TWP": "TOWNSHIP",
}
# ST and STE are SAINT only before another word (ST LOUIS, PORT ST LUCIE, STE
# GENEVIEVE); SAINTE is folded in too so that the long and short forms agree.
_CITY_SAINTS = frozenset({"ST", "STE", "SAINTE"})
# A leading one-letter directional (N LAS VEGAS) is part of the city's name.
_CITY_DIRECTIONS = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST"}

# Street names of five letters or more may differ by one edit (FORMATS.md §4).
_MIN_LETTERS_FOR_ONE_EDIT = 5


@dataclass(frozen=True, slots=True)
class StandardAddress:
    """An address in comparable form. Build it with ``standardise_address``.

    ``city`` is ``normalise_city`` output, ``state`` the upper-cased code as given
    (validating it is intake's job), ``zip5`` the first five digits of a valid
    ZIP or ZIP+4, "" otherwise.
    """

    street: StreetParts
    city: str
    state: str
    zip5: str


def standardise_address(
    street: str | None, city: str | None, state: str | None, zip: str | None
) -> StandardAddress:
    """Standardise the four address cells of one request or master-file row."""
    return StandardAddress(
        street=parse_street(street),
        city=normalise_city(city),
        state=(state or "").strip().upper(),
        zip5=zip5(zip),
    )


def zip5(value: str | None) -> str:
    """The five-digit ZIP of a 5- or 9-digit ZIP (dash optional); "" if invalid or 00000.

    Invalid ZIPs are reported by intake (R07); here they simply give no ZIP.
    """
    match = _ZIP.fullmatch((value or "").strip())
    if match is None or match.group(1) == "00000":
        return ""
    return match.group(1)


def normalise_city(value: str | None) -> str:
    """Fold a city name and spell out its abbreviations (FT WORTH -> FORT WORTH).

    Whole-name abbreviations (SLC, NYC, PHILLY) come from
    ``matchgate/data/city_abbreviations.csv``; word abbreviations (FT, MT, PT,
    ST before a word, CTY, HTS, ...) and a leading one-letter directional are
    expanded in code. Hyphens and slashes separate words (WINSTON-SALEM).
    """
    text = " ".join(split_hyphens(fold(value)).replace("/", " ").split())
    cities = _city_abbreviations()
    if not text or text in cities:
        return cities.get(text, text)
    words = text.split()
    expanded = [_expand_city_word(words, position) for position in range(len(words))]
    joined = " ".join(expanded)
    return cities.get(joined, joined)


def _expand_city_word(words: list[str], position: int) -> str:
    word = words[position]
    followed = position + 1 < len(words)
    if position == 0 and followed and word in _CITY_DIRECTIONS:
        return _CITY_DIRECTIONS[word]
    if followed and word in _CITY_SAINTS:
        return "SAINT"
    return _CITY_WORDS.get(word, word)


@cache
def _city_abbreviations() -> dict[str, str]:
    return {
        fold(row["abbreviation"]): fold(row["city"]) for row in data_rows(CITY_ABBREVIATIONS_FILE)
    }


def addresses_match(given: StandardAddress, filed: StandardAddress) -> bool:
    """FORMATS.md §4: does the address a request gives match an address on file?

    Both streets must be street addresses (a PO box or rural route on either side
    never matches) and ``streets_match`` must hold. Then the place: ZIP5 equal when
    both sides give one; otherwise the city and the state, both present and equal.
    """
    if not streets_match(given.street, filed.street):
        return False
    if given.zip5 and filed.zip5:
        return given.zip5 == filed.zip5
    return bool(given.city and given.state) and (given.city, given.state) == (
        filed.city,
        filed.state,
    )


def streets_match(given: StreetParts, filed: StreetParts) -> bool:
    """The street half of ``addresses_match``.

    House number equal, and number suffixes (1/2, A) equal when both give one.
    Street name equal, ignoring spaces (MC ARTHUR = MCARTHUR), or one edit apart
    when both names have five letters or more (PARKWOOD ~ PARKWOD, not MAIN ~
    MIAN; numeric grid names must be equal). Directionals and suffix: equal when
    both sides give one; a side that omits one does not prevent a match, because
    requesters often leave them out (N MAIN ST ~ MAIN ST, but N MAIN ~ S MAIN and
    MAIN ST ~ MAIN AVE do not match). Unit: identifiers equal when both sides give
    one, whatever the designator (APT 5 = UNIT 5 = # 5).
    """
    if given.kind is not StreetKind.STREET or filed.kind is not StreetKind.STREET:
        return False
    if given.number != filed.number:
        return False
    if not _agree_if_both(given.number_suffix, filed.number_suffix):
        return False
    if not _names_match(given.name, filed.name):
        return False
    if not (
        _agree_if_both(given.predir, filed.predir)
        and _agree_if_both(given.postdir, filed.postdir)
        and _agree_if_both(given.street_type, filed.street_type)
    ):
        return False
    return _agree_if_both(_unit_value(given), _unit_value(filed))


def _agree_if_both(left: str, right: str) -> bool:
    return not (left and right) or left == right


def _names_match(left: str, right: str) -> bool:
    left, right = left.replace(" ", ""), right.replace(" ", "")
    if not left or not right:
        return False
    if left == right:
        return True
    letters = min(sum(ch.isalpha() for ch in left), sum(ch.isalpha() for ch in right))
    return letters >= _MIN_LETTERS_FOR_ONE_EDIT and within_one_edit(left, right)


def _unit_value(parts: StreetParts) -> str:
    # A designator that needs no number (REAR, UPPR, BSMT) is itself the unit.
    if parts.unit:
        return parts.unit
    return "" if parts.unit_type == "#" else parts.unit_type
