"""Stage 2 (standardise): whole tables of people and addresses, in bulk.

In: Arrow tables with the raw FORMATS.md columns (names as filed or as
requested; street, city, state, zip). Out: the same rows with the
standardised comparison columns that the match stage reads
(`matchgate.match.settings.COMPARISON_COLUMNS`) plus the parsed street parts
the decision stage needs.

Names repeat a great deal (a few thousand distinct given names cover a
national file), so each distinct value is standardised once and the result is
spread back with Arrow's `take`. Streets go through `standardise_streets`:
each distinct line once, the common forms by the vectorised fast path, the
rest by the parser (several processes for large inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.standardise.addresses import (
    StreetKind,
    StreetParts,
    normalise_city,
    parse_streets,
    zip5,
)
from matchgate.standardise.identifiers import normalise_tin, parse_iso_date
from matchgate.standardise.names import standardise_name
from matchgate.standardise.street_fast import fast_street_parts
from matchgate.standardise.streets import STREET_PART_FIELDS

T = TypeVar("T")

NAME_COLUMNS: tuple[str, ...] = (
    "given",
    "given_keys",
    "middle",
    "surname",
    "surname_compact",
    "surname_tokens",
    "suffix",
)

STREET_COLUMNS: tuple[str, ...] = (
    "street_kind",
    "house_number",
    "number_suffix",
    "predir",
    "street_name",
    "street_type",
    "postdir",
    "unit",
)

LIST_OF_STRINGS = pa.list_(pa.string())


def _column(table: pa.Table, name: str) -> list[str | None]:
    if name not in table.column_names:
        return [None] * table.num_rows
    values: list[str | None] = table.column(name).to_pylist()
    return values


def _distinct_map(values: Sequence[T], fn: Callable[[T], Any]) -> list[Any]:
    """Apply `fn` once per distinct value, return results in input order."""
    cache: dict[T, Any] = {}
    out: list[Any] = []
    for value in values:
        try:
            out.append(cache[value])
        except KeyError:
            result = fn(value)
            cache[value] = result
            out.append(result)
    return out


def _blank_to_none(value: str) -> str | None:
    return value or None


def _per_distinct(table: pa.Table, column: str, fn: Callable[[str], T]) -> tuple[pa.Array, list[T]]:
    """`fn` of each distinct value of a column ("" for missing) and each row's index into them."""
    values = (
        table.column(column).combine_chunks()
        if column in table.column_names
        else pa.nulls(table.num_rows, pa.string())
    )
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    return encoded.indices, [fn(value) for value in encoded.dictionary.to_pylist()]


STRING = pa.string()


def _spread(values: Sequence[Any], indices: pa.Array, kind: pa.DataType = STRING) -> pa.Array:
    return pa.array(values, kind).take(indices)


def _none_if_blank(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def standardise_names(table: pa.Table) -> dict[str, pa.Array]:
    """Standardised name columns for a table with first/middle/last/suffix columns.

    ``standardise_name`` reads each of the four fields on its own and then
    puts them together: the first name gives the given name, its keys, the
    words that lead the middle name and a trailing suffix (JOHN JR); the
    last name gives the surname and a trailing suffix; the suffix field wins
    over the last name's, which wins over the first name's. So each distinct
    value of each field is read once (a few thousand given names, far fewer
    surnames than people) and the parts are put together here in Arrow; a
    test holds this to ``standardise_name`` row by row.
    """
    first_at, firsts = _per_distinct(table, "first_name", lambda v: standardise_name(v, "", "", ""))
    middle_at, middles = _per_distinct(
        table, "middle_name", lambda v: standardise_name("", v, "", "").middle
    )
    last_at, lasts = _per_distinct(table, "last_name", lambda v: standardise_name("", "", v, ""))
    suffix_at, suffixes = _per_distinct(
        table, "name_suffix", lambda v: standardise_name("", "", "", v).suffix
    )
    first_rest = _spread([_blank_to_none(n.middle) for n in firsts], first_at)
    own_middle = _spread([_blank_to_none(m) for m in middles], middle_at)
    # (binary_join_element_wise's null_handling="skip" drops rows that are null on
    # both sides in pyarrow 26, so blanks are joined and trimmed instead.)
    middle = pc.utf8_trim(
        pc.binary_join_element_wise(
            pc.fill_null(first_rest, ""), pc.fill_null(own_middle, ""), " "
        ),
        " ",
    )
    suffix = pc.coalesce(
        _spread([_blank_to_none(x) for x in suffixes], suffix_at),
        _spread([_blank_to_none(n.suffix) for n in lasts], last_at),
        _spread([_blank_to_none(n.suffix) for n in firsts], first_at),
    )
    return {
        "given": _spread([_blank_to_none(n.given) for n in firsts], first_at),
        "given_keys": _spread([list(n.given_keys) for n in firsts], first_at, LIST_OF_STRINGS),
        "middle": _none_if_blank(middle),
        "surname": _spread([_blank_to_none(n.surname) for n in lasts], last_at),
        "surname_compact": _spread(
            [_blank_to_none(n.surname.replace(" ", "")) for n in lasts], last_at
        ),
        "surname_tokens": _spread(
            [list(n.surname_tokens) for n in lasts], last_at, LIST_OF_STRINGS
        ),
        "suffix": suffix,
    }


def street_parts_table(parts: Sequence[StreetParts]) -> pa.Table:
    """Parsed street lines as a table of ``StreetParts`` fields (the fast path's shape)."""
    return pa.table(
        {
            name: pa.array(
                [getattr(p, name).value if name == "kind" else getattr(p, name) for p in parts],
                pa.string(),
            )
            for name in STREET_PART_FIELDS
        }
    )


def street_columns(parts: pa.Table) -> dict[str, pa.Array]:
    """The stored street columns (``STREET_COLUMNS``) of a table of ``StreetParts`` fields.

    Absent parts are nulls; the house number and the street name only for a
    street address (a PO box's number is no house number).
    """

    def present(values: pa.ChunkedArray | pa.Array) -> pa.Array:
        return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)

    street = pc.equal(parts.column("kind"), StreetKind.STREET.value)
    nothing = pa.scalar(None, pa.string())
    return {
        "street_kind": _array(parts.column("kind")),
        "house_number": _array(pc.if_else(street, present(parts.column("number")), nothing)),
        "number_suffix": _array(present(parts.column("number_suffix"))),
        "predir": _array(present(parts.column("predir"))),
        "street_name": _array(pc.if_else(street, present(parts.column("name")), nothing)),
        "street_type": _array(present(parts.column("street_type"))),
        "postdir": _array(present(parts.column("postdir"))),
        "unit": _array(present(parts.column("unit"))),
    }


def _array(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def standardise_streets(streets: Sequence[str | None], *, processes: int = 1) -> pa.Table:
    """``StreetParts`` fields for many street lines, each distinct line read once.

    The vectorised fast path (street_fast.py) reads the common forms; the
    parser reads the rest (in several processes for large inputs).
    """
    texts = [street or "" for street in streets]
    distinct = list(dict.fromkeys(texts))
    fast = fast_street_parts(pa.array(distinct, pa.string()))
    decided = fast.column("decided").to_pylist()
    undecided = [text for text, ok in zip(distinct, decided, strict=True) if not ok]
    parsed = street_parts_table(parse_streets(undecided, processes=processes))
    merged = pa.concat_tables(
        [
            fast.filter(fast.column("decided")).drop_columns(["decided"]),
            parsed,
        ]
    )
    order = [text for text, ok in zip(distinct, decided, strict=True) if ok] + undecided
    position = {text: index for index, text in enumerate(order)}
    return merged.take(pa.array([position[text] for text in texts], pa.int64()))


def standardise_addresses(table: pa.Table, *, processes: int = 1) -> dict[str, pa.Array]:
    """Standardised address columns for a table with street/city/state/zip columns."""
    parts = standardise_streets(_column(table, "street"), processes=processes)
    columns = street_columns(parts)
    columns["zip5"] = pa.array(
        _distinct_map(_column(table, "zip"), lambda z: _blank_to_none(zip5(z))), pa.string()
    )
    columns["city"] = pa.array(
        _distinct_map(_column(table, "city"), lambda c: _blank_to_none(normalise_city(c))),
        pa.string(),
    )
    columns["state"] = pa.array(
        _distinct_map(_column(table, "state"), lambda s: _blank_to_none(standard_state(s))),
        pa.string(),
    )
    return columns


def standard_state(value: str | None) -> str:
    return (value or "").strip().upper()


def standardise_identifiers(table: pa.Table) -> dict[str, pa.Array]:
    """TIN (9 digits, no dashes) and DOB (ISO date string) columns."""
    tins = _distinct_map(_column(table, "tin"), normalise_tin)
    dobs = _distinct_map(
        _column(table, "dob"),
        lambda v: None if (d := parse_iso_date(v)) is None else d.isoformat(),
    )
    return {"tin": pa.array(tins, pa.string()), "dob": pa.array(dobs, pa.string())}


def with_columns(table: pa.Table, columns: dict[str, pa.Array]) -> pa.Table:
    """`table` with `columns` added (or replaced), in the given order."""
    for name, values in columns.items():
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, values)
        else:
            table = table.append_column(name, values)
    return table


def non_empty(table: pa.Table, column: str) -> pa.Array:
    """Boolean mask: the column is present, not null and not blank."""
    if column not in table.column_names:
        return pa.array([False] * table.num_rows)
    trimmed = pc.utf8_trim_whitespace(table.column(column))
    return pc.fill_null(pc.greater(pc.utf8_length(trimmed), 0), False)
