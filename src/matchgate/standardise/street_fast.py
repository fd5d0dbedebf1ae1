"""Stage 2, standardise: the vectorised fast path for street lines, in Arrow compute.

In: an Arrow array of street lines as filed (a master file holds tens of
millions, mostly in a handful of plain forms). Out: an Arrow table of
``StreetParts`` fields, one row per line, plus ``decided``: whether the fast
path could read the line. A decided row is exactly what ``parse_street``
gives for that line; an undecided row must go to ``parse_street``.

The fast path reads only forms whose reading is not in doubt:
- an empty line;
- a grid address (``842 E 1700 S``), by the same rule streets.py applies
  before its parser;
- ``NUMBER [DIRECTIONAL] NAME SUFFIX [POSTDIRECTIONAL] [UNIT ID]``, where the
  number is plain digits, a Queens number (``123-45``) or a Wisconsin grid
  number (``W123N4567``), the name is one to three plain words of which none
  is a word the parser could read as something else (a suffix, directional,
  unit or box word, an ordinal word, a placeholder, a Spanish pre-type, a
  single letter) or a numbered street (``5TH``), the suffix is one of the
  common Pub 28 words, the unit designator is APT, UNIT, STE, SUITE or
  ``#``, or APARTMENT before a number (the parser misreads APARTMENT before
  a letter or a mixed identifier).
Everything else (accents, PO boxes, rural routes, fractional numbers, names
holding suffix words such as ``PARK`` or ``LAKE VIEW``, Spanish pre-types)
is left to the parser. The fast path may decline a line; it
never reads one differently (tests/unit/standardise/test_street_fast.py
checks both paths on every form FORMATS.md names and on generated lines).
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.standardise.streets import GRID, PLACEHOLDERS, STREET_PART_FIELDS, StreetKind
from matchgate.standardise.text import ORDINAL_WORDS, TENS, TENS_ORDINALS, data_rows
from matchgate.standardise.usps import (
    BOX_GROUPS,
    DIRECTIONALS,
    NAME_WORDS,
    SUFFIXES_FILE,
    UNIT_DESIGNATORS,
    standard_directional,
    standard_street_type,
    standard_unit_type,
)

__all__ = ["fast_street_parts", "fold_streets"]

#: The suffix words the common form accepts (written forms, Pub 28 C1).
COMMON_SUFFIXES: tuple[str, ...] = (
    "ST", "STREET", "AVE", "AVENUE", "AV", "RD", "ROAD", "DR", "DRIVE", "LN", "LANE",
    "CT", "COURT", "BLVD", "BOULEVARD", "PL", "PLACE", "CIR", "CIRCLE", "TER", "TERRACE",
    "WAY", "PKWY", "PARKWAY", "TRL", "TRAIL",
)  # fmt: skip
_ONE_WORD_DIRECTIONS = ("N", "S", "E", "W", "NE", "NW", "SE", "SW")
_LONG_DIRECTIONS = ("NORTH", "SOUTH", "EAST", "WEST", "NORTHEAST", "NORTHWEST", "SOUTHEAST",
                    "SOUTHWEST")  # fmt: skip
_UNIT_TYPES = ("APT", "UNIT", "STE", "SUITE", "#")
# Words a parser may read as a pre-type, a box or a highway rather than a name.
_OTHER_READINGS = frozenset(
    " ".join(
        (
            "PO POB BOX POST OFFICE DRAWER CALLER LOCKBOX BIN RURAL ROUTE STAR GENERAL DELIVERY",
            "HWY HIGHWAY INTERSTATE US USHWY STATE COUNTY FM SR CR CALLE CAMINO VIA AVENIDA",
            "PASEO EL LA LAS LOS DE DEL AND OF THE",
        )
    ).split(" ")
)

_DIRECTION_RE = "|".join((*_ONE_WORD_DIRECTIONS, *_LONG_DIRECTIONS))
_POSTDIR_RE = "|".join(_ONE_WORD_DIRECTIONS)
_UNIT_RE = "|".join(_UNIT_TYPES)


def _common_pattern() -> str:
    suffixes = "|".join(COMMON_SUFFIXES)
    return (
        # Plain, Queens (123-45) and Wisconsin grid (W123N4567) house numbers.
        r"^(?P<number>[1-9][0-9]{0,5}(?:-[0-9]{1,4})?|[NSEW][1-9][0-9]{0,4}[NSEW][0-9]{1,5}) "
        rf"(?:(?P<predir>{_DIRECTION_RE}) )?"
        r"(?P<name>[A-Z]+(?: [A-Z]+){0,2}|[1-9][0-9]{0,2}(?:ST|ND|RD|TH)) "
        rf"(?P<suffix>{suffixes})"
        rf"(?: (?P<postdir>{_POSTDIR_RE}))?"
        rf"(?: (?:(?P<unit_type>{_UNIT_RE}) (?P<unit>[A-Z0-9]{{1,6}})"
        # APARTMENT only before digits: the parser misreads it before a letter
        # (APARTMENT E as a state) or a mixed identifier (APARTMENT 1A as nothing).
        r"|(?P<apartment>APARTMENT) (?P<apartment_unit>[0-9]{1,5})))?$"
    )


_NAME_WORDS_RE = (
    r"^(?P<w1>[A-Z]+)(?: (?P<w2>[A-Z]+))?(?: (?P<w3>[A-Z]+))?$|^(?P<ordinal>[0-9]+[A-Z]+)$"
)


def _grid_pattern() -> str:
    # streets.py's own grid rule, with its groups named for Arrow.
    names = iter(("number", "predir", "name", "postdir", "unit_type", "unit"))
    pattern = GRID.pattern
    out = []
    position = 0
    while position < len(pattern):
        if pattern[position] == "(" and not pattern.startswith("(?", position):
            out.append(f"(?P<{next(names)}>")
        else:
            out.append(pattern[position])
        position += 1
    return "^" + "".join(out) + "$"


@cache
def _ambiguous_words() -> pa.Array:
    words: set[str] = set()
    for row in data_rows(SUFFIXES_FILE):
        words.update(row["written"].split())
        words.update(row["standard"].split())
    for table in (DIRECTIONALS, UNIT_DESIGNATORS, BOX_GROUPS, NAME_WORDS):
        for key in table:
            words.update(key.split())
    for placeholder in PLACEHOLDERS:
        words.update(placeholder.split())
    words.update(ORDINAL_WORDS)
    words.update(TENS)
    words.update(TENS_ORDINALS)
    words.update(_OTHER_READINGS)
    return pa.array(sorted(words), pa.string())


def _lookup(written: pa.Array, table: dict[str, str]) -> pa.Array:
    """Map each value through `table` (every value must be a key); "" stays ""."""
    keys = pa.array(list(table), pa.string())
    values = pa.array(list(table.values()), pa.string())
    mapped = pc.take(values, pc.index_in(written, value_set=keys))
    return pc.fill_null(mapped, "")


def fold_streets(streets: pa.Array | pa.ChunkedArray) -> pa.Array:
    """streets.py's folding (``#`` kept as a word) for ASCII lines; null where not ASCII.

    The same steps as ``fold`` around ``#``: upper case, apostrophes joined,
    every other character but letters, digits, ``/``, ``-`` and ``#`` a
    space, ``#`` a word of its own, single spaces.
    """
    text = pc.fill_null(streets, "")
    ascii_only = pc.string_is_ascii(text)
    text = pc.utf8_upper(text)
    text = pc.replace_substring_regex(text, "['`]", "")
    text = pc.replace_substring_regex(text, r"[^A-Z0-9/\-#]+", " ")
    text = pc.replace_substring(text, "#", " # ")
    text = pc.utf8_trim(pc.replace_substring_regex(text, " +", " "), " ")
    return pc.if_else(ascii_only, text, pa.scalar(None, pa.string()))


def fast_street_parts(streets: pa.Array | pa.ChunkedArray) -> pa.Table:
    """The fast path over many lines: ``decided`` plus the StreetParts fields."""
    if isinstance(streets, pa.ChunkedArray):
        streets = streets.combine_chunks()
    n = len(streets)
    folded = fold_streets(streets)
    blank = pa.array([""] * n, pa.string()) if n else pa.array([], pa.string())
    empty = pc.fill_null(pc.equal(folded, ""), False)

    common = pc.extract_regex(pc.fill_null(folded, ""), _common_pattern())
    common_ok = pc.is_valid(common)
    name_words = pc.extract_regex(pc.fill_null(common.field("name"), ""), _NAME_WORDS_RE)
    for word in ("w1", "w2", "w3"):
        value = pc.fill_null(name_words.field(word), "")
        plain = pc.or_(
            pc.equal(value, ""),
            pc.and_(
                pc.and_(
                    pc.greater(pc.utf8_length(value), 1),
                    # A run of X is a placeholder (100 XXX ST), never a name.
                    pc.invert(pc.match_substring_regex(value, "^X+$")),
                ),
                pc.invert(pc.is_in(value, value_set=_ambiguous_words())),
            ),
        )
        common_ok = pc.and_(common_ok, pc.fill_null(plain, False))
    common_ok = pc.fill_null(common_ok, False)

    grid = pc.extract_regex(pc.fill_null(folded, ""), _grid_pattern())
    grid_ok = pc.fill_null(pc.is_valid(grid), False)

    def field(struct: pa.StructArray, name: str) -> pa.Array:
        return pc.fill_null(struct.field(name), "")

    def pick(grid_value: pa.Array, common_value: pa.Array) -> pa.Array:
        chosen = pc.if_else(grid_ok, grid_value, pc.if_else(common_ok, common_value, blank))
        return pc.fill_null(chosen, "")

    directions = {key: value for key, value in DIRECTIONALS.items() if " " not in key}
    suffixes = {word: standard_street_type(word) for word in COMMON_SUFFIXES}
    # Every designator either rule admits (the grid's include APARTMENT).
    units = {word: standard_unit_type(word) for word in UNIT_DESIGNATORS}
    assert all(standard_directional(k) == v for k, v in directions.items())
    common_unit_type = pc.binary_join_element_wise(
        field(common, "unit_type"), field(common, "apartment"), ""
    )
    unit_ids = {
        "grid": pc.replace_substring(field(grid, "unit"), "-", ""),
        "common": pc.binary_join_element_wise(
            field(common, "unit"), field(common, "apartment_unit"), ""
        ),
    }
    decided = pc.or_(empty, pc.or_(grid_ok, common_ok))
    street = pa.array([StreetKind.STREET.value] * n, pa.string())
    kind = pc.if_else(empty, pa.scalar(StreetKind.EMPTY.value), street)
    grid_unit_type = field(grid, "unit_type")
    columns = {
        "decided": decided,
        "kind": pc.if_else(decided, kind, blank),
        "number": pick(field(grid, "number"), field(common, "number")),
        "number_suffix": blank,
        "predir": pick(
            _lookup(field(grid, "predir"), {"": "", **directions}),
            _lookup(field(common, "predir"), {"": "", **directions}),
        ),
        "name": pick(field(grid, "name"), field(common, "name")),
        "street_type": pick(blank, _lookup(field(common, "suffix"), {"": "", **suffixes})),
        "postdir": pick(
            _lookup(field(grid, "postdir"), {"": "", **directions}),
            _lookup(field(common, "postdir"), {"": "", **directions}),
        ),
        "unit_type": pick(
            _lookup(grid_unit_type, {"": "", **units}),
            _lookup(common_unit_type, {"": "", **units}),
        ),
        "unit": pick(unit_ids["grid"], unit_ids["common"]),
    }
    assert tuple(columns)[1:] == STREET_PART_FIELDS
    return pa.table(columns)
