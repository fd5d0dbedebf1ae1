"""Loading a master-file vintage into the workspace (`matchgate master load`).

In: the custodian's `taxpayers` and `addresses` files (FORMATS.md §1). Out:
`master.duckdb` in the workspace with the standardised tables every batch
reuses:

- `taxpayers`: one row per TIN with standardised name columns;
- `address_rows`: every address row as filed, plus its parsed street parts;
- `lka`: each taxpayer's last known address (26 CFR 301.6212-2 as FORMATS.md
  §1 states it: the RETURN or CHANGE_OF_ADDRESS row with the greatest tax
  year; CHANGE_OF_ADDRESS wins a tie; then the later row in the file);
- `records`: the match unit, one row per taxpayer per distinct standardised
  address, carrying the comparison columns and whether it is the LKA;
- `tf_given`, `tf_surname`: term frequencies for Splink;
- `vintage`: the vintage id (a hash of both input files) and counts.

The work happens in a scratch folder inside the workspace: both files are
read in batches into a scratch DuckDB database (staging.py), each distinct
name and address is standardised once (distinct.py: a vectorised fast path
for the common street forms, the parser in worker processes for the rest),
and the results are joined back into the new master file. DuckDB runs with
a memory limit and spills to the scratch folder, so a national file never
has to fit in memory. The new file is built beside the old one and renamed
into place, so a failed load leaves the previous vintage untouched.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from matchgate.files import private_folder, private_umask
from matchgate.master.distinct import (
    SCRATCH_TABLES,
    name_columns_sql,
    standardise_names,
    standardise_small_columns,
    standardise_streets,
)
from matchgate.master.staging import stage_master_files
from matchgate.master.storage import attach
from matchgate.master.summary import MasterSummary as MasterSummary
from matchgate.master.vintage import LKA_SOURCES, file_sha256, vintage_id_for
from matchgate.match.limits import EngineLimits, abandoned_scratch, configure, remove
from matchgate.progress import NullProgress, Progress, Task
from matchgate.standardise.records import STREET_COLUMNS
from matchgate.workspace import Workspace

#: Sources that may set the last known address (FORMATS.md §1).

_FILED = {"city": "city_filed", "state": "state_filed"}

_SCRATCH_PREFIX = ".master-load-"

_STREET_KEY = (
    "house_number, number_suffix, predir, street_name, street_type, postdir, unit, "
    "zip5, city, state"
)


@private_umask()
def load_master(
    taxpayers_path: Path,
    addresses_path: Path,
    workspace: Workspace,
    *,
    progress: Progress | None = None,
    processes: int | None = None,
    memory_limit: str | None = None,
) -> MasterSummary:
    """Standardise both master tables once and store them in the workspace.

    Both files are read in batches into a scratch DuckDB database (in memory
    up to `memory_limit`, e.g. "4GB", default `limits.default_memory_limit()`, and
    spilled to a scratch folder in the workspace beyond it), each distinct
    address and name is standardised once (the fast path for the common
    street forms, the parser in `processes` worker processes for the rest),
    and the results are joined back into the master tables.
    """
    limits = EngineLimits.of(memory_limit)
    progress = progress or NullProgress()
    processes = processes or min(4, os.cpu_count() or 1)
    started = time.perf_counter()
    workspace.ensure()
    target = workspace.master_db
    partial = target.with_name(target.name + ".partial")
    scratch = workspace.home / f"{_SCRATCH_PREFIX}{os.getpid()}"
    remove(partial, scratch, *abandoned_scratch(workspace.home, _SCRATCH_PREFIX))
    # The scratch folder holds the files as filed and DuckDB's spill: 0700,
    # and everything DuckDB creates in it or beside the master file is 0600.
    private_folder(scratch)
    try:
        # The files as filed go to a scratch database file (compressed: a
        # national address file is tens of GB uncompressed); the lookup tables
        # built from them live in memory up to the limit and spill beyond it.
        con = duckdb.connect()
        try:
            configure(con, limits, scratch / "spill")
            con.execute("SET preserve_insertion_order = false")
            # The scratch copy holds the files as filed: encrypted like the master.
            attach(con, scratch / "filed.duckdb", "filed", key=workspace.key,
                   policy=workspace.policy)  # fmt: skip
            con.execute("USE filed")
            taxpayer_count, address_count = stage_master_files(
                con, taxpayers_path, addresses_path, progress
            )
            con.execute("USE memory")
            for table in ("raw_taxpayers", "raw_addresses"):
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM filed.{table}")
            standardise_names(con, progress, processes)
            standardise_streets(con, progress, processes)
            standardise_small_columns(con)
            taxpayers_sha = file_sha256(taxpayers_path)
            addresses_sha = file_sha256(addresses_path)
            vintage_id = vintage_id_for(taxpayers_sha, addresses_sha)
            # The master tables are read by key, never in table order: no
            # sort of the national file is needed to build them.
            with progress.task("Building master tables", total=5) as task:
                attach(con, partial, "master_out", key=workspace.key, policy=workspace.policy)
                _join_back(con, task)
                _drop_scratch(con)
                con.execute("USE master_out")
                counts = _build_tables(con, task)
                con.execute(
                    "CREATE TABLE vintage AS SELECT ? AS vintage_id, ? AS loaded_at, "
                    "? AS taxpayers_sha256, ? AS addresses_sha256, "
                    "? AS taxpayer_count, ? AS address_row_count, ? AS record_count",
                    [
                        vintage_id,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                        taxpayers_sha,
                        addresses_sha,
                        taxpayer_count,
                        address_count,
                        counts["records"],
                    ],
                )
                con.execute("CHECKPOINT master_out")
                task.advance()
        finally:
            con.close()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        remove(scratch)

    return MasterSummary(
        vintage_id=vintage_id,
        taxpayers=taxpayer_count,
        address_rows=address_count,
        records=counts["records"],
        taxpayers_with_lka=counts["lka"],
        unusable_address_rows=counts["unusable"],
        seconds=time.perf_counter() - started,
    )


def _drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Free the scratch tables' memory before the master tables are built from each other."""
    for view in ("raw_taxpayers", "raw_addresses"):
        con.execute(f"DROP VIEW memory.main.{view}")
    for table in SCRATCH_TABLES:
        con.execute(f"DROP TABLE memory.main.{table}")
    con.execute("DETACH filed")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [str(row[0]) for row in con.execute(f"DESCRIBE {table}").fetchall()]


def _join_back(con: duckdb.DuckDBPyConnection, task: Task) -> None:
    """`taxpayers` and `address_rows` in the new master: raw rows + standardised columns.

    Column order is the file's, then the standardised columns; TIN and DOB are
    replaced in place by their standard forms (a TIN that passed the checks
    is already its own standard form: 9 digits, nothing around them).
    """
    raw = [c for c in _columns(con, "raw_taxpayers") if c != "row_no"]
    person = ", ".join("d.std AS dob" if c == "dob" else f"t.{c}" for c in raw)
    names, name_joins = name_columns_sql("t")
    con.execute(
        f"""
        CREATE TABLE master_out.taxpayers AS
        SELECT {person}, {names}
        FROM raw_taxpayers t
        {name_joins}
        LEFT JOIN std_dobs d ON d.raw = t.dob
        """
    )
    task.advance()
    filed = [c for c in _columns(con, "raw_addresses") if c != "tax_year"]
    as_filed = ", ".join(f"a.{c} AS {_FILED.get(c, c)}" for c in filed)
    streets = ", ".join(f"s.{c}" for c in STREET_COLUMNS)
    con.execute(
        f"""
        CREATE TABLE master_out.address_rows AS
        SELECT {as_filed}, {streets},
               z.std AS zip5, c.std AS city, st.std AS state,
               CAST(a.tax_year AS INTEGER) AS tax_year
        FROM raw_addresses a
        JOIN std_streets s ON s.street = coalesce(a.street, '')
        LEFT JOIN std_zips z ON z.raw = a.zip
        LEFT JOIN std_cities c ON c.raw = a.city
        LEFT JOIN std_states st ON st.raw = a.state
        """
    )
    task.advance()


def _build_tables(con: duckdb.DuckDBPyConnection, task: Task) -> dict[str, int]:
    advance = task.advance
    sources = ", ".join(f"'{s}'" for s in LKA_SOURCES)
    # One row per taxpayer: the greatest (tax year, CHANGE_OF_ADDRESS first,
    # later row) wins. An aggregate over one packed key, not a sort of the
    # national file: row_no < 2**40, so the key orders exactly as the rule.
    con.execute(
        f"""
        CREATE TABLE lka AS
        SELECT a.* FROM address_rows a
        WHERE a.row_no IN (
            SELECT arg_max(
                row_no,
                (tax_year * 2 + (source = 'CHANGE_OF_ADDRESS')::INTEGER)::BIGINT
                    * 1099511627776 + row_no
            )
            FROM address_rows
            WHERE source IN ({sources})
            GROUP BY tin
        )
        """
    )
    advance()
    # A record's id is its first row's number in the file: unique (each row is
    # in one record), the same for the same files, and no sort of the
    # national file is needed to number the records.
    con.execute(
        f"""
        CREATE TABLE records AS
        WITH address_years AS (
            SELECT tin, {_STREET_KEY}, tax_year, min(row_no) AS first_row_no
            FROM address_rows
            GROUP BY tin, {_STREET_KEY}, tax_year
        ),
        distinct_addresses AS (
            -- Each year is once per address here: a plain list, not list(DISTINCT),
            -- which DuckDB aggregates far more slowly.
            SELECT tin, {_STREET_KEY},
                   min(first_row_no) AS first_row_no,
                   list_sort(list(tax_year)) AS tax_years
            FROM address_years
            GROUP BY tin, {_STREET_KEY}
        )
        SELECT
            'm' || CAST(d.first_row_no AS VARCHAR) AS uid,
            d.tin, t.given, t.given_keys, t.middle, t.surname, t.surname_compact,
            t.surname_tokens, t.suffix, t.dob,
            d.house_number, d.number_suffix, d.predir, d.street_name, d.street_type,
            d.postdir, d.unit, d.zip5, d.city, d.state, d.first_row_no, d.tax_years
        FROM distinct_addresses d JOIN taxpayers t USING (tin)
        """
    )
    for column in ("given", "surname"):
        con.execute(
            f"""
            CREATE TABLE tf_{column} AS
            SELECT {column}, count(*)::DOUBLE / sum(count(*)) OVER () AS tf_{column}
            FROM taxpayers WHERE {column} IS NOT NULL GROUP BY {column}
            """
        )
    advance()
    counts = {}
    for name, sql in {
        "records": "SELECT count(*) FROM records",
        "lka": "SELECT count(*) FROM lka",
        "unusable": "SELECT count(*) FROM address_rows WHERE street_kind <> 'STREET'",
    }.items():
        row = con.execute(sql).fetchall()[0]
        counts[name] = int(row[0]) if row else 0
    return counts
