"""Master load: standardise each distinct raw value once, in bulk, spilling to disk.

In: the scratch database's `raw_taxpayers` and `raw_addresses` (staging.py).
Out: lookup tables from each distinct raw value to its standardised columns,
for load.py to join back:

- `std_streets`: street line as filed ("" for none) -> `STREET_COLUMNS`. A
  national file repeats each address every tax year and from several
  sources, so the distinct lines are a fraction of the rows. Each line is
  read by the vectorised fast path (street_fast.py) when it can decide it,
  otherwise by the parser in worker processes;
- `std_first_names`, `std_middle_names`, `std_last_names`,
  `std_name_suffixes`: each distinct value of a name column -> the name
  columns it gives alone (worker processes); `name_columns_sql` puts a
  taxpayer's four together;
- `std_zips`, `std_cities`, `std_states`, `std_dobs`: the small columns.

Values travel between DuckDB and Python in batches of `DISTINCT_BATCH`
rows; nothing holds a whole column in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from matchgate.master.workers import (
    NAME_KEY_COLUMNS,
    map_in_processes,
    map_in_threads,
    parse_street_batch,
    standardise_name_values,
)
from matchgate.progress import Progress
from matchgate.standardise.addresses import normalise_city, zip5
from matchgate.standardise.identifiers import parse_iso_date
from matchgate.standardise.records import NAME_COLUMNS, standard_state, street_columns
from matchgate.standardise.street_fast import fast_street_parts, fold_streets

#: The lookup of each raw name column: its distinct values -> the name columns they give.
NAME_LOOKUPS = {
    "first_name": "std_first_names",
    "middle_name": "std_middle_names",
    "last_name": "std_last_names",
    "name_suffix": "std_name_suffixes",
}

#: The lookup tables this module builds (the load drops them when done).
SCRATCH_TABLES = (
    "std_streets", *NAME_LOOKUPS.values(), "std_zips", "std_cities", "std_states", "std_dobs"
)  # fmt: skip

DISTINCT_BATCH = 100_000
#: Lines per fast-path call (vectorised: large, but several per thread).
FAST_BATCH = 50_000
#: Values per task handed to a worker: small enough to keep every worker busy.
WORKER_BATCH = 5_000
#: Distinct names per task for the name standardiser (cheap per value: larger).
NAME_BATCH = 50_000

#: Below this many values a worker pool costs more than it saves.
PARALLEL_MIN_VALUES = 20_000


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    return int(rows[0][0]) if rows else 0


def _batches(con: duckdb.DuckDBPyConnection, sql: str, rows: int) -> Iterator[pa.Table]:
    """The query's rows in tables of at most `rows` rows."""
    # A cursor of its own, so that the caller can write while this one reads.
    cursor = con.cursor()
    try:
        reader: pa.RecordBatchReader = cursor.sql(sql).to_arrow_reader(DISTINCT_BATCH)
        for batch in reader:
            table = pa.Table.from_batches([batch])
            for start in range(0, table.num_rows, rows):
                yield table.slice(start, rows)
    finally:
        cursor.close()


def _append(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    con.register("distinct_batch", rows)
    con.execute(f"INSERT INTO {table} SELECT * FROM distinct_batch")
    con.unregister("distinct_batch")


def _create_like(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    con.register("distinct_batch", rows.slice(0, 0))
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM distinct_batch")
    con.unregister("distinct_batch")


def _workers(values: int, processes: int) -> int:
    return processes if values >= PARALLEL_MIN_VALUES else 1


def standardise_streets(
    con: duckdb.DuckDBPyConnection, progress: Progress, processes: int
) -> dict[str, int]:
    """Build `std_streets`; counts of distinct lines and of those the parser read."""
    con.execute(
        "CREATE OR REPLACE TABLE street_texts AS "
        "SELECT DISTINCT coalesce(street, '') AS street FROM raw_addresses"
    )
    distinct = _count(con, "street_texts")
    # Lines the fast path declines go to the parser once per *folded* text (the
    # parser reads nothing but the folded text, so "PO Box 1" and "PO BOX 1."
    # are one parse). A line that is not ASCII keys as itself.
    con.execute("CREATE OR REPLACE TABLE street_pending (street VARCHAR, parse_key VARCHAR)")
    no_streets = pa.table({"street": pa.array([], pa.string())})
    _create_like(con, "std_streets", parse_street_batch(no_streets))
    with progress.task("Standardising streets (fast path)", total=distinct) as task:
        batches = _batches(con, "SELECT street FROM street_texts", FAST_BATCH)
        read = map_in_threads(lambda b: fast_street_parts(b.column("street")), batches, processes)
        for batch, parts in read:
            streets = batch.column("street")
            decided = parts.column("decided")
            rows = pa.table(
                {"street": streets.filter(decided), **street_columns(parts.filter(decided))}
            )
            _append(con, "std_streets", rows)
            declined = streets.filter(pc.invert(decided))
            key = pc.coalesce(fold_streets(declined), declined)
            _append(con, "street_pending", pa.table({"street": declined, "parse_key": key}))
            task.advance(batch.num_rows)
    con.execute(
        "CREATE OR REPLACE TABLE parse_keys AS SELECT DISTINCT parse_key FROM street_pending"
    )
    pending = _count(con, "parse_keys")
    _create_like(con, "parsed_keys", parse_street_batch(no_streets))
    with progress.task("Standardising streets (parser)", total=pending) as task:
        batches = _batches(con, "SELECT parse_key AS street FROM parse_keys", WORKER_BATCH)
        for rows in map_in_processes(parse_street_batch, batches, _workers(pending, processes)):
            _append(con, "parsed_keys", rows)
            task.advance(rows.num_rows)
    con.execute(
        """
        INSERT INTO std_streets
        SELECT p.street, k.* EXCLUDE (street)
        FROM street_pending p JOIN parsed_keys k ON k.street = p.parse_key
        """
    )
    con.execute("DROP TABLE parse_keys")
    con.execute("DROP TABLE parsed_keys")
    con.execute("DROP TABLE street_texts")
    con.execute("DROP TABLE street_pending")
    return {"distinct_streets": distinct, "parsed_streets": pending}


def standardise_names(
    con: duckdb.DuckDBPyConnection, progress: Progress, processes: int
) -> dict[str, int]:
    """Build `NAME_LOOKUPS`: each distinct value of each name column, read once.

    `records.standardise_names` reads each of the four fields on its own and
    then puts them together; a national file has a few hundred distinct
    given names and about one distinct surname for every two people, so each
    distinct value of each column of the whole file is read once here (in
    worker processes) and `name_columns_sql` puts a taxpayer's four together.
    """
    con.execute(
        "CREATE OR REPLACE TABLE name_values AS "
        + " UNION ALL ".join(
            f"SELECT DISTINCT '{field}' AS field, coalesce({field}, '') AS raw FROM raw_taxpayers"
            for field in NAME_KEY_COLUMNS
        )
    )
    values = _count(con, "name_values")
    empty = pa.table({"field": pa.array([], pa.string()), "raw": pa.array([], pa.string())})
    _create_like(con, "std_name_values", standardise_name_values(empty))
    with progress.task("Standardising names", total=values) as task:
        batches = _batches(con, "SELECT field, raw FROM name_values", NAME_BATCH)
        for names in map_in_processes(
            standardise_name_values, batches, _workers(values, processes)
        ):
            _append(con, "std_name_values", names)
            task.advance(names.num_rows)
    # One lookup per column: the joins of the few given names, middle names
    # and suffixes then build tiny hash tables instead of one of every surname.
    for field, table in NAME_LOOKUPS.items():
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS "
            f"SELECT * EXCLUDE (field) FROM std_name_values WHERE field = '{field}'"
        )
    con.execute("DROP TABLE name_values")
    con.execute("DROP TABLE std_name_values")
    return {"name_values": values}


def name_columns_sql(taxpayer: str) -> tuple[str, str]:
    """The `NAME_COLUMNS` of alias `taxpayer`'s row, from `NAME_LOOKUPS`: (columns, joins).

    How `records.standardise_names` puts the fields together: the given
    name (and its keys) from the first name; the middle name is the first
    name's further words, then the middle name's; the suffix field wins over
    the last name's, which wins over the first name's; the surname columns
    from the last name (tests/unit/master/test_load.py holds the load to it).
    """
    first, middle, last, suffix = aliases = ("n_first", "n_middle", "n_last", "n_suffix")
    joins = " ".join(
        f"JOIN {NAME_LOOKUPS[field]} {alias} ON {alias}.raw = coalesce({taxpayer}.{field}, '')"
        for field, alias in zip(NAME_KEY_COLUMNS, aliases, strict=True)
    )
    columns = {
        "given": f"{first}.given",
        "given_keys": f"{first}.given_keys",
        "middle": (
            f"nullif(trim(coalesce({first}.middle, '') || ' ' || coalesce({middle}.middle, ''),"
            " ' '), '')"
        ),
        "surname": f"{last}.surname",
        "surname_compact": f"{last}.surname_compact",
        "surname_tokens": f"{last}.surname_tokens",
        "suffix": f"coalesce({suffix}.suffix, {last}.suffix, {first}.suffix)",
    }
    assert tuple(columns) == NAME_COLUMNS
    return ", ".join(f"{sql} AS {name}" for name, sql in columns.items()), joins


def _map_small(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    column: str,
    fn: Callable[[str | None], str | None],
) -> None:
    values = con.execute(f"SELECT DISTINCT {column} FROM {source} WHERE {column} IS NOT NULL")
    raw = [row[0] for row in values.fetchall()]
    rows = pa.table(
        {"raw": pa.array(raw, pa.string()), "std": pa.array([fn(v) for v in raw], pa.string())}
    )
    con.register("distinct_batch", rows)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM distinct_batch")
    con.unregister("distinct_batch")


def _blank_to_none(value: str) -> str | None:
    return value or None


def standardise_small_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Build `std_zips`, `std_cities`, `std_states` and `std_dobs` (raw -> std)."""
    _map_small(con, "std_zips", "raw_addresses", "zip", lambda v: _blank_to_none(zip5(v)))
    _map_small(
        con, "std_cities", "raw_addresses", "city", lambda v: _blank_to_none(normalise_city(v))
    )
    _map_small(
        con, "std_states", "raw_addresses", "state", lambda v: _blank_to_none(standard_state(v))
    )
    _map_small(
        con,
        "std_dobs",
        "raw_taxpayers",
        "dob",
        lambda v: None if (d := parse_iso_date(v)) is None else d.isoformat(),
    )
