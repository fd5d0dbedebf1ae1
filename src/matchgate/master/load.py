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

The new file is built beside the old one and renamed into place, so a failed
load leaves the previous vintage untouched.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from matchgate.intake.readers import read_master_addresses, read_master_taxpayers
from matchgate.master.summary import MasterSummary as MasterSummary
from matchgate.master.validate import validate_addresses, validate_taxpayers
from matchgate.progress import NullProgress, Progress, Task
from matchgate.standardise.records import (
    standardise_addresses,
    standardise_identifiers,
    standardise_names,
    with_columns,
)
from matchgate.workspace import Workspace

#: Sources that may set the last known address (FORMATS.md §1).
LKA_SOURCES = ("RETURN", "CHANGE_OF_ADDRESS")

_FILED = {"city": "city_filed", "state": "state_filed"}

_STREET_KEY = (
    "house_number, number_suffix, predir, street_name, street_type, postdir, unit, "
    "zip5, city, state"
)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def standardiser_fingerprint() -> str:
    """A hash of the standardisation code and data shipped with matchgate.

    A vintage is the master file *as standardised*: if the rules change, the
    same files make a different vintage, so a decision's vintage id always
    names exactly the records it was matched against.
    """
    digest = hashlib.sha256()
    package = resources.files("matchgate")
    for folder in ("standardise", "data"):
        for entry in sorted(package.joinpath(folder).iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".py", ".csv")):
                digest.update(entry.name.encode())
                digest.update(entry.read_bytes())
    return digest.hexdigest()


def vintage_id_for(taxpayers_sha: str, addresses_sha: str) -> str:
    """A vintage is named by its content: the same files and rules give the same id."""
    material = f"{taxpayers_sha}:{addresses_sha}:{standardiser_fingerprint()}"
    return f"V-{hashlib.sha256(material.encode()).hexdigest()[:16]}"


def load_master(
    taxpayers_path: Path,
    addresses_path: Path,
    workspace: Workspace,
    *,
    progress: Progress | None = None,
    processes: int | None = None,
) -> MasterSummary:
    """Standardise both master tables once and store them in the workspace."""
    progress = progress or NullProgress()
    processes = processes or min(4, os.cpu_count() or 1)
    started = time.perf_counter()

    with progress.task("Reading master file", total=2) as task:
        taxpayers = read_master_taxpayers(taxpayers_path)
        task.advance()
        addresses = read_master_addresses(addresses_path)
        task.advance()
    validate_taxpayers(taxpayers, taxpayers_path)
    validate_addresses(addresses, addresses_path, taxpayers)

    with progress.task("Standardising names", total=taxpayers.num_rows) as task:
        taxpayers = with_columns(taxpayers, standardise_names(taxpayers))
        taxpayers = with_columns(taxpayers, standardise_identifiers(taxpayers))
        task.advance(taxpayers.num_rows)
    with progress.task("Standardising addresses", total=addresses.num_rows) as task:
        addresses = addresses.append_column(
            "row_no", pa.array(range(1, addresses.num_rows + 1), pa.int64())
        )
        standard = standardise_addresses(addresses, processes=processes)
        # Keep the address as filed: the LKA is disclosed as the custodian holds it.
        addresses = addresses.rename_columns(
            [_FILED.get(name, name) for name in addresses.column_names]
        )
        addresses = with_columns(addresses, standard)
        task.advance(addresses.num_rows)

    taxpayers_sha = file_sha256(taxpayers_path)
    addresses_sha = file_sha256(addresses_path)
    vintage_id = vintage_id_for(taxpayers_sha, addresses_sha)

    workspace.ensure()
    target = workspace.master_db
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with progress.task("Building master tables", total=4) as task:
        con = duckdb.connect(str(partial))
        try:
            counts = _build_tables(con, taxpayers, addresses, task)
            con.execute(
                "CREATE TABLE vintage AS SELECT ? AS vintage_id, ? AS loaded_at, "
                "? AS taxpayers_sha256, ? AS addresses_sha256, "
                "? AS taxpayer_count, ? AS address_row_count, ? AS record_count",
                [
                    vintage_id,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    taxpayers_sha,
                    addresses_sha,
                    taxpayers.num_rows,
                    addresses.num_rows,
                    counts["records"],
                ],
            )
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            partial.unlink(missing_ok=True)
            raise
        con.close()
        os.replace(partial, target)
        task.advance()

    return MasterSummary(
        vintage_id=vintage_id,
        taxpayers=taxpayers.num_rows,
        address_rows=addresses.num_rows,
        records=counts["records"],
        taxpayers_with_lka=counts["lka"],
        unusable_address_rows=counts["unusable"],
        seconds=time.perf_counter() - started,
    )


def _build_tables(
    con: duckdb.DuckDBPyConnection, taxpayers: pa.Table, addresses: pa.Table, task: Task
) -> dict[str, int]:
    advance = task.advance
    con.register("taxpayers_in", taxpayers)
    con.register("addresses_in", addresses)
    con.execute("CREATE TABLE taxpayers AS SELECT * FROM taxpayers_in ORDER BY tin")
    con.execute(
        "CREATE TABLE address_rows AS SELECT * EXCLUDE (tax_year), "
        "CAST(tax_year AS INTEGER) AS tax_year FROM addresses_in ORDER BY row_no"
    )
    advance()
    sources = ", ".join(f"'{s}'" for s in LKA_SOURCES)
    con.execute(
        f"""
        CREATE TABLE lka AS
        SELECT * EXCLUDE (rn) FROM (
            SELECT a.*, row_number() OVER (
                PARTITION BY tin
                ORDER BY tax_year DESC,
                         (source = 'CHANGE_OF_ADDRESS') DESC,
                         row_no DESC
            ) AS rn
            FROM address_rows a
            WHERE source IN ({sources})
        ) WHERE rn = 1
        """
    )
    advance()
    con.execute(
        f"""
        CREATE TABLE records AS
        WITH distinct_addresses AS (
            SELECT tin, {_STREET_KEY},
                   min(row_no) AS first_row_no,
                   list(DISTINCT tax_year ORDER BY tax_year) AS tax_years
            FROM address_rows
            GROUP BY tin, {_STREET_KEY}
        )
        SELECT
            'm' || CAST(row_number() OVER (ORDER BY d.tin, d.first_row_no) AS VARCHAR) AS uid,
            d.tin, t.given, t.given_keys, t.middle, t.surname, t.surname_compact,
            t.surname_tokens, t.suffix, t.dob,
            d.house_number, d.number_suffix, d.predir, d.street_name, d.street_type,
            d.postdir, d.unit, d.zip5, d.city, d.state, d.first_row_no, d.tax_years
        FROM distinct_addresses d JOIN taxpayers t USING (tin)
        ORDER BY d.tin, d.first_row_no
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
