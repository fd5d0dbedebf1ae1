"""Reading contract files: CSV, Parquet and JSON Lines give one table; bad files say where."""

from __future__ import annotations

import csv
import os
import struct
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factories import request_row, write_csv, write_jsonl, write_parquet
from matchgate.errors import ErrorCategory, InputFileError
from matchgate.intake.readers import (
    ADDRESS_COLUMNS,
    MAX_COLUMNS,
    MAX_PARQUET_FOOTER_BYTES,
    MAX_ROW_BYTES,
    REQUEST_COLUMNS,
    TAXPAYER_COLUMNS,
    read_master_addresses,
    read_master_taxpayers,
    read_requests,
    read_requests_bytes,
    read_table,
    read_table_batches,
)

ROWS = [
    request_row(),
    request_row(request_id="REQ-000002", first_name="José", street="  ", dob="1985-02-03"),
    request_row(request_id="REQ-000003", reason='He said "move", then left, twice'),
]


def read_error(path: Path) -> InputFileError:
    """The error reading `path` gives; an upload of the same bytes gives the same one."""
    with pytest.raises(InputFileError) as caught:
        read_requests(path)
    assert caught.value.category is ErrorCategory.BAD_INPUT
    assert str(path) in caught.value.message
    if path.is_file() and os.access(path, os.R_OK):
        with pytest.raises(InputFileError) as uploaded:
            read_requests_bytes(path.read_bytes(), name=str(path))
        assert (uploaded.value.message, uploaded.value.row, uploaded.value.column) == (
            caught.value.message,
            caught.value.row,
            caught.value.column,
        )
    return caught.value


def test_csv_reads_every_column_as_string_in_file_order(tmp_path: Path) -> None:
    table = read_requests(write_csv(tmp_path / "batch.csv", ROWS))
    assert table.column_names == list(REQUEST_COLUMNS)
    assert all(field.type == pa.string() for field in table.schema)
    assert table.column("request_id").to_pylist() == ["REQ-000001", "REQ-000002", "REQ-000003"]
    assert table.column("first_name").to_pylist()[1] == "José"
    assert table.column("street").to_pylist()[1] == "  "  # whitespace is validation's call
    assert table.column("middle_name").to_pylist() == [None, None, None]  # empty cell = missing
    assert table.column("reason").to_pylist()[2] == 'He said "move", then left, twice'


def test_bom_and_crlf_read_like_plain_lf(tmp_path: Path) -> None:
    plain = read_requests(write_csv(tmp_path / "lf.csv", ROWS))
    windows = read_requests(write_csv(tmp_path / "crlf.csv", ROWS, newline="\r\n", bom=True))
    assert windows.equals(plain)
    assert windows.column_names[0] == "request_id"  # the BOM is not part of the first name


def test_quoted_newline_stays_inside_its_cell(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    write_csv(path, [request_row(reason="line one\nline two"), request_row(request_id="R2")])
    table = read_requests(path)
    assert table.num_rows == 2
    assert table.column("reason").to_pylist()[0] == "line one\nline two"


@pytest.mark.parametrize("name", ["batch.csv", "batch.parquet", "batch.jsonl"])
def test_an_upload_reads_like_the_file_it_came_from(tmp_path: Path, name: str) -> None:
    writers = {".csv": write_csv, ".parquet": write_parquet, ".jsonl": write_jsonl}
    path = writers[Path(name).suffix](tmp_path / name, ROWS)
    uploaded = read_requests_bytes(path.read_bytes(), name=name)
    assert uploaded.equals(read_requests(path))


def test_parquet_and_jsonl_give_the_same_table_as_csv(tmp_path: Path) -> None:
    from_csv = read_requests(write_csv(tmp_path / "b.csv", ROWS))
    from_parquet = read_requests(write_parquet(tmp_path / "b.parquet", ROWS))
    from_jsonl = read_requests(write_jsonl(tmp_path / "b.jsonl", ROWS))
    assert from_parquet.equals(from_csv)
    assert from_jsonl.equals(from_csv)


@pytest.mark.parametrize("suffix", [".pq", ".ndjson", ".json-lines", ".CSV"])
def test_other_extensions(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"batch{suffix}"
    if suffix == ".pq":
        write_parquet(path, ROWS)
    elif suffix == ".CSV":
        write_csv(path, ROWS)
    else:
        write_jsonl(path, ROWS)
    assert read_requests(path).num_rows == 3


def test_jsonl_scalars_become_text_like_a_csv_cell(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(
        '{"first_name": "ANA", "last_name": "DIAZ", "street": "1 A ST", "city": "X",'
        ' "state": "TX", "zip": 78701, "tax_periods": "2024", "statute": "8 USC 1326",'
        ' "reason": "r", "tin": 123456789, "dob": "", "flag": true, "score": 1.5}\n'
        "\n"  # a blank line is not a row
        '{"first_name": "BO", "last_name": "LI", "street": null, "city": "Y", "state": "TX",'
        ' "zip": 78701.0, "tax_periods": "2024", "statute": "x", "reason": "r",'
        ' "late_column": "z"}\n',
        encoding="utf-8",
    )
    table = read_requests(path)
    assert table.column("zip").to_pylist() == ["78701", "78701"]
    assert table.column("tin").to_pylist() == ["123456789", None]
    assert table.column("dob").to_pylist() == [None, None]  # "" is missing, like an empty cell
    assert table.column("flag").to_pylist() == ["true", None]
    assert table.column("score").to_pylist() == ["1.5", None]
    assert table.column("late_column").to_pylist() == [None, "z"]


def test_parquet_non_string_columns_are_cast_to_text(tmp_path: Path) -> None:
    path = tmp_path / "addresses.parquet"
    pq.write_table(
        pa.table(
            {
                "tin": ["900700001", "900700001"],
                "tax_year": pa.array([2023, 2024], type=pa.int32()),
                "street": ["1 A ST", ""],
                "city": ["AUSTIN", "AUSTIN"],
                "state": pa.array(["TX", "TX"]).dictionary_encode(),
                "zip": ["78701", None],
                "source": ["RETURN", "W7"],
            }
        ),
        path,
    )
    table = read_master_addresses(path)
    assert table.column_names == list(ADDRESS_COLUMNS)
    assert table.column("tax_year").to_pylist() == ["2023", "2024"]
    assert table.column("street").to_pylist() == ["1 A ST", None]  # "" is missing
    assert table.column("state").to_pylist() == ["TX", "TX"]


def test_extra_columns_are_kept_and_absent_known_columns_added(tmp_path: Path) -> None:
    rows = [{k: v for k, v in request_row(agency_ref="X-1").items() if k != "case_number"}]
    table = read_requests(write_csv(tmp_path / "b.csv", rows))
    assert "agency_ref" in table.column_names
    assert table.column("case_number").to_pylist() == [None]  # R10 per row, not a bad file


def test_master_taxpayers_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "taxpayers.csv"
    path.write_text("tin,tin_type,first_name,last_name\n900700001,ITIN,ANA,DIAZ\n", "utf-8")
    table = read_master_taxpayers(path)
    assert table.column_names == [
        "tin",
        "tin_type",
        "first_name",
        "last_name",
        "middle_name",
        "name_suffix",
        "dob",
    ]
    assert set(table.column_names) == set(TAXPAYER_COLUMNS)


@pytest.mark.parametrize("write", [write_csv, write_parquet], ids=["csv", "parquet"])
def test_a_header_only_file_has_no_data_rows(tmp_path: Path, write: Any) -> None:
    suffix = "csv" if write is write_csv else "parquet"
    error = read_error(write(tmp_path / f"b.{suffix}", []))
    assert error.message.endswith("no data rows: the file has a header but no rows")


@pytest.mark.parametrize("read", [read_master_taxpayers, read_master_addresses])
def test_a_header_only_master_file_has_no_data_rows(tmp_path: Path, read: Any) -> None:
    columns = TAXPAYER_COLUMNS if read is read_master_taxpayers else ADDRESS_COLUMNS
    path = tmp_path / "master.csv"
    path.write_text(",".join(columns) + "\r\n", encoding="utf-8")
    for reader in (read, lambda p: read_table_batches(p, required_columns=columns)):
        with pytest.raises(InputFileError, match="no data rows"):
            reader(path)
    parquet = write_parquet(tmp_path / "master.parquet", [dict.fromkeys(columns)])
    pq.write_table(pq.read_table(parquet).slice(0, 0), parquet)
    with pytest.raises(InputFileError, match="no data rows"):
        read_table_batches(parquet, required_columns=columns)


# --- files that cannot be read: the message names the file, and row/column where it applies


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in read_error(tmp_path / "absent.csv").message


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "batch.csv"
    folder.mkdir()
    assert "is a directory" in read_error(folder).message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", ROWS)
    path.chmod(0)
    try:
        assert "permission denied" in read_error(path).message
    finally:
        path.chmod(0o600)


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "batch.xlsx"
    path.write_bytes(b"PK")
    assert "unknown file type '.xlsx'" in read_error(path).message


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"")
    assert "empty file" in read_error(path).message


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    rows = [{k: v for k, v in request_row().items() if k not in ("statute", "reason")}]
    error = read_error(write_csv(tmp_path / "b.csv", rows))
    assert error.column == "statute"
    assert "column 'statute'" in error.message
    assert "also missing: reason" in error.message


def test_duplicate_header_is_named(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("first_name,last_name,first_name\nA,B,C\n", "utf-8")
    error = read_error(path)
    assert error.column == "first_name"
    assert "twice" in error.message


def test_not_utf8_names_row_column_and_byte_offset(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", ROWS)
    data = path.read_bytes()
    bad = data.replace("José".encode(), "Jos\xe9".encode("latin-1"))  # a Latin-1 export
    path.write_bytes(bad)
    error = read_error(path)
    assert (error.row, error.column) == (2, "first_name")
    assert f"byte offset {bad.index(b'Jos') + 3}" in error.message
    assert "row 2, column 'first_name'" in error.message


def test_ragged_row_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", ROWS)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\n") + ",extra\n"
    path.write_text("".join(lines), "utf-8")
    error = read_error(path)
    assert error.row == 3
    assert f"row has {len(REQUEST_COLUMNS) + 1} fields, the header has {len(REQUEST_COLUMNS)}" in (
        error.message
    )


def test_unbalanced_quote_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", ROWS[:2])
    path.write_text(path.read_text("utf-8") + '"REQ-9,unclosed\n', "utf-8")
    error = read_error(path)
    assert error.row == 3
    assert "unbalanced quotes" in error.message


def test_stray_quote_inside_a_cell_is_named(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    header = ",".join(REQUEST_COLUMNS)
    path.write_text(header + '\n"REQ-1"x' + "," * (len(REQUEST_COLUMNS) - 1) + "\n", "utf-8")
    error = read_error(path)
    assert error.row == 1
    assert "malformed CSV" in error.message


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json}", "is not valid JSON"),
        ("[1, 2]", "is not a JSON object"),
        ('{"first_name": "A", "first_name": "B"}', "appears twice"),
        ('{"first_name": NaN}', "not valid JSON"),
    ],
)
def test_bad_json_line_is_named(tmp_path: Path, line: str, problem: str) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", ROWS[:1])
    path.write_text(path.read_text("utf-8") + "\n" + line + "\n", "utf-8")
    error = read_error(path)
    assert error.row == 2
    assert "line 3" in error.message  # the blank line 2 is not a row
    assert problem in error.message


def test_nested_json_value_names_row_and_column(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", [*ROWS[:1], request_row(aliases=["A B", "C D"])])
    error = read_error(path)
    assert (error.row, error.column) == (2, "aliases")


def test_jsonl_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    data = b'{"first_name": "A"}\n{"first_name": "Jos\xe9"}\n'
    path.write_bytes(data)
    error = read_error(path)
    assert error.row == 2
    offset = data.index(b"\xe9")
    assert f"byte offset {offset}" in error.message


def test_empty_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text("\n\n", "utf-8")
    assert "empty file" in read_error(path).message


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    path.write_bytes(b"first_name,last_name\nA,B\n")
    assert "not a readable Parquet file" in read_error(path).message


def test_truncated_parquet(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "b.parquet", ROWS)
    path.write_bytes(path.read_bytes()[:-20])
    assert "not a readable Parquet file" in read_error(path).message


def test_parquet_nested_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    table = pa.table({n: [v] for n, v in request_row().items() if v is not None})
    pq.write_table(table.append_column("aliases", pa.array([["A B"]])), path)
    assert read_error(path).column == "aliases"


def test_read_table_required_columns_are_the_callers(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,\n", "utf-8")
    table = read_table(path, required_columns=["a"], known_columns=["a", "c"])
    assert table.column_names == ["a", "b", "c"]
    assert table.to_pylist() == [{"a": "1", "b": None, "c": None}]
    with pytest.raises(InputFileError, match="column 'z'"):
        read_table(path, required_columns=["z"])


def test_path_through_a_file_cannot_be_read(tmp_path: Path) -> None:
    parent = write_csv(tmp_path / "b.csv", ROWS)
    assert "cannot be read" in read_error(parent / "inner.csv").message


def test_row08_a_jsonl_line_nested_too_deep_is_named_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"request_id": "R1"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    error = read_error(path)
    assert (error.row, "nested too deeply" in error.message) == (2, True)


# --- issue row 12: limits are checked before the work they bound


def test_row12_a_million_column_header_is_refused_before_the_csv_parser_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{n}" for n in range(1_000_000))
    path.write_text(header + "\n" + "," * 999_999 + "\n", encoding="utf-8")

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the CSV parser ran before the limit was checked")

    monkeypatch.setattr(csv, "reader", no_parsing)
    error = read_error(path)
    assert "header row longer than the limit" in error.message


def test_row12_too_many_columns_are_refused(tmp_path: Path) -> None:
    names = [f"c{n}" for n in range(MAX_COLUMNS + 1)]
    for suffix, write in (("csv", write_csv), ("jsonl", write_jsonl), ("parquet", write_parquet)):
        path = write(tmp_path / f"wide.{suffix}", [request_row(**dict.fromkeys(names, "x"))])
        assert f"more than the limit of {MAX_COLUMNS:,}" in read_error(path).message


def test_row12_jsonl_rows_that_add_columns_past_the_limit_are_refused(tmp_path: Path) -> None:
    rows = [{"request_id": f"R{n}", f"extra_{n}": "x"} for n in range(MAX_COLUMNS)]
    error = read_error(write_jsonl(tmp_path / "b.jsonl", rows))
    assert "more than the limit" in error.message and error.row == MAX_COLUMNS


def test_row12_a_jsonl_row_past_the_size_limit_is_refused_unparsed(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", [request_row(reason="x" * MAX_ROW_BYTES)])
    error = read_error(path)
    assert (error.row, "longer than the limit" in error.message) == (1, True)


def test_row12_parquet_metadata_past_the_limit_is_refused_before_it_is_decoded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "b.parquet"
    footer = MAX_PARQUET_FOOTER_BYTES + 1
    path.write_bytes(b"PAR1" + b"\0" * 64 + struct.pack("<I", footer) + b"PAR1")
    assert "Parquet metadata of" in read_error(path).message
    with pytest.raises(InputFileError, match="Parquet metadata of"):
        read_table_batches(path, required_columns=())
