"""The floor for the national-scale benchmark: a bare Splink 5 + DuckDB link job.

In: a scale folder written by `scale_data.py` (taxpayers, addresses and
requests as Parquet, truth). Out: a JSON summary on stdout (seconds per
phase, row and pair counts, and how the top candidate compares with the
truth).

No validation, no decision rules, no store, no audit: light SQL-only
standardisation (upper case, punctuation out, the house number and a few
suffix words), one master row per distinct (taxpayer, address), ids numbered
deterministically, u by random sampling and EM each bounded at about a
million pairs, then `predict_between` (requests x master) with matchgate's
own blocking rules (`match.settings.PREDICT_BLOCKING_RULES`) and the top
candidate per request. Its answers are not lawful; it measures what the
linkage itself costs on this machine, so that matchgate's stages can be read
as ratios to it.

Usage: python bench/scale_bare.py DATA_DIR [--memory-limit 4GB] [--temp DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from matchgate.match.settings import PREDICT_BLOCKING_RULES

#: Taxpayers whose records train the model: bounds EM's pairs near a million.
TRAINING_TAXPAYERS = 200_000
MAX_U_PAIRS = 1_000_000

_SUFFIXES = {
    "STREET": "ST", "AVENUE": "AVE", "ROAD": "RD", "DRIVE": "DR", "LANE": "LN",
    "BOULEVARD": "BLVD", "COURT": "CT", "PLACE": "PL", "CIRCLE": "CIR", "PARKWAY": "PKWY",
    "TERRACE": "TER", "TRAIL": "TRL", "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "APARTMENT": "APT",
}  # fmt: skip


def _clean(column: str) -> str:
    """Upper case, punctuation to spaces, single spaces (SQL)."""
    return (
        f"trim(regexp_replace(regexp_replace(upper(strip_accents({column})), "
        f"'[^A-Z0-9 ]', ' ', 'g'), ' +', ' ', 'g'))"
    )


def _street_sql(column: str) -> str:
    text = _clean(column)
    for long, short in _SUFFIXES.items():
        text = f"regexp_replace({text}, '\\b{long}\\b', '{short}', 'g')"
    return text


def _address_sql(source: str, key: str) -> str:
    """Distinct raw addresses of `source`, standardised once each."""
    street = _street_sql("street")
    return f"""
        SELECT {key}, street_raw, city_raw, state_raw, zip_raw,
               nullif(regexp_extract(s, '^([0-9]+) ', 1), '') AS house_number,
               nullif(trim(regexp_replace(s, '^[0-9]+ ', '')), '') AS street_name,
               nullif(left(regexp_replace(zip_raw, '[^0-9]', '', 'g'), 5), '') AS zip5,
               nullif({_clean("city_raw")}, '') AS city,
               upper(trim(state_raw)) AS state
        FROM (
            SELECT DISTINCT {key}, street AS street_raw, city AS city_raw,
                   state AS state_raw, CAST(zip AS VARCHAR) AS zip_raw, {street} AS s
            FROM {source}
        )
    """


def _settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        probability_two_random_records_match=1e-7,
        comparisons=[
            cl.JaroWinklerAtThresholds("given", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("surname", [0.92]).configure(
                term_frequency_adjustments=True
            ),
            cl.DamerauLevenshteinAtThresholds("dob", [1]),
            cl.ExactMatch("tin"),
            cl.ExactMatch("house_number"),
            cl.LevenshteinAtThresholds("street_name", [1]),
            cl.ExactMatch("zip5"),
            cl.ExactMatch("city"),
        ],
        blocking_rules_to_generate_predictions=PREDICT_BLOCKING_RULES,
        max_iterations=20,
        em_convergence=0.001,
    )


def run(data: Path, *, memory_limit: str, temp: Path, threads: int) -> dict[str, Any]:
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 2)
        clock = now

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{temp.as_posix()}'")
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"CREATE VIEW taxpayers AS SELECT * FROM read_parquet('{data / 'taxpayers.parquet'}')"
    )
    con.execute(
        f"CREATE VIEW addresses AS SELECT * FROM read_parquet('{data / 'addresses.parquet'}')"
    )
    con.execute(
        f"CREATE TABLE req_raw AS SELECT * FROM read_parquet('{data / 'requests.parquet'}')"
    )
    con.execute(f"CREATE TABLE addr_std AS {_address_sql('addresses', 'tin')}")
    con.execute(
        f"""
        CREATE TABLE master AS
        SELECT 'm' || CAST(row_number() OVER (ORDER BY a.tin, a.house_number, a.street_name,
                   a.zip5, a.city) AS VARCHAR) AS uid,
               a.tin, split_part({_clean("t.first_name")}, ' ', 1) AS given,
               {_clean("t.last_name")} AS surname, CAST(t.dob AS VARCHAR) AS dob,
               a.house_number, a.street_name, a.zip5, a.city, a.state
        FROM (SELECT DISTINCT tin, house_number, street_name, zip5, city, state
              FROM addr_std) a
        JOIN taxpayers t USING (tin)
        """
    )
    con.execute(
        f"""
        CREATE TABLE requests AS
        SELECT 'r' || r.request_id AS uid, r.request_id,
               split_part({_clean("r.first_name")}, ' ', 1) AS given,
               {_clean("r.last_name")} AS surname, CAST(r.dob AS VARCHAR) AS dob,
               nullif(regexp_replace(CAST(r.tin AS VARCHAR), '[^0-9]', '', 'g'), '') AS tin,
               a.house_number, a.street_name, a.zip5, a.city, a.state
        FROM req_raw r
        LEFT JOIN ({_address_sql("req_raw", "request_id")}) a USING (request_id)
        """
    )
    con.execute(
        "CREATE TABLE tf_surname AS SELECT surname, count(*)::DOUBLE / sum(count(*)) OVER () "
        "AS tf_surname FROM master WHERE surname IS NOT NULL GROUP BY surname"
    )
    con.execute(
        f"""
        CREATE TABLE training AS SELECT * FROM master WHERE tin IN (
            SELECT tin FROM taxpayers ORDER BY md5(tin) LIMIT {TRAINING_TAXPAYERS})
        """
    )
    counts = {
        name: int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        for name, table in {
            "address_rows": "addresses",
            "distinct_raw_addresses": "addr_std",
            "master_records": "master",
            "requests": "requests",
            "training_records": "training",
        }.items()
    }
    lap("build")

    api = DuckDBAPI(connection=con)
    training = api.register("training", table_name="training_a")
    training_b = api.register("training", table_name="training_b")
    linker = Linker([training, training_b], _settings(), log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=MAX_U_PAIRS, seed=1)
    for rule in (block_on("surname", "dob"), block_on("house_number", "street_name", "zip5")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    model = linker.misc.save_model_to_json()
    lap("train")

    master = api.register("master", table_name="scoring_master")
    requests = api.register("requests", table_name="scoring_requests")
    scorer = Linker([requests, master], model, log_level=logging.ERROR)
    scorer.table_management.register_term_frequency_lookup(
        api.register("tf_surname", table_name="scoring_tf_surname"), "surname"
    )
    predictions = scorer.inference.predict_between(requests, master, warning_mode="never")
    pairs = int(con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0])
    lap("predict")

    con.execute(
        f"""
        CREATE TABLE top1 AS
        SELECT p.uid_l, p.match_probability, m.tin
        FROM {predictions.physical_name} p JOIN master m ON m.uid = p.uid_r
        QUALIFY row_number() OVER (PARTITION BY p.uid_l ORDER BY p.match_weight DESC, p.uid_r) = 1
        """
    )
    truth = data / "truth.parquet"
    rows = con.execute(
        f"""
        SELECT t.expected,
               count(*) AS requests,
               count(*) FILTER (WHERE k.match_probability >= 0.99) AS confident,
               count(*) FILTER (WHERE k.match_probability >= 0.99 AND k.tin = t.true_tin)
                   AS confident_right
        FROM read_parquet('{truth}') t
        LEFT JOIN top1 k ON k.uid_l = 'r' || t.request_id
        GROUP BY t.expected ORDER BY t.expected
        """
    ).fetchall()
    lap("top1")
    con.close()
    return {
        "seconds": seconds,
        "total_seconds": round(sum(seconds.values()), 2),
        "memory_limit": memory_limit,
        "counts": {**counts, "candidate_pairs": pairs},
        "top1_vs_truth": {
            expected: {"requests": n, "p>=0.99": confident, "p>=0.99 and right": right}
            for expected, n, confident, right in rows
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--temp", type=Path, help="DuckDB spill folder (default: a temp dir)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bare-splink-", dir=args.temp) as temp:
        result = run(
            args.data, memory_limit=args.memory_limit, temp=Path(temp), threads=args.threads
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
