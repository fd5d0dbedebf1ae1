"""Loading a master-file vintage on Spark: the same tables as `master/load.py`, as Parquet.

In: the custodian's `taxpayers` and `addresses` files (FORMATS.md §1) and a
Spark session. Out: `master-spark/` in the workspace, one Parquet folder per
table (`taxpayers`, `address_rows`, `lka`, `records`, `tf_given`,
`tf_surname`, `vintage`), with the columns, ids and rules of the DuckDB
master file, so that both engines match against the same records.

The files are read and checked on the driver, batch by batch, by the same
readers and checks as the DuckDB load (`intake.readers`, `master.validate`),
and staged as Parquet in the workspace with each row's number in its file;
everything after that (the whole-file checks, standardising each distinct
value once with `mapInArrow`, the last known addresses, the records, term
frequencies) runs on the executors. On a cluster the workspace must be on a
file system every executor reads (HDFS, a shared mount). The new vintage is
written beside the old one and renamed into place, so a failed load leaves
the previous vintage untouched.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession

from matchgate.errors import InputFileError
from matchgate.files import private_folder, private_umask
from matchgate.intake.readers import (
    ADDRESS_COLUMNS,
    ADDRESS_REQUIRED_COLUMNS,
    TAXPAYER_COLUMNS,
    TAXPAYER_REQUIRED_COLUMNS,
    read_table_batches,
)
from matchgate.master.summary import MasterSummary
from matchgate.master.validate import validate_address_rows, validate_taxpayer_rows
from matchgate.master.vintage import LKA_SOURCES, file_sha256, vintage_id_for
from matchgate.match.spark.standardise import std_names, std_small, std_streets
from matchgate.progress import Progress
from matchgate.standardise.records import NAME_COLUMNS, STREET_COLUMNS

#: Rows per batch read and checked on the driver.
BATCH_ROWS = 500_000

TABLES = ("taxpayers", "address_rows", "lka", "records", "tf_given", "tf_surname", "vintage")

_FILED = {"city": "city_filed", "state": "state_filed"}

_STREET_KEY = (
    "house_number, number_suffix, predir, street_name, street_type, postdir, unit, "
    "zip5, city, state"
)


def master_folder(home: Path) -> Path:
    """Where the Spark engine keeps a workspace's master file."""
    return home / "master-spark"


def _stage(
    path: Path,
    target: Path,
    *,
    required: tuple[str, ...],
    known: tuple[str, ...],
    check: Callable[..., None],
    progress: Progress,
    description: str,
) -> int:
    """The file's rows, checked, numbered (`row_no`, 1 first) and written to `target`."""
    total, batches = read_table_batches(
        path, required_columns=required, known_columns=known, batch_rows=BATCH_ROWS
    )
    rows = 0
    writer: pq.ParquetWriter | None = None
    schema = pa.schema([*(pa.field(c, pa.string()) for c in known), ("row_no", pa.int64())])
    try:
        with progress.task(description, total=total) as task:
            for batch in batches:
                check(batch, path, first_row=rows + 1)
                columns = {
                    c: batch.column(c) if c in batch.column_names else pa.nulls(batch.num_rows)
                    for c in known
                }
                row_no = pa.array(range(rows + 1, rows + 1 + batch.num_rows), pa.int64())
                table = pa.table({**columns, "row_no": row_no}).cast(schema)
                writer = writer or pq.ParquetWriter(target, schema)
                writer.write_table(table)
                rows += batch.num_rows
                task.advance(batch.num_rows)
        if writer is None:
            pq.write_table(schema.empty_table(), target)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _first_row(spark: SparkSession, sql: str) -> int | None:
    row = spark.sql(sql).first()
    return None if row is None or row[0] is None else int(row[0])


def _check_files(spark: SparkSession, taxpayers: Path, addresses: Path) -> None:
    """The whole-file checks of `master/staging.py`, with the same rows reported."""
    second = _first_row(
        spark,
        """
        SELECT row_no FROM (
            SELECT row_no,
                   row_number() OVER (PARTITION BY tin ORDER BY row_no) AS occurrence,
                   min(row_no) OVER (PARTITION BY tin) AS first_row_no
            FROM raw_taxpayers
        ) WHERE occurrence = 2 ORDER BY first_row_no LIMIT 1
        """,
    )
    if second is not None:
        raise InputFileError(taxpayers, "TIN appears more than once", row=second, column="tin")
    unknown = _first_row(
        spark,
        "SELECT min(a.row_no) FROM raw_addresses a LEFT ANTI JOIN raw_taxpayers t ON a.tin = t.tin",
    )
    if unknown is not None:
        raise InputFileError(
            addresses, "TIN not found in the taxpayers file", row=unknown, column="tin"
        )


def _build(spark: SparkSession) -> dict[str, DataFrame]:
    """The master tables from the staged rows and the standardised lookups (as on DuckDB)."""
    raw_taxpayers = spark.table("raw_taxpayers")
    raw_addresses = spark.table("raw_addresses")
    std_names(raw_taxpayers).createOrReplaceTempView("std_names")
    std_streets(raw_addresses).createOrReplaceTempView("std_streets")
    std_small(raw_addresses, "zip").createOrReplaceTempView("std_zips")
    std_small(raw_addresses, "city").createOrReplaceTempView("std_cities")
    std_small(raw_addresses, "state").createOrReplaceTempView("std_states")
    std_small(raw_taxpayers, "dob").createOrReplaceTempView("std_dobs")
    person = ", ".join("d.std AS dob" if c == "dob" else f"t.{c}" for c in TAXPAYER_COLUMNS)
    names = ", ".join(f"n.{c}" for c in NAME_COLUMNS)
    taxpayers = spark.sql(
        f"""
        SELECT {person}, {names}
        FROM raw_taxpayers t
        JOIN std_names n ON n.row_no = t.row_no
        LEFT JOIN std_dobs d ON d.raw = t.dob
        """
    )
    as_filed = ", ".join(
        f"a.{c} AS {_FILED.get(c, c)}" for c in (*ADDRESS_COLUMNS, "row_no") if c != "tax_year"
    )
    streets = ", ".join(f"s.{c}" for c in STREET_COLUMNS)
    address_rows = spark.sql(
        f"""
        SELECT {as_filed}, {streets},
               z.std AS zip5, c.std AS city, st.std AS state,
               CAST(a.tax_year AS INT) AS tax_year
        FROM raw_addresses a
        JOIN std_streets s ON s.street = coalesce(a.street, '')
        LEFT JOIN std_zips z ON z.raw = a.zip
        LEFT JOIN std_cities c ON c.raw = a.city
        LEFT JOIN std_states st ON st.raw = a.state
        """
    )
    return {"taxpayers": taxpayers, "address_rows": address_rows}


def _derived(spark: SparkSession) -> dict[str, DataFrame]:
    """`lka`, `records` and the term frequencies, from the written taxpayers and rows."""
    sources = ", ".join(f"'{s}'" for s in LKA_SOURCES)
    lka = spark.sql(
        f"""
        SELECT a.* FROM address_rows a
        LEFT SEMI JOIN (
            SELECT max_by(
                row_no,
                (CAST(tax_year AS BIGINT) * 2
                    + CAST(source = 'CHANGE_OF_ADDRESS' AS BIGINT)) * 1099511627776 + row_no
            ) AS row_no
            FROM address_rows WHERE source IN ({sources}) GROUP BY tin
        ) w ON a.row_no = w.row_no
        """
    )
    records = spark.sql(
        f"""
        WITH distinct_addresses AS (
            SELECT tin, {_STREET_KEY},
                   min(row_no) AS first_row_no,
                   sort_array(collect_set(tax_year)) AS tax_years
            FROM address_rows
            GROUP BY tin, {_STREET_KEY}
        )
        SELECT
            concat('m', CAST(d.first_row_no AS STRING)) AS uid,
            d.tin, t.given, t.given_keys, t.middle, t.surname, t.surname_compact,
            t.surname_tokens, t.suffix, t.dob,
            d.house_number, d.number_suffix, d.predir, d.street_name, d.street_type,
            d.postdir, d.unit, d.zip5, d.city, d.state, d.first_row_no, d.tax_years
        FROM distinct_addresses d JOIN taxpayers t ON t.tin = d.tin
        """
    )
    tables = {"lka": lka, "records": records}
    for column in ("given", "surname"):
        tables[f"tf_{column}"] = spark.sql(
            f"""
            SELECT {column}, CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () AS tf_{column}
            FROM taxpayers WHERE {column} IS NOT NULL GROUP BY {column}
            """
        )
    return tables


def load_master_on_spark(
    spark: SparkSession,
    taxpayers_path: Path,
    addresses_path: Path,
    *,
    home: Path,
    scratch: Path,
    progress: Progress,
) -> MasterSummary:
    """Standardise both master tables once and store them as Parquet in the workspace."""
    started = time.perf_counter()
    target = master_folder(home)
    partial = target.with_name(target.name + ".partial")
    staged = scratch / "staged"
    with private_umask():
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(staged, ignore_errors=True)
        private_folder(staged)
        private_folder(partial)
        try:
            taxpayer_count = _stage(
                taxpayers_path, staged / "taxpayers.parquet", required=TAXPAYER_REQUIRED_COLUMNS,
                known=TAXPAYER_COLUMNS, check=validate_taxpayer_rows, progress=progress,
                description="Reading taxpayers",
            )  # fmt: skip
            address_count = _stage(
                addresses_path, staged / "addresses.parquet", required=ADDRESS_REQUIRED_COLUMNS,
                known=ADDRESS_COLUMNS, check=validate_address_rows, progress=progress,
                description="Reading addresses",
            )  # fmt: skip
            for name, file in (("raw_taxpayers", "taxpayers"), ("raw_addresses", "addresses")):
                spark.read.parquet(str(staged / f"{file}.parquet")).createOrReplaceTempView(name)
            _check_files(spark, taxpayers_path, addresses_path)
            with progress.task("Building master tables (Spark)", total=len(TABLES)) as task:
                for name, frame in _build(spark).items():
                    _write(frame, partial / name)
                    spark.read.parquet(str(partial / name)).createOrReplaceTempView(name)
                    task.advance()
                for name, frame in _derived(spark).items():
                    _write(frame, partial / name)
                    task.advance()
                # Row counts from the Parquet footers: no Spark job for them.
                counts = {
                    "records": _rows(partial / "records"),
                    "lka": _rows(partial / "lka"),
                    "unusable": spark.sql(
                        "SELECT 1 FROM address_rows WHERE street_kind <> 'STREET'"
                    ).count(),
                }
                taxpayers_sha = file_sha256(taxpayers_path)
                addresses_sha = file_sha256(addresses_path)
                vintage_id = vintage_id_for(taxpayers_sha, addresses_sha)
                _write_vintage(
                    partial / "vintage",
                    {
                        "vintage_id": vintage_id,
                        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "taxpayers_sha256": taxpayers_sha,
                        "addresses_sha256": addresses_sha,
                        "taxpayer_count": taxpayer_count,
                        "address_row_count": address_count,
                        "record_count": counts["records"],
                    },
                )
                task.advance()
            for view in ("raw_taxpayers", "raw_addresses", *TABLES):
                spark.catalog.dropTempView(view)
            _replace(partial, target)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    return MasterSummary(
        vintage_id=vintage_id,
        taxpayers=taxpayer_count,
        address_rows=address_count,
        records=counts["records"],
        taxpayers_with_lka=counts["lka"],
        unusable_address_rows=counts["unusable"],
        seconds=time.perf_counter() - started,
    )


def _write(frame: DataFrame, folder: Path) -> None:
    frame.write.mode("overwrite").parquet(str(folder))


def _rows(folder: Path) -> int:
    return sum(pq.ParquetFile(part).metadata.num_rows for part in folder.glob("*.parquet"))


def _write_vintage(folder: Path, vintage: dict[str, object]) -> None:
    private_folder(folder)
    pq.write_table(pa.Table.from_pylist([vintage]), folder / "part-0.parquet")


def _replace(partial: Path, target: Path) -> None:
    """Put the new vintage in place of the old one (removed once the new one is there)."""
    previous = target.with_name(target.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    partial.rename(target)
    shutil.rmtree(previous, ignore_errors=True)


def read_vintage(home: Path) -> dict[str, object] | None:
    """The loaded vintage's record (None when no Spark master file is loaded)."""
    folder = master_folder(home) / "vintage"
    if not folder.is_dir():
        return None
    rows = pq.read_table(folder).to_pylist()
    return rows[0] if rows else None
