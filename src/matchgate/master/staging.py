"""Master load: reading both master files into a scratch DuckDB database, in batches.

In: the taxpayers and addresses files (FORMATS.md §1, CSV, Parquet or JSON
Lines) and a DuckDB connection to the load's scratch database. Out: tables
`raw_taxpayers` and `raw_addresses` (in the connection's current catalog:
the load puts them in a scratch database file, compressed) holding every
row as filed (string columns, as `intake.readers` reads them) plus `row_no`,
the row's number in its file (1 for the first data row).

Parquet is streamed batch by batch, so a national file is never held in
Python; each batch's rows are checked as it arrives (`master.validate`), and
the checks that need a whole file (a TIN given twice, an address row whose
TIN is not in the taxpayers file) run in SQL once both are in. Every check
failure is an `InputFileError` naming the file, the first bad row and the
column.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from matchgate.errors import InputFileError
from matchgate.intake.readers import (
    ADDRESS_COLUMNS,
    ADDRESS_REQUIRED_COLUMNS,
    TAXPAYER_COLUMNS,
    TAXPAYER_REQUIRED_COLUMNS,
    read_table_batches,
)
from matchgate.master.validate import validate_address_rows, validate_taxpayer_rows
from matchgate.progress import Progress, Task

#: Rows per batch read from a file: bounds the load's memory in Python.
BATCH_ROWS = 500_000

RowCheck = Callable[[pa.Table, Path], None]


def _stage(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    *,
    required: Sequence[str],
    known: Sequence[str],
    check: Callable[..., None],
    progress: Progress,
    description: str,
) -> int:
    """Stream a file into `table` with one CREATE TABLE AS: checked, numbered, compressed.

    The batches reach DuckDB as one Arrow stream, so the table is written
    straight to its (compressed) storage instead of row group by row group
    through the write-ahead log, and Python never holds more than a batch.
    An error found in a batch ends the stream; it is raised once DuckDB has
    let go of it, as itself (DuckDB would otherwise wrap it in its own).
    """
    total, batches = read_table_batches(
        path, required_columns=required, known_columns=known, batch_rows=BATCH_ROWS
    )
    first = next(batches)
    rows = 0
    problem: list[InputFileError] = []

    def numbered(task: Task) -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for batch in itertools.chain([first], batches):
            try:
                check(batch, path, first_row=rows + 1)
            except InputFileError as error:
                problem.append(error)
                return
            row_no = pa.array(range(rows + 1, rows + 1 + batch.num_rows), pa.int64())
            rows += batch.num_rows
            task.advance(batch.num_rows)
            yield from batch.append_column("row_no", row_no).to_batches()

    schema = first.schema.append(pa.field("row_no", pa.int64()))
    with progress.task(description, total=total) as task:
        stream = pa.RecordBatchReader.from_batches(schema, numbered(task))
        con.register("staging_stream", stream)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM staging_stream")
        finally:
            con.unregister("staging_stream")
    if problem:
        raise problem[0]
    return rows


def stage_master_files(
    con: duckdb.DuckDBPyConnection,
    taxpayers_path: Path,
    addresses_path: Path,
    progress: Progress,
) -> tuple[int, int]:
    """Read and check both files into `raw_taxpayers` and `raw_addresses`; their row counts."""
    taxpayers = _stage(
        con, taxpayers_path, "raw_taxpayers", required=TAXPAYER_REQUIRED_COLUMNS,
        known=TAXPAYER_COLUMNS, check=validate_taxpayer_rows, progress=progress,
        description="Reading taxpayers",
    )  # fmt: skip
    _check_unique_tins(con, taxpayers_path)
    addresses = _stage(
        con, addresses_path, "raw_addresses", required=ADDRESS_REQUIRED_COLUMNS,
        known=ADDRESS_COLUMNS, check=validate_address_rows, progress=progress,
        description="Reading addresses",
    )  # fmt: skip
    _check_known_tins(con, addresses_path)
    return taxpayers, addresses


def _first_row(con: duckdb.DuckDBPyConnection, sql: str) -> int | None:
    rows = con.execute(sql).fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def _check_unique_tins(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    # The row reported is the second occurrence of the TIN repeated first.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated_tins AS "
        "SELECT tin FROM raw_taxpayers GROUP BY tin HAVING count(*) > 1"
    )
    second = _first_row(
        con,
        """
        SELECT row_no FROM (
            SELECT row_no,
                   row_number() OVER (PARTITION BY tin ORDER BY row_no) AS occurrence,
                   min(row_no) OVER (PARTITION BY tin) AS first_row_no
            FROM raw_taxpayers WHERE tin IN (SELECT tin FROM repeated_tins)
        ) WHERE occurrence = 2 ORDER BY first_row_no LIMIT 1
        """,
    )
    con.execute("DROP TABLE repeated_tins")
    if second is not None:
        raise InputFileError(path, "TIN appears more than once", row=second, column="tin")


def _check_known_tins(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    unknown = _first_row(
        con,
        """
        SELECT min(a.row_no) FROM raw_addresses a
        LEFT JOIN raw_taxpayers t ON a.tin = t.tin
        WHERE t.tin IS NULL
        """,
    )
    if unknown is not None:
        raise InputFileError(path, "TIN not found in the taxpayers file", row=unknown, column="tin")
