"""Check each request row against the contract and the agreement, before any look-up (intake stage).

In: the request table (string columns, as :mod:`matchgate.intake.readers`
returns it), the envelope verdict and the agreement. Out: one tuple of
:class:`~matchgate.domain.reasons.ReasonCode` per row, in file order, codes
unique and ascending; an empty tuple means the row may be matched. Pure.

Rules (FORMATS.md §2-§4, DOMAIN.md REQ-01..REQ-14):

* an envelope problem makes every row exactly ``(R08,)`` and nothing else is
  checked (REQ-01, REQ-03);
* otherwise every row collects every code that applies (REQ-14): R01 name,
  R02 address, R03 statute, R04 reason, R05 tax periods, R06 duplicate
  request_id, R07 malformed field, R10 agreement-required field; R09 is given
  last, to rows that pass every other check but come after the agreement's
  quota of such rows (REQ-04).

A rejected row is never matched: that is what makes a TIN unable to stand in
for an address (REQ-06, F1) and what keeps master look-ups equal to the
number of accepted rows (REQ-15).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.agreements.schema import Agreement
from matchgate.agreements.statutes import statute_covered
from matchgate.domain.reasons import ReasonCode
from matchgate.intake.envelope import EnvelopeCheck
from matchgate.intake.id_text import has_unsafe_characters, unsafe_rows
from matchgate.intake.readers import REQUEST_COLUMNS
from matchgate.standardise.addresses import StreetKind, parse_street
from matchgate.standardise.identifiers import (
    date_is_valid,
    is_blank,
    is_usps_state,
    normalise_zip,
    tin_is_valid,
    zip_is_valid,
)
from matchgate.standardise.records import standardise_streets
from matchgate.standardise.text import fold

__all__ = [
    "ValidationSummary",
    "address_missing",
    "boilerplate_reason_rows",
    "malformed_fields",
    "name_missing",
    "parse_tax_periods",
    "reason_missing",
    "summarise",
    "tax_periods_invalid",
    "validate_requests",
]

Codes = tuple[ReasonCode, ...]
Row = Mapping[str, str | None]
_T = TypeVar("_T", bound=Hashable)

# Folded values that stand for "no name". Bare "NA" is deliberately absent:
# Na is a Korean surname, and rejecting a real name is not a formatting call.
_NAME_PLACEHOLDERS = frozenset({"UNKNOWN", "UNK", "NONE", "N/A", "N A", "NULL", "XXX"})
# Folded city values that give no locality (FORMATS.md §2 placeholders).
_CITY_PLACEHOLDERS = frozenset(
    {
        "UNKNOWN", "UNK", "UNKNOWN CITY", "UNKNOWN ADDRESS", "N/A", "N A", "NA", "NONE", "NULL",
        "TBD", "XXX", "DONT CARE", "FAILED TO PROVIDE", "NOT PROVIDED", "NO ADDRESS",
    }
)  # fmt: skip
_YEAR = re.compile(r"[0-9]{4}")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
# C0 controls other than tab/newline/carriage return, and U+FFFD (the mark a
# decoder leaves for bytes it could not read): such a value is unreadable (R07).
_UNREADABLE_PATTERN = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x{fffd}]"  # RE2 syntax, for Arrow
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
#: Ids, echoed and shown as received: no control or formatting character at all
#: (a line break or a U+202E override is malformed in an id, R07).
ID_COLUMNS: tuple[str, ...] = ("request_id", "case_number")


def validate_requests(
    rows: pa.Table, envelope: EnvelopeCheck, agreement: Agreement
) -> tuple[Codes, ...]:
    """The reason codes of every row, in file order; ``()`` = valid."""
    count: int = rows.num_rows
    # An envelope checked against a different agreement proves nothing about this one.
    if (
        envelope.problems
        or envelope.submitted_year is None
        or envelope.agreement_id != agreement.id
    ):
        return ((ReasonCode.ENVELOPE_INVALID,),) * count
    col = {name: _strings(rows, name) for name in REQUEST_COLUMNS}
    flags = _rule_flags(rows, col, agreement, envelope.submitted_year)
    results: list[set[ReasonCode]] = [set() for _ in range(count)]
    for code, column in flags.items():
        for codes, flagged in zip(results, column, strict=True):
            if flagged:
                codes.add(code)
    _mark_duplicates(results, col["request_id"])
    if agreement.quota_per_batch is not None:
        _apply_quota(results, agreement.quota_per_batch)
    return tuple(tuple(sorted(codes)) for codes in results)


def _rule_flags(
    rows: pa.Table, col: Mapping[str, list[str | None]], agreement: Agreement, year: int
) -> dict[ReasonCode, list[bool]]:
    """For each code a row can earn on its own, one flag per row.

    Column by column, each rule evaluated once per distinct value: a batch
    repeats its statutes, tax periods, cities and states on every row.
    """
    count: int = rows.num_rows

    def address(parts: tuple[StreetKind, str | None, str | None, str | None]) -> bool:
        return locality_missing(*parts, agreement)

    def statute(text: str | None) -> bool:
        return not statute_covered(text, agreement.statutes)

    def periods(text: str | None) -> bool:
        return tax_periods_invalid(text, year, agreement.tax_period_years_back)

    # Street lines read as the master file's are: the vectorised fast path for
    # the common forms, the parser for the rest (each distinct line once).
    kinds = [StreetKind(k) for k in standardise_streets(col["street"]).column("kind").to_pylist()]
    addresses = list(zip(kinds, col["city"], col["state"], col["zip"], strict=True))
    names = (_each(_name_absent, col["first_name"]), _each(_name_absent, col["last_name"]))
    malformed = [_each(check, col[name]) for name, check in _FIELD_CHECKS.items()]
    required = [_each(is_blank, col[name]) for name in agreement.required_fields]
    return {
        ReasonCode.NAME_MISSING: _either(count, *names),
        ReasonCode.ADDRESS_NOT_STREET: _each(address, addresses),
        ReasonCode.STATUTE_NOT_COVERED: _each(statute, col["statute"]),
        ReasonCode.REASON_MISSING: _each(reason_missing, col["reason"]),
        ReasonCode.TAX_PERIODS_INVALID: _each(periods, col["tax_periods"]),
        ReasonCode.MALFORMED_FIELD: _either(
            count, *malformed, _unreadable_rows(rows), *_unsafe_id_rows(rows)
        ),
        ReasonCode.REQUIRED_FIELD_MISSING: _either(count, *required),
    }


def _each(check: Callable[[_T], bool], values: Sequence[_T]) -> list[bool]:
    """``[check(v) for v in values]``, calling ``check`` once per distinct value."""
    memo: dict[_T, bool] = {}
    flags: list[bool] = []
    for value in values:
        flag = memo.get(value)
        if flag is None:
            flag = memo[value] = check(value)
        flags.append(flag)
    return flags


def _either(count: int, *columns: list[bool]) -> list[bool]:
    """Row-wise OR of flag columns of ``count`` rows (all False when none is given)."""
    if not columns:
        return [False] * count
    return [any(flags) for flags in zip(*columns, strict=True)]


def _mark_duplicates(results: list[set[ReasonCode]], request_ids: Sequence[str | None]) -> None:
    """REQ-12: the first occurrence is processed, later ones are R06 (plus their own codes).

    Ids compare after stripping surrounding whitespace; an empty id is R10's
    business, not R06's.
    """
    seen: set[str] = set()
    for codes, raw in zip(results, request_ids, strict=True):
        request_id = (raw or "").strip()
        if not request_id:
            continue
        if request_id in seen:
            codes.add(ReasonCode.DUPLICATE_REQUEST_ID)
        seen.add(request_id)


def name_missing(first_name: str | None, last_name: str | None) -> bool:
    """R01: first or last name empty, blank, or a placeholder such as UNKNOWN or N/A."""
    return any(_name_absent(name) for name in (first_name, last_name))


def _name_absent(name: str | None) -> bool:
    folded = fold(name)
    # A name has at least one letter: "-" or "123" names nobody.
    return not any(ch.isalpha() for ch in folded) or folded in _NAME_PLACEHOLDERS


def address_missing(
    street: str | None,
    city: str | None,
    state: str | None,
    zip_code: str | None,
    agreement: Agreement,
) -> bool:
    """R02: not a real street address under the agreement (FORMATS.md §2, REQ-06/REQ-07).

    The street line must parse as a house number plus a street name (a PO box
    or rural route only where the agreement accepts them), ZIP ``00000`` is a
    placeholder, and the locality must be city + USPS state or a valid ZIP.
    Nothing else in the row (a TIN, a DOB) can make up for a missing address.
    """
    return locality_missing(parse_street(street).kind, city, state, zip_code, agreement)


def locality_missing(
    street_kind: StreetKind,
    city: str | None,
    state: str | None,
    zip_code: str | None,
    agreement: Agreement,
) -> bool:
    """`address_missing` for a street line already read as `street_kind`."""
    zip_digits = normalise_zip(zip_code)
    if agreement.accept_zip_only_address and zip_digits is not None and zip_digits.strip("0"):
        # Only a deliberately lax agreement (the 2025 "ZIP-code proxy") says this;
        # it exists so that remediation can replay what such rules disclosed.
        return False
    allowed = {StreetKind.STREET}
    if agreement.accept_po_box:
        allowed.add(StreetKind.PO_BOX)
    if agreement.accept_rural_route:
        allowed.add(StreetKind.RURAL_ROUTE)
    if street_kind not in allowed:
        return True
    if zip_digits is not None and not zip_digits.strip("0"):
        return True  # 00000 (or 00000-0000): the "ZIP-shaped token" of F2
    return not (_city_given(city) and is_usps_state(state)) and zip_digits is None


def _city_given(city: str | None) -> bool:
    folded = fold(city)
    return any(ch.isalpha() for ch in folded) and folded not in _CITY_PLACEHOLDERS


def reason_missing(reason: str | None) -> bool:
    """R04: no reason, or one with no letter or digit in it (``"-"``, ``"..."``)."""
    return reason is None or not any(ch.isalnum() for ch in reason)


def parse_tax_periods(text: str | None) -> tuple[int, ...] | None:
    """``"2022; 2023"`` -> ``(2022, 2023)``; None when empty or malformed.

    Items are 4-digit years separated by ``;``; whitespace around an item is
    fine, an empty item (``"2022;"``) or any other separator is not.
    """
    if text is None or not text.strip():
        return None
    years: list[int] = []
    for item in text.split(";"):
        item = item.strip()
        if not _YEAR.fullmatch(item):
            return None
        years.append(int(item))
    return tuple(years)


def tax_periods_invalid(text: str | None, submitted_year: int, years_back: int) -> bool:
    """R05: periods missing or malformed, or a year outside ``[S - years_back, S]``."""
    years = parse_tax_periods(text)
    if years is None:
        return True
    return any(not submitted_year - years_back <= year <= submitted_year for year in years)


def _state_malformed(value: str | None) -> bool:
    return not (is_blank(value) or is_usps_state(value))


# R07 (FORMATS.md "Errors (R07)", REQ-13): a value that is given but malformed.
# Empty values are absent, not malformed; ZIP 00000 is well-formed (it is R02).
_FIELD_CHECKS: dict[str, Callable[[str | None], bool]] = {
    "dob": lambda value: not date_is_valid(value),
    "tin": lambda value: not tin_is_valid(value),
    "state": _state_malformed,
    "zip": lambda value: not zip_is_valid(value),
    "removal_order_date": lambda value: not date_is_valid(value),
}


def malformed_fields(row: Row) -> tuple[str, ...]:
    """R07 for one row: the names of the columns whose values are malformed.

    A bad DOB or removal-order date, a TIN not 9 digits after removing dashes,
    a state that is not a USPS code, a ZIP that is not 5 or 9 digits, an id
    holding a control or formatting character, or an unreadable value
    (control characters, decoding debris) in any column.
    """
    bad = [name for name, check in _FIELD_CHECKS.items() if check(row.get(name))]
    bad += [
        name
        for name in ID_COLUMNS
        if name not in bad and (value := row.get(name)) is not None and has_unsafe_characters(value)
    ]
    bad += [
        name
        for name, value in row.items()
        if name not in bad and value is not None and _UNREADABLE.search(value)
    ]
    return tuple(bad)


def _unreadable_rows(rows: pa.Table) -> list[bool]:
    """Rows with an unreadable value in a contract column, found by Arrow (not cell by cell).

    Columns a requester adds beyond the contract are carried, never read, so
    they are not checked.
    """
    flags = pa.array([False] * rows.num_rows, type=pa.bool_())
    for name in REQUEST_COLUMNS:
        if name not in rows.column_names:
            continue
        column = rows.column(name)
        text = column if column.type == pa.string() else column.cast(pa.string())
        found = pc.fill_null(pc.match_substring_regex(text, _UNREADABLE_PATTERN), False)
        flags = pc.or_(flags, found)
    result: list[bool] = flags.to_pylist()
    return result


def _unsafe_id_rows(rows: pa.Table) -> list[list[bool]]:
    """One flag column per id column present: the id holds a control or formatting character."""
    return [
        unsafe_rows(_string_column(rows, name)) for name in ID_COLUMNS if name in rows.column_names
    ]


def _string_column(rows: pa.Table, name: str) -> pa.ChunkedArray:
    column = rows.column(name)
    return column if column.type == pa.string() else column.cast(pa.string())


def _apply_quota(results: list[set[ReasonCode]], quota: int) -> None:
    """R09 for the valid rows after the first ``quota`` valid ones, in file order."""
    accepted = 0
    for codes in results:
        if codes:
            continue  # a rejected row does not use up the quota
        accepted += 1
        if accepted > quota:
            codes.add(ReasonCode.QUOTA_EXCEEDED)


def boilerplate_reason_rows(
    reasons: Sequence[str | None], valid: Sequence[bool], agreement: Agreement
) -> set[int]:
    """REQ-11: indices of valid rows whose reason text is boilerplate.

    A reason (folded, punctuation and spaces collapsed) is boilerplate when more than
    ``max(boilerplate_reason_min_rows, boilerplate_reason_max_share * valid rows)``
    valid rows share it. Such rows go to review; they are never VERIFIED
    automatically. Rejected rows neither count nor are returned.
    """
    texts = {i: _reason_key(reason) for i, reason in enumerate(reasons) if valid[i]}
    counts = Counter(text for text in texts.values() if text)
    limit = max(
        agreement.boilerplate_reason_min_rows,
        agreement.boilerplate_reason_max_share * len(texts),
    )
    return {i for i, text in texts.items() if text and counts[text] > limit}


def _reason_key(reason: str | None) -> str:
    # fold keeps "-" and "/"; in free text they are punctuation like any other.
    return " ".join(_NOT_ALNUM.sub(" ", fold(reason)).split())


@dataclass(frozen=True)
class ValidationSummary:
    """Counts for a batch report: rows, accepted rows, rejected rows, rows per code."""

    rows: int
    accepted: int
    rejected: int
    by_code: Mapping[ReasonCode, int]


def summarise(results: Sequence[Codes]) -> ValidationSummary:
    """Summarise :func:`validate_requests` output (a row with two codes counts under both)."""
    by_code = Counter(code for codes in results for code in codes)
    rejected = sum(1 for codes in results if codes)
    return ValidationSummary(
        rows=len(results),
        accepted=len(results) - rejected,
        rejected=rejected,
        by_code={code: by_code[code] for code in sorted(by_code)},
    )


def _strings(rows: pa.Table, name: str) -> list[str | None]:
    """A column as Python strings; an absent column reads as all-missing."""
    if name not in rows.column_names:
        return [None] * rows.num_rows
    column = rows.column(name)
    if column.type != pa.string():
        column = column.cast(pa.string())
    values: list[str | None] = column.to_pylist()
    return values
