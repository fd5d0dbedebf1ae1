"""Read contract files (CSV, Parquet, JSON Lines) into Arrow tables of strings (intake stage).

In: a path, or the bytes of an upload and its file name, whose extension
names the format (``.csv``; ``.parquet``/``.pq``; ``.jsonl``/``.ndjson``/
``.json-lines``), and the columns the caller needs.
Out: a ``pyarrow.Table`` with one ``string`` column per file column, rows in
file order, ``null`` for an empty cell or a missing value. Values are not
stripped or normalised here: whether ``"  "`` is a name is validation's call.

Every way a file can be unreadable is an :class:`~matchgate.errors.InputFileError`
(bad input) naming the file (for an upload, the name it was given) and,
where it applies, the data row (row 1 is
the first row after the CSV header, or the first object of a JSON Lines file)
and the column. Columns the contract defines but the file lacks are added as
all-null columns when the caller lists them in ``known_columns``; columns the
file adds beyond the contract are kept (FORMATS.md: optional columns may be
added).

Limits, checked before the work they bound: a file has at most
``MAX_COLUMNS`` columns; a CSV header line is at most ``MAX_HEADER_BYTES``
long (refused before the CSV parser sees it); a JSON Lines row is at most
``MAX_ROW_BYTES``; a Parquet file's metadata (its footer) is at most
``MAX_PARQUET_FOOTER_BYTES`` (refused before it is decoded). A file built to
make a reader work for minutes is refused at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePath
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from matchgate.errors import InputFileError
from matchgate.files import read_bytes

__all__ = [
    "ADDRESS_COLUMNS",
    "ADDRESS_REQUIRED_COLUMNS",
    "REQUEST_COLUMNS",
    "REQUEST_REQUIRED_COLUMNS",
    "TAXPAYER_COLUMNS",
    "TAXPAYER_REQUIRED_COLUMNS",
    "read_master_addresses",
    "read_master_taxpayers",
    "read_requests",
    "read_requests_bytes",
    "read_table",
    "read_table_batches",
    "read_table_bytes",
]

# FORMATS.md §1 and §2, in the order the contract lists them.
TAXPAYER_COLUMNS: tuple[str, ...] = (
    "tin", "tin_type", "first_name", "middle_name", "last_name", "name_suffix", "dob",
)  # fmt: skip
TAXPAYER_REQUIRED_COLUMNS: tuple[str, ...] = ("tin", "tin_type", "first_name", "last_name")
ADDRESS_COLUMNS: tuple[str, ...] = ("tin", "tax_year", "street", "city", "state", "zip", "source")
ADDRESS_REQUIRED_COLUMNS: tuple[str, ...] = ADDRESS_COLUMNS
REQUEST_COLUMNS: tuple[str, ...] = (
    "request_id", "case_number", "first_name", "last_name", "middle_name", "name_suffix",
    "aliases", "dob", "tin", "street", "city", "state", "zip", "tax_periods", "statute",
    "reason", "removal_order_date", "removal_order_number",
)  # fmt: skip
# The statute's columns must be present in a request file. request_id and
# case_number may be absent as columns: each row then lacks them, which is R10
# per row (the agreement's requirement), not an unreadable file.
REQUEST_REQUIRED_COLUMNS: tuple[str, ...] = (
    "first_name", "last_name", "street", "city", "state", "zip", "tax_periods", "statute",
    "reason",
)  # fmt: skip

#: Far above the contract's 18 request columns plus any optional ones.
MAX_COLUMNS = 1_000
MAX_HEADER_BYTES = 64 * 1024
MAX_ROW_BYTES = 1024 * 1024
MAX_PARQUET_FOOTER_BYTES = 16 * 1024 * 1024

_CSV_SUFFIXES = frozenset({".csv"})
_PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json-lines"})
# Bytes that were not UTF-8 survive decoding as lone surrogates (surrogateescape),
# which lets us find the row and column that hold them.
_UNDECODED = re.compile("[\udc80-\udcff]")

#: A file with a header (or a schema) and nothing else is no batch and no master file.
_NO_ROWS = "no data rows: the file has a header but no rows"

Columns = dict[str, list[str | None]]
#: What an error names as the file: its path, or an upload's name.
Source = Path | str
Format = Literal["csv", "jsonl", "parquet"]


def read_table(
    path: Path,
    *,
    required_columns: Sequence[str],
    known_columns: Sequence[str] | None = None,
) -> pa.Table:
    """Read a CSV, Parquet or JSON Lines file into a table of string columns.

    ``required_columns`` must be present as columns (else InputFileError
    naming the first missing one); ``known_columns`` absent from the file are
    appended as all-null columns so that callers can rely on them existing.
    """
    kind = _format_of(path)
    if kind == "parquet":
        _check_readable(path)
        table = _read_parquet(path, path)  # read from the file: a large one is not copied first
    else:
        table = _parse_text(kind, path, read_bytes(path))
    return _conform(path, table, required_columns, known_columns)


def read_table_bytes(
    data: bytes,
    *,
    name: str,
    required_columns: Sequence[str],
    known_columns: Sequence[str] | None = None,
) -> pa.Table:
    """:func:`read_table` for an upload: its bytes, and its file name (format and errors)."""
    kind = _format_of(name)
    if kind == "parquet":
        table = _read_parquet(pa.BufferReader(data), name)
    else:
        table = _parse_text(kind, name, data)
    return _conform(name, table, required_columns, known_columns)


def _format_of(source: Source) -> Format:
    suffix = PurePath(source).suffix
    if suffix.lower() in _CSV_SUFFIXES:
        return "csv"
    if suffix.lower() in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix.lower() in _PARQUET_SUFFIXES:
        return "parquet"
    raise InputFileError(
        source,
        f"unknown file type {suffix or '(none)'!r}: expected .csv, .parquet, .pq, "
        ".jsonl, .ndjson or .json-lines",
    )


def _parse_text(kind: Format, source: Source, data: bytes) -> pa.Table:
    return _table(_read_csv(source, data) if kind == "csv" else _read_jsonl(source, data))


def _conform(
    source: Source,
    table: pa.Table,
    required_columns: Sequence[str],
    known_columns: Sequence[str] | None,
) -> pa.Table:
    missing = [name for name in required_columns if name not in table.column_names]
    if missing:
        also = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise InputFileError(source, f"required column is missing{also}", column=missing[0])
    if table.num_rows == 0:
        raise InputFileError(source, _NO_ROWS)
    for name in known_columns or ():
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, type=pa.string()))
    return table


def read_requests(path: Path) -> pa.Table:
    """A request batch (FORMATS.md §2): every column of REQUEST_COLUMNS present, extras kept."""
    return read_table(
        path, required_columns=REQUEST_REQUIRED_COLUMNS, known_columns=REQUEST_COLUMNS
    )


def read_requests_bytes(data: bytes, *, name: str) -> pa.Table:
    """:func:`read_requests` for an uploaded batch; ``name`` stands for the file in errors."""
    return read_table_bytes(
        data, name=name, required_columns=REQUEST_REQUIRED_COLUMNS, known_columns=REQUEST_COLUMNS
    )


def read_master_taxpayers(path: Path) -> pa.Table:
    """The master ``taxpayers`` table (FORMATS.md §1); middle_name, name_suffix, dob optional."""
    return read_table(
        path, required_columns=TAXPAYER_REQUIRED_COLUMNS, known_columns=TAXPAYER_COLUMNS
    )


def read_master_addresses(path: Path) -> pa.Table:
    """The master ``addresses`` table (FORMATS.md §1); every column is required."""
    return read_table(
        path, required_columns=ADDRESS_REQUIRED_COLUMNS, known_columns=ADDRESS_COLUMNS
    )


def _check_readable(path: Path) -> None:
    """Raise the InputFileError a reader would, without reading the whole file."""
    read_bytes(path, size=0)


def _table(columns: Columns) -> pa.Table:
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def _check_width(path: Source, count: int, *, row: int | None = None) -> None:
    if count > MAX_COLUMNS:
        raise InputFileError(
            path, f"{count:,} columns: more than the limit of {MAX_COLUMNS:,} columns", row=row
        )


def _check_header(path: Source, names: Sequence[str]) -> None:
    _check_width(path, len(names))
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputFileError(path, f"header field {position} has no column name")
        if name in seen:
            raise InputFileError(path, "column name appears twice in the header", column=name)
        seen.add(name)


def _read_csv(path: Source, data: bytes) -> Columns:
    """RFC 4180 CSV (UTF-8, optional BOM, LF or CRLF) -> columns; blank lines are skipped."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    # Before any parsing: no line end within the limit means a header past it.
    no_line_end = data.find(b"\n", bom, bom + MAX_HEADER_BYTES + 1) < 0
    if no_line_end and len(data) - bom > MAX_HEADER_BYTES:
        raise InputFileError(
            path, f"header row longer than the limit of {MAX_HEADER_BYTES:,} bytes"
        )
    bad_offset: int | None = None
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        # Decode anyway, keeping the bad bytes as surrogates, so that the
        # error can name the row and column rather than just an offset.
        bad_offset = bom + exc.start
        text = data[bom:].decode("utf-8", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row_number = 0  # data rows so far; the header is not counted
    try:
        header = next(reader, None)
        if header is None or not header:
            raise InputFileError(path, "empty file: no header row")
        names = [name.strip() for name in header]
        if bad_offset is not None and any(_UNDECODED.search(n) for n in names):
            raise InputFileError(path, f"header is not valid UTF-8 (byte offset {bad_offset})")
        _check_header(path, names)
        columns: Columns = {name: [] for name in names}
        lists = list(columns.values())
        width = len(names)
        for record in reader:
            if not record:
                continue  # a blank line is not a row
            row_number += 1
            if len(record) != width:
                raise InputFileError(
                    path, f"row has {len(record)} fields, the header has {width}", row=row_number
                )
            for values, cell in zip(lists, record, strict=True):
                values.append(cell or None)
    except csv.Error as exc:
        problem = str(exc)
        if "unexpected end of data" in problem:
            problem = "a quoted field is never closed (unbalanced quotes)"
        raise InputFileError(path, f"malformed CSV: {problem}", row=row_number + 1) from None
    if bad_offset is not None:
        _raise_undecoded(path, columns, bad_offset)
    return columns


def _raise_undecoded(path: Source, columns: Columns, bad_offset: int) -> None:
    """Raise the not-UTF-8 error at the first row (then column) holding undecodable bytes."""
    found: tuple[int, str] | None = None
    for name, values in columns.items():
        for index, value in enumerate(values):
            if value is not None and _UNDECODED.search(value):
                if found is None or index < found[0]:
                    found = (index, name)
                break
    row, column = (found[0] + 1, found[1]) if found else (None, None)
    raise InputFileError(
        path, f"not valid UTF-8 (byte offset {bad_offset})", row=row, column=column
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MAX_COLUMNS:
        raise ValueError(f"more than the limit of {MAX_COLUMNS:,} keys in an object")
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"key {key!r} appears twice")
        obj[key] = value
    return obj


def _read_jsonl(path: Source, data: bytes) -> Columns:
    """JSON Lines (one object of scalars per line, UTF-8) -> columns; blank lines are skipped."""
    offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    columns: Columns = {}
    row_number = 0
    for line_number, raw in enumerate(data[offset:].split(b"\n"), start=1):
        line_start, offset = offset, offset + len(raw) + 1
        if not raw.strip():
            continue
        row_number += 1
        where = f"line {line_number}"
        if len(raw) > MAX_ROW_BYTES:
            raise InputFileError(
                path, f"{where} is longer than the limit of {MAX_ROW_BYTES:,} bytes", row=row_number
            )
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputFileError(
                path,
                f"{where} is not valid UTF-8 (byte offset {line_start + exc.start})",
                row=row_number,
            ) from None
        try:
            obj = json.loads(
                line, object_pairs_hook=_unique_object, parse_constant=_reject_constant
            )
        except ValueError as exc:  # JSONDecodeError, a repeated key, NaN or Infinity
            if isinstance(exc, json.JSONDecodeError):
                problem = f"{exc.msg} at column {exc.colno}"
            else:
                problem = str(exc)
            raise InputFileError(
                path, f"{where} is not valid JSON: {problem}", row=row_number
            ) from None
        except RecursionError:
            raise InputFileError(
                path, f"{where} is not a row: JSON nested too deeply", row=row_number
            ) from None
        if not isinstance(obj, dict):
            raise InputFileError(path, f"{where} is not a JSON object", row=row_number)
        if b"\\u" in raw:  # only a \u escape can spell a lone surrogate in valid UTF-8
            _check_unicode(path, obj, row_number)
        for name in obj:
            if name not in columns:
                # A column first seen now was missing (null) in every earlier row.
                columns[name] = [None] * (row_number - 1)
        _check_width(path, len(columns), row=row_number)
        for name, values in columns.items():
            values.append(_scalar_text(path, obj.get(name), row_number, name))
    if row_number == 0:
        raise InputFileError(path, "empty file: no data rows (no JSON objects)")
    return columns


def _check_unicode(path: Source, obj: dict[str, Any], row: int) -> None:
    """A key or text value escaping half of a UTF-16 pair (``"\\ud800"``) is no text."""
    for name, value in obj.items():
        for text, column in ((name, None), (value, name)):
            if isinstance(text, str) and not _is_unicode(text):
                raise InputFileError(
                    path, "not valid Unicode (a lone surrogate escape)", row=row, column=column
                )


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _scalar_text(path: Source, value: object, row: int, column: str) -> str | None:
    """A JSON scalar as the text a CSV cell would hold; "" and null are both missing."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Same spelling as Arrow's float-to-string cast used for Parquet, so a
        # ZIP written as 78701.0 reads the same whichever format carried it.
        return str(int(value)) if value.is_integer() else repr(value)
    raise InputFileError(
        path, "value is a list or object, not a single value", row=row, column=column
    )


def _read_parquet(source: Path | pa.BufferReader, path: Source) -> pa.Table:
    """Parquet (a file, or an upload's bytes) -> the same table of string columns.

    Empty strings become nulls; ``path`` names the file in errors. A file is
    opened as a pyarrow stream, as an upload is, so that both give the same
    messages.
    """
    try:
        if isinstance(source, Path):
            with pa.OSFile(str(source)) as stream:
                table = _read_parquet_stream(stream, path)
        else:
            table = _read_parquet_stream(source, path)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"not a readable Parquet file ({exc})") from None
    _check_header(path, table.column_names)
    return _as_strings(path, table)


def _read_parquet_stream(stream: pa.NativeFile, path: Source) -> pa.Table:
    """The table in a Parquet stream, its footer and width checked before the data is read."""
    _check_parquet_footer(stream, path)
    parquet = pq.ParquetFile(stream)
    _check_width(path, parquet.metadata.num_columns)
    return parquet.read()


def _check_parquet_footer(stream: pa.NativeFile, path: Source) -> None:
    """Refuse metadata larger than the limit before it is decoded.

    A Parquet file ends with its metadata's length (4 bytes, little-endian)
    and the magic ``PAR1``; a file that does not is left to pyarrow to refuse.
    """
    size = stream.size()
    if size < 8:
        return
    stream.seek(size - 8)
    tail = stream.read(8)
    stream.seek(0)
    if tail[4:] != b"PAR1":
        return
    (footer,) = struct.unpack("<I", tail[:4])
    if footer > MAX_PARQUET_FOOTER_BYTES:
        raise InputFileError(
            path,
            f"Parquet metadata of {footer:,} bytes: more than the limit of "
            f"{MAX_PARQUET_FOOTER_BYTES:,} bytes",
        )


def read_table_batches(
    path: Path,
    *,
    required_columns: Sequence[str],
    known_columns: Sequence[str] | None = None,
    batch_rows: int = 1 << 20,
) -> tuple[int | None, Iterator[pa.Table]]:
    """``read_table`` in batches of at most ``batch_rows`` rows, for files too big to hold.

    Returns the number of rows when the format tells it up front (Parquet) and
    the batches, each a table of string columns exactly as ``read_table``
    would give for those rows. Parquet is streamed row group by row group;
    CSV and JSON Lines are read whole first (their readers find the row of an
    error by reading every row) and then handed out in slices.
    """
    if path.suffix.lower() not in _PARQUET_SUFFIXES:
        table = read_table(path, required_columns=required_columns, known_columns=known_columns)
        slices = (table.slice(start, batch_rows) for start in range(0, table.num_rows, batch_rows))
        return table.num_rows, iter(list(slices))
    _check_readable(path)
    try:
        with pa.OSFile(str(path)) as stream:
            _check_parquet_footer(stream, path)
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"not a readable Parquet file ({exc})") from None
    _check_width(path, parquet.metadata.num_columns)
    names = parquet.schema_arrow.names
    _check_header(path, names)
    missing = [name for name in required_columns if name not in names]
    if missing:
        also = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise InputFileError(path, f"required column is missing{also}", column=missing[0])
    if parquet.metadata.num_rows == 0:
        parquet.close()
        raise InputFileError(path, _NO_ROWS)
    absent = [name for name in known_columns or () if name not in names]

    def _with_absent(table: pa.Table) -> pa.Table:
        for name in absent:
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
        return table

    def batches() -> Iterator[pa.Table]:
        try:
            for batch in parquet.iter_batches(batch_size=batch_rows):
                yield _with_absent(_as_strings(path, pa.Table.from_batches([batch])))
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
            raise InputFileError(path, f"not a readable Parquet file ({exc})") from None
        finally:
            parquet.close()

    return parquet.metadata.num_rows, batches()


def _as_strings(path: Source, table: pa.Table) -> pa.Table:
    """Every column as strings, empty strings as nulls (Parquet's typed columns)."""
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for field, column in zip(table.schema, table.columns, strict=True):
        kind = field.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
            kind = kind.value_type
        if pa.types.is_nested(kind):
            raise InputFileError(
                path, "column holds lists or records, not single values", column=field.name
            )
        try:
            text = column.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # pyarrow's message may quote the value: never pass it on (no taxpayer data
            # in error text).
            binary = pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
            problem = "not valid UTF-8" if binary else f"of type {kind}, not readable as text"
            raise InputFileError(path, f"column values are {problem}", column=field.name) from None
        empty = pc.equal(text, "")
        arrays.append(pc.if_else(empty, pa.scalar(None, type=pa.string()), text))
    return pa.table(arrays, names=table.column_names)
