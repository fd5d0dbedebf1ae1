"""Checks on a master file before it is standardised (`matchgate master load`).

In: batches of the raw taxpayers and addresses tables (all strings) and the
row number of each batch's first row. Out: nothing, or an `InputFileError`
naming the file, the first bad row and the column. The keys must be sound (a
TIN is 9 digits and not 000000000, a tax year is a year, a source is one of
the four FORMATS.md sources; that TINs are unique and every address row
names a known TIN is checked over the whole files by the master load), and
so must the codes a request is compared with: a state given is a USPS code,
a ZIP given is 5 digits or ZIP+4 (the same rules as for a request,
`standardise.identifiers`). A street that cannot be parsed is not an error
here: such a row simply can never match a request.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.errors import InputFileError
from matchgate.standardise.identifiers import date_is_valid, is_usps_state, zip_is_valid

TIN_TYPES = ("SSN", "ITIN")
ADDRESS_SOURCES = ("CHANGE_OF_ADDRESS", "RETURN", "W7", "INFO_RETURN")


def _first_false(mask: pa.ChunkedArray | pa.Array) -> int | None:
    """0-based index of the first False/null in a boolean mask, or None."""
    filled = pc.fill_null(mask, False)
    if pc.all(filled).as_py():
        return None
    index = pc.index(filled, False).as_py()
    return int(index)


def _require(
    mask: pa.ChunkedArray | pa.Array, path: Path, column: str, problem: str, first_row: int
) -> None:
    bad = _first_false(mask)
    if bad is not None:
        raise InputFileError(path, problem, row=first_row + bad, column=column)


def _require_each(
    column: pa.ChunkedArray,
    check: Callable[[str], bool],
    path: Path,
    name: str,
    problem: str,
    first_row: int,
) -> None:
    """``check`` every distinct non-null value once; InputFileError at the first row failing it."""
    bad = [
        value for value in pc.unique(column).to_pylist() if value is not None and not check(value)
    ]
    if bad:
        index = pc.index_in(column, value_set=pa.array(bad, pa.string()))
        first = pc.index(pc.is_valid(index), True).as_py()
        raise InputFileError(path, problem, row=first_row + first, column=name)


def _state_given_is_usps(value: str) -> bool:
    return not value.strip() or is_usps_state(value)


def validate_taxpayer_rows(taxpayers: pa.Table, path: Path, *, first_row: int = 1) -> None:
    """Row by row checks of (a batch of) the taxpayers table; `first_row` numbers its first row.

    Whether a TIN appears twice is a question about the whole file: the
    master load asks it once every batch is in.
    """
    tins = taxpayers.column("tin")
    _require(
        pc.match_substring_regex(tins, r"^\d{9}$"), path, "tin", "TIN is not 9 digits", first_row
    )
    _require(pc.not_equal(tins, "000000000"), path, "tin", "TIN 000000000 is not a TIN", first_row)
    _require(
        pc.is_in(
            pc.utf8_upper(pc.utf8_trim_whitespace(taxpayers.column("tin_type"))),
            value_set=pa.array(TIN_TYPES),
        ),
        path,
        "tin_type",
        "tin_type is not SSN or ITIN",
        first_row,
    )
    _require_each(
        taxpayers.column("dob"), date_is_valid, path, "dob", "not a real YYYY-MM-DD date", first_row
    )


def validate_address_rows(addresses: pa.Table, path: Path, *, first_row: int = 1) -> None:
    """Row by row checks of (a batch of) the addresses table; `first_row` numbers its first row.

    Whether each TIN is in the taxpayers file is asked by the master load
    once both files are in.
    """
    _require(
        pc.match_substring_regex(addresses.column("tax_year"), r"^\s*\d{4}\s*$"),
        path,
        "tax_year",
        "tax_year is not a 4-digit year",
        first_row,
    )
    _require(
        pc.is_in(addresses.column("source"), value_set=pa.array(ADDRESS_SOURCES)),
        path,
        "source",
        f"source is not one of {', '.join(ADDRESS_SOURCES)}",
        first_row,
    )
    _require_each(
        addresses.column("state"),
        _state_given_is_usps,
        path,
        "state",
        "state is not a USPS state code",
        first_row,
    )
    _require_each(
        addresses.column("zip"),
        zip_is_valid,
        path,
        "zip",
        "ZIP is not 5 digits or ZIP+4 (leading zeros are never restored)",
        first_row,
    )
