"""Master load on Spark: each distinct raw value standardised once, on the executors.

In: Spark DataFrames of the master files as filed (string columns and
`row_no`). Out: lookup DataFrames from each raw value to its standardised
columns, the same tables `master/distinct.py` builds on DuckDB
(`std_names`, `std_streets`, `std_zips`, `std_cities`, `std_states`,
`std_dobs`), for the load to join back.

Each runs matchgate's own pure standardisation functions
(`matchgate.standardise`) over Arrow batches with `mapInArrow`, so the
executors apply exactly the rules the DuckDB path applies: the vectorised
fast path for the common street forms, the parser for the rest. No process
pool is started inside an executor: Spark's tasks are the parallelism.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyarrow as pa
from pyspark.sql import DataFrame

from matchgate.standardise.addresses import normalise_city, zip5
from matchgate.standardise.identifiers import parse_iso_date
from matchgate.standardise.records import (
    NAME_COLUMNS,
    STREET_COLUMNS,
    standard_state,
    standardise_names,
    standardise_streets,
    street_columns,
)

NAME_KEY_COLUMNS = ("first_name", "middle_name", "last_name", "name_suffix")

_LISTS = {"given_keys", "surname_tokens"}

NAMES_SCHEMA = "row_no bigint, " + ", ".join(
    f"{c} array<string>" if c in _LISTS else f"{c} string" for c in NAME_COLUMNS
)
STREETS_SCHEMA = "street string, " + ", ".join(f"{c} string" for c in STREET_COLUMNS)
_SMALL_SCHEMA = "raw string, std string"


def _tables(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.Table]:
    for batch in batches:
        if batch.num_rows:
            yield pa.Table.from_batches([batch])


def name_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """`row_no` + raw name columns -> `row_no` + `NAME_COLUMNS` (an executor's part)."""
    for table in _tables(batches):
        names = pa.table({"row_no": table.column("row_no"), **standardise_names(table)})
        yield from names.to_batches()


def street_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Distinct street lines -> `street` + `STREET_COLUMNS` (fast path, then the parser)."""
    for table in _tables(batches):
        texts = table.column("street").to_pylist()
        parts = standardise_streets(texts)
        streets = pa.table({"street": table.column("street"), **street_columns(parts)})
        yield from streets.to_batches()


def _blank_to_none(value: str) -> str | None:
    return value or None


def _iso_date(value: str | None) -> str | None:
    parsed = parse_iso_date(value)
    return None if parsed is None else parsed.isoformat()


#: The small columns' rules, as `master/distinct.py` applies them on DuckDB.
SMALL_RULES: dict[str, Callable[[str | None], str | None]] = {
    "zip": lambda v: _blank_to_none(zip5(v)),
    "city": lambda v: _blank_to_none(normalise_city(v)),
    "state": lambda v: _blank_to_none(standard_state(v)),
    "dob": _iso_date,
}


def _small_batches(
    rule: Callable[[str | None], str | None],
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for table in _tables(batches):
            raw = table.column("raw").to_pylist()
            std = pa.array([rule(v) for v in raw], pa.string())
            yield from pa.table({"raw": table.column("raw"), "std": std}).to_batches()

    return run


def std_names(taxpayers: DataFrame) -> DataFrame:
    columns = ["row_no", *NAME_KEY_COLUMNS]
    return taxpayers.select(*columns).mapInArrow(name_batches, NAMES_SCHEMA)


def std_streets(addresses: DataFrame) -> DataFrame:
    lines = addresses.selectExpr("coalesce(street, '') AS street").distinct()
    return lines.mapInArrow(street_batches, STREETS_SCHEMA)


def std_small(table: DataFrame, column: str) -> DataFrame:
    """`raw` -> `std` for each distinct non-null value of a small column."""
    values = table.selectExpr(f"{column} AS raw").where("raw IS NOT NULL").distinct()
    return values.mapInArrow(_small_batches(SMALL_RULES[column]), _SMALL_SCHEMA)
