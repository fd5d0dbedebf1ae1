"""Checks on a master file before it is standardised (`matchgate master load`).

In: the raw taxpayers and addresses tables (all strings). Out: nothing, or an
`InputFileError` naming the file, the first bad row and the column. The keys
must be sound (a TIN is 9 digits and unique, every address row names a known
TIN, a tax year is a year, a source is one of the four FORMATS.md sources);
address content itself is not an error here: a row whose street cannot be
parsed simply can never match a request.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.errors import InputFileError
from matchgate.standardise.identifiers import date_is_valid

TIN_TYPES = ("SSN", "ITIN")
ADDRESS_SOURCES = ("CHANGE_OF_ADDRESS", "RETURN", "W7", "INFO_RETURN")


def _first_false(mask: pa.ChunkedArray | pa.Array) -> int | None:
    """0-based index of the first False/null in a boolean mask, or None."""
    filled = pc.fill_null(mask, False)
    if pc.all(filled).as_py():
        return None
    index = pc.index(filled, False).as_py()
    return int(index)


def _require(mask: pa.ChunkedArray | pa.Array, path: Path, column: str, problem: str) -> None:
    bad = _first_false(mask)
    if bad is not None:
        raise InputFileError(path, problem, row=bad + 1, column=column)


def validate_taxpayers(taxpayers: pa.Table, path: Path) -> None:
    tins = taxpayers.column("tin")
    _require(pc.match_substring_regex(tins, r"^\d{9}$"), path, "tin", "TIN is not 9 digits")
    counts = pc.value_counts(tins)
    duplicated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(duplicated) > 0:
        first_dup = pc.index(tins, duplicated[0]).as_py()
        seen = pc.equal(tins, duplicated[0])
        second = pc.index(pc.fill_null(seen, False), True, start=first_dup + 1).as_py()
        raise InputFileError(path, "TIN appears more than once", row=second + 1, column="tin")
    _require(
        pc.is_in(
            pc.utf8_upper(pc.utf8_trim_whitespace(taxpayers.column("tin_type"))),
            value_set=pa.array(TIN_TYPES),
        ),
        path,
        "tin_type",
        "tin_type is not SSN or ITIN",
    )
    dobs = taxpayers.column("dob").to_pylist()
    for index, value in enumerate(dobs):
        if value is not None and value.strip() and not date_is_valid(value):
            raise InputFileError(path, "not a real YYYY-MM-DD date", row=index + 1, column="dob")


def validate_addresses(addresses: pa.Table, path: Path, taxpayers: pa.Table) -> None:
    tins = addresses.column("tin")
    _require(
        pc.is_in(tins, value_set=taxpayers.column("tin").combine_chunks()),
        path,
        "tin",
        "TIN not found in the taxpayers file",
    )
    _require(
        pc.match_substring_regex(addresses.column("tax_year"), r"^\s*\d{4}\s*$"),
        path,
        "tax_year",
        "tax_year is not a 4-digit year",
    )
    _require(
        pc.is_in(addresses.column("source"), value_set=pa.array(ADDRESS_SOURCES)),
        path,
        "source",
        f"source is not one of {', '.join(ADDRESS_SOURCES)}",
    )
