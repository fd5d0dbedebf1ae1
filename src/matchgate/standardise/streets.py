"""Stage 2, standardise: street lines parsed into Publication 28 parts.

In: the free-text ``street`` cell of a request or a master-file address row
(``1234 North Main Street Apt 5``, ``P.O. Box 12``, ``Don't Care``).
Out: a ``StreetParts`` saying what kind of line it is and, for a street address,
its standardised number, directionals, name, suffix and unit. FORMATS.md §2
defines the kinds: only a line with a primary number *and* a street name is a
street address; PO-box-only and rural-route lines are mailing addresses;
placeholders (UNKNOWN, N/A, DON'T CARE, ...), numbers alone and names alone are
not addresses at all.

Tagging is done by ``usaddress`` (a CRF model, ~8,000 lines/s); every component
is then put into its Pub 28 form by usps.py. A master file repeats the same
street text many times, so ``parse_streets`` parses each distinct text once and
can spread large inputs over several processes.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

import usaddress

from matchgate.standardise.text import fold
from matchgate.standardise.usps import (
    UNIT_DESIGNATORS,
    standard_box_group,
    standard_directional,
    standard_street_name,
    standard_street_type,
    standard_unit_type,
    unit_identifier,
)

__all__ = [
    "GRID",
    "PLACEHOLDERS",
    "STREET_PART_FIELDS",
    "StreetKind",
    "StreetParts",
    "parse_street",
    "parse_streets",
    "street_key",
]


class StreetKind(StrEnum):
    """What a street line is. Only STREET is an address in the sense of FORMATS.md §2."""

    STREET = "STREET"
    PO_BOX = "PO_BOX"
    RURAL_ROUTE = "RURAL_ROUTE"
    PLACEHOLDER = "PLACEHOLDER"
    NO_NUMBER = "NO_NUMBER"
    NO_NAME = "NO_NAME"
    EMPTY = "EMPTY"


@dataclass(frozen=True, slots=True)
class StreetParts:
    """A street line in Pub 28 standard parts; absent parts are ``""``, never None.

    ``name`` is the street name alone, without directionals or suffix, but with a
    leading street type that is part of the name (``AVE B``, ``HWY 50``,
    ``COUNTY RD 12``). ``unit_type`` is a Pub 28 designator (APT, STE, UNIT, ...),
    or ``#`` when the line gives an identifier without saying what kind of unit
    it is; ``unit`` is the identifier alone (``4B``, never ``#4B``). For a PO box,
    ``name`` is ``PO BOX`` and ``number`` the box number; for a rural route,
    ``name`` is the route (``RR 2``, ``HC 1``) and ``number`` the box number.
    """

    kind: StreetKind
    number: str = ""
    number_suffix: str = ""
    predir: str = ""
    name: str = ""
    street_type: str = ""
    postdir: str = ""
    unit_type: str = ""
    unit: str = ""


#: The fields of ``StreetParts`` in order (the columns of a table of parts).
STREET_PART_FIELDS: tuple[str, ...] = tuple(StreetParts.__dataclass_fields__)


# Placeholders requesters type instead of an address, as they look once folded
# (DON'T CARE -> DONT CARE, N.A. -> N A). FORMATS.md §2 lists the core of them.
PLACEHOLDERS = frozenset(
    {
        "UNKNOWN", "UNK", "UNKN", "UNKNOWN ADDRESS", "ADDRESS UNKNOWN", "N/A", "NA", "N A",
        "NONE", "NULL", "NIL", "TBD", "TBA", "DONT CARE", "DONT KNOW", "FAILED TO PROVIDE",
        "NOT PROVIDED", "NOT GIVEN", "NOT KNOWN", "NO ADDRESS", "NO FIXED ADDRESS",
        "NOT AVAILABLE", "NOT APPLICABLE", "UNAVAILABLE", "REFUSED", "DECLINED", "HOMELESS",
        "TRANSIENT", "GENERAL DELIVERY", "SAME", "SAME AS ABOVE", "MISSING", "BLANK", "-",
        "0",
    }
)  # fmt: skip
_RUN_OF_X = re.compile(r"X+(?: X+)*")
_ZIP_LIKE = re.compile(r"\d{5}(?:-\d{4})?|\d{9}")
_LETTER = re.compile(r"[A-Z]")
# Suffix words that are never the last word of a street's own name (unlike
# PARK, VIEW or HILL, which often are).
_UNAMBIGUOUS_TYPE_WORDS = frozenset(
    [
        "ST",
        "STREET",
        "AVE",
        "AVENUE",
        "CT",
        "COURT",
        "DR",
        "DRIVE",
        "RD",
        "ROAD",
        "LN",
        "LANE",
        "BLVD",
        "BOULEVARD",
        "PL",
        "PLACE",
        "CIR",
        "CIRCLE",
        "TER",
        "TERRACE",
        "PKWY",
        "PARKWAY",
    ]
)
_DIRECTION = r"(N|S|E|W|NORTH|SOUTH|EAST|WEST)"
GRID = re.compile(
    rf"(\d+) {_DIRECTION} (\d+) {_DIRECTION}(?: (APT|UNIT|STE|SUITE|APARTMENT|#) ?([A-Z0-9-]+))?"
)
_NUMBER_WITH_LETTER = re.compile(r"(\d+)([A-Z])")

_EMPTY = StreetParts(StreetKind.EMPTY)
_PLACEHOLDER = StreetParts(StreetKind.PLACEHOLDER)

# Below this many distinct lines a process pool costs more than it saves.
_PARALLEL_MIN_UNIQUE = 20_000


def parse_street(street: str | None) -> StreetParts:
    """Parse and standardise one street line. Never raises."""
    return _parse_cached(street or "")


def parse_streets(values: Sequence[str | None], *, processes: int = 1) -> list[StreetParts]:
    """Parse many street lines, each distinct text once; results in input order.

    With ``processes > 1`` and more than 20,000 distinct texts, the parsing is
    spread over a process pool (parsing is CPU-bound Python, so threads would
    not help). The pool is started with "spawn": forking a process that already
    runs DuckDB or Arrow threads can deadlock the children.
    """
    unique = list(dict.fromkeys(value or "" for value in values))
    if processes > 1 and len(unique) > _PARALLEL_MIN_UNIQUE:
        chunksize = max(256, len(unique) // (processes * 8))
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            parsed = pool.map(_parse, unique, chunksize=chunksize)
    else:
        # Each text is already unique here; going through parse_street's LRU cache
        # would only churn it (and cost ~25% in garbage-collector time on 100k rows).
        parsed = [_parse(value) for value in unique]
    by_text = dict(zip(unique, parsed, strict=True))
    return [by_text[value or ""] for value in values]


def street_key(parts: StreetParts) -> str:
    """``NUMBER NAME`` (``1234 MAIN``) for blocking and term frequencies; "" unless STREET."""
    if parts.kind is not StreetKind.STREET:
        return ""
    return f"{parts.number} {parts.name}"


@lru_cache(maxsize=65536)
def _parse_cached(street: str) -> StreetParts:
    return _parse(street)


def _parse(street: str) -> StreetParts:
    # "#" means "unit" in a street line but fold() would drop it, so fold the
    # pieces around it and keep it as a word of its own.
    text = " ".join(" # ".join(fold(piece) for piece in street.split("#")).split())
    if not text:
        return _EMPTY
    if _is_placeholder(text):
        return _PLACEHOLDER
    if not _LETTER.search(text):
        return _without_letters(text)
    grid = _grid(text)
    parts = grid if grid is not None else _trailing_type(_from_labels(_tag(text)))
    if parts.kind is StreetKind.STREET and _is_placeholder_name(parts.name):
        return _PLACEHOLDER  # 0 UNKNOWN, 123 N/A, 1 XXX
    return parts


def _trailing_type(parts: StreetParts) -> StreetParts:
    # usaddress reads Spanish pre-types (EL CAMINO COURT: CAMINO as the type)
    # differently with CT and COURT; a name that still ends in a Pub 28 suffix
    # word, with no type of its own, gets that word as its type, so both
    # spellings standardise to name EL CAMINO, type CT.
    words = parts.name.split()
    if parts.kind is not StreetKind.STREET or parts.street_type or len(words) < 2:
        return parts
    if words[-1] not in _UNAMBIGUOUS_TYPE_WORDS:
        return parts
    return replace(parts, name=" ".join(words[:-1]), street_type=standard_street_type(words[-1]))


def _grid(text: str) -> StreetParts | None:
    # Grid addresses (842 E 1700 S, 550 NORTH 6000 WEST) name the street by a
    # coordinate between two directionals; usaddress reads the second number
    # as another house number, so they are recognised here first.
    match = GRID.fullmatch(text)
    if match is None:
        return None
    number, predir, coordinate, postdir, unit_type, unit = match.groups()
    return StreetParts(
        StreetKind.STREET,
        number=number,
        predir=standard_directional(predir) or "",
        name=coordinate,
        postdir=standard_directional(postdir) or "",
        unit_type=standard_unit_type(unit_type) if unit_type else "",
        unit=unit_identifier(unit) if unit else "",
    )


def _is_placeholder(text: str) -> bool:
    # A placeholder may carry a ZIP code along (DONT CARE 12345): judge the rest.
    rest = " ".join(token for token in text.split() if not _ZIP_LIKE.fullmatch(token))
    return any(
        candidate in PLACEHOLDERS or _RUN_OF_X.fullmatch(candidate) is not None
        for candidate in {text, rest}
        if candidate
    )


def _is_placeholder_name(name: str) -> bool:
    # Stricter than for a whole line: a single X is a real street name (12 X ST).
    return name in PLACEHOLDERS or (len(name) > 1 and _RUN_OF_X.fullmatch(name) is not None)


def _without_letters(text: str) -> StreetParts:
    # A lone number is a house number without a street; anything else without a
    # letter (punctuation, zeros, several numbers) says nothing at all.
    tokens = text.split()
    if len(tokens) == 1 and any(digit in "123456789" for digit in tokens[0]):
        return StreetParts(StreetKind.NO_NAME, number=tokens[0])
    return _PLACEHOLDER


def _tag(text: str) -> dict[str, str]:
    try:
        tagged, _ = usaddress.tag(text)
    except usaddress.RepeatedLabelError as error:
        # usaddress refuses lines where a label recurs (123 MAIN ST APT 4 APT 5,
        # a street typed twice). Its token labels are still good: keep the first
        # run of each label, which is the first reading of the line.
        return _first_runs(error.parsed_string)
    return {str(label): str(value) for label, value in tagged.items()}


def _first_runs(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    runs: dict[str, str] = {}
    collecting: str | None = None
    for token, label in pairs:
        if label == collecting:
            runs[label] = f"{runs[label]} {token}"
        elif label not in runs:
            runs[label] = token
            collecting = label
        else:
            collecting = None
    return runs


def _from_labels(labels: Mapping[str, str]) -> StreetParts:
    number_text = "".join(labels.get(key, "") for key in ("AddressNumberPrefix", "AddressNumber"))
    if not any(ch.isdigit() for ch in number_text):
        # Every primary number has a digit (842, W123N4567, 123-45, 123 1/2); usaddress
        # reads the SAN of SAN PEDRO DR as one, which would make a street without a
        # number an address (REQ-06).
        number_text = ""
    has_name = bool(labels.get("StreetName") or labels.get("StreetNamePreType"))
    if number_text and not has_name and labels.get("PlaceName"):
        # The field holds a street line only, so words read as a city are the street
        # name: usaddress reads 6232 1/2 PASEO DEL NORTE as a number and a city.
        labels = {**labels, "StreetName": labels["PlaceName"]}
        has_name = True
    if not (number_text and has_name):
        if "USPSBoxGroupType" in labels:
            return _rural_route(labels)
        if "USPSBoxType" in labels or "USPSBoxID" in labels:
            box = unit_identifier(labels.get("USPSBoxID", ""))
            return StreetParts(StreetKind.PO_BOX, number=box, name="PO BOX")
    if has_name:
        kind = StreetKind.STREET if number_text else StreetKind.NO_NUMBER
    else:
        kind = StreetKind.NO_NAME if number_text else StreetKind.NO_NUMBER
    number, number_suffix = _split_number(number_text, labels.get("AddressNumberSuffix", ""))
    predir, postdir, name, street_type = _street_proper(labels)
    unit_type, unit = _unit(labels)
    return StreetParts(
        kind=kind,
        number=number,
        number_suffix=number_suffix,
        predir=predir,
        name=name,
        street_type=street_type,
        postdir=postdir,
        unit_type=unit_type,
        unit=unit,
    )


def _rural_route(labels: Mapping[str, str]) -> StreetParts:
    group = standard_box_group(labels["USPSBoxGroupType"])
    route = " ".join(part for part in (group, labels.get("USPSBoxGroupID", "")) if part)
    box = unit_identifier(labels.get("USPSBoxID", ""))
    return StreetParts(StreetKind.RURAL_ROUTE, number=box, name=route)


def _split_number(number: str, suffix: str) -> tuple[str, str]:
    # 123A and 123 A are the same house; so are "123 1/2" in one label or two.
    head, _, tail = number.partition(" ")
    suffix = " ".join(part for part in (tail, suffix) if part)
    match = _NUMBER_WITH_LETTER.fullmatch(head)
    if match is not None and not suffix:
        return match.group(1), match.group(2)
    return head, suffix


def _street_proper(labels: Mapping[str, str]) -> tuple[str, str, str, str]:
    """Pre-directional, post-directional, name and suffix of the street."""
    predir_text = labels.get("StreetNamePreDirectional", "")
    postdir_text = labels.get("StreetNamePostDirectional", "")
    predir = standard_directional(predir_text) or ""
    postdir = standard_directional(postdir_text) or ""
    street_type = standard_street_type(labels.get("StreetNamePostType", ""))
    pretype = labels.get("StreetNamePreType", "")
    words = [
        "" if predir else predir_text,  # a "directional" we cannot read belongs to the name
        labels.get("StreetNamePreModifier", ""),
        standard_street_type(pretype) if pretype else "",
        labels.get("StreetName", ""),
    ]
    name = standard_street_name(" ".join(w for w in words if w), has_type=bool(street_type))
    modifier = labels.get("StreetNamePostModifier", "")
    tail = [standard_street_type(modifier) if modifier else "", "" if postdir else postdir_text]
    name = " ".join(part for part in (name, *tail) if part)
    return predir, postdir, name, street_type


def _unit(labels: Mapping[str, str]) -> tuple[str, str]:
    """Unit designator and identifier; the occupancy wins over a building subaddress."""
    for type_label, id_label in (
        ("OccupancyType", "OccupancyIdentifier"),
        ("SubaddressType", "SubaddressIdentifier"),
    ):
        written_type, written_id = labels.get(type_label, ""), labels.get(id_label, "")
        if not (written_type or written_id):
            continue
        words = written_id.split()
        if not written_type and len(words) > 1 and words[0] in UNIT_DESIGNATORS:
            # usaddress sometimes leaves the designator inside the identifier
            # (APARTMENT A): split it off so APARTMENT A == APT A == #A.
            written_type, written_id = words[0], " ".join(words[1:])
        identifier = unit_identifier(written_id)
        designator = standard_unit_type(written_type) if written_type else ""
        if identifier and designator in ("", "#"):
            designator = "#"
        return designator, identifier
    return "", ""
