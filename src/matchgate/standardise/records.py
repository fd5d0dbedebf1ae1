"""Stage 2 (standardise): whole tables of people and addresses, in bulk.

In: Arrow tables with the raw FORMATS.md columns (names as filed or as
requested; street, city, state, zip). Out: the same rows with the
standardised comparison columns that the match stage reads
(`matchgate.match.settings.COMPARISON_COLUMNS`) plus the parsed street parts
the decision stage needs.

Names repeat a great deal (a few thousand distinct given names cover a
national file), so each distinct value is standardised once and the result is
spread back with Arrow's `take`. Streets are parsed by `parse_streets`, which
deduplicates and, for large inputs, uses several processes.
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
from matchgate.standardise.names import StandardName, standardise_name

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


def standardise_names(table: pa.Table) -> dict[str, pa.Array]:
    """Standardised name columns for a table with first/middle/last/suffix columns."""
    keys = list(
        zip(
            _column(table, "first_name"),
            _column(table, "middle_name"),
            _column(table, "last_name"),
            _column(table, "name_suffix"),
            strict=True,
        )
    )
    names: list[StandardName] = _distinct_map(keys, lambda k: standardise_name(*k))
    return {
        "given": pa.array([_blank_to_none(n.given) for n in names], pa.string()),
        "given_keys": pa.array([list(n.given_keys) for n in names], LIST_OF_STRINGS),
        "middle": pa.array([_blank_to_none(n.middle) for n in names], pa.string()),
        "surname": pa.array([_blank_to_none(n.surname) for n in names], pa.string()),
        "surname_compact": pa.array(
            [_blank_to_none(n.surname.replace(" ", "")) for n in names], pa.string()
        ),
        "surname_tokens": pa.array([list(n.surname_tokens) for n in names], LIST_OF_STRINGS),
        "suffix": pa.array([_blank_to_none(n.suffix) for n in names], pa.string()),
    }


def _street_columns(parts: Sequence[StreetParts]) -> dict[str, pa.Array]:
    def col(getter: Callable[[StreetParts], str]) -> pa.Array:
        return pa.array([_blank_to_none(getter(p)) for p in parts], pa.string())

    street_ok = [p.kind is StreetKind.STREET for p in parts]
    return {
        "street_kind": pa.array([p.kind.value for p in parts], pa.string()),
        "house_number": pa.array(
            [p.number if ok and p.number else None for p, ok in zip(parts, street_ok, strict=True)],
            pa.string(),
        ),
        "number_suffix": col(lambda p: p.number_suffix),
        "predir": col(lambda p: p.predir),
        "street_name": pa.array(
            [p.name if ok and p.name else None for p, ok in zip(parts, street_ok, strict=True)],
            pa.string(),
        ),
        "street_type": col(lambda p: p.street_type),
        "postdir": col(lambda p: p.postdir),
        "unit": col(lambda p: p.unit),
    }


def standardise_addresses(table: pa.Table, *, processes: int = 1) -> dict[str, pa.Array]:
    """Standardised address columns for a table with street/city/state/zip columns."""
    parts = parse_streets(_column(table, "street"), processes=processes)
    columns = _street_columns(parts)
    columns["zip5"] = pa.array(
        _distinct_map(_column(table, "zip"), lambda z: _blank_to_none(zip5(z))), pa.string()
    )
    columns["city"] = pa.array(
        _distinct_map(_column(table, "city"), lambda c: _blank_to_none(normalise_city(c))),
        pa.string(),
    )
    columns["state"] = pa.array(
        _distinct_map(_column(table, "state"), lambda s: _blank_to_none((s or "").strip().upper())),
        pa.string(),
    )
    return columns


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
