"""Stage 3 (match) on Spark: training and scoring through Splink's SparkAPI.

In: a Spark session and the workspace's Parquet master (`master.py`). Out:
the same things `match/engine.py` gives on DuckDB, in the same shapes: a
trained `MatchModel` (stored rendered for DuckDB, see `match/rendering.py`),
the Arrow table of candidate pairs for a chunk of standardised requests
(same columns, same order), the last known addresses and the given names on
file, and the records as filed for review.

The model's comparisons are rendered for Spark from Splink's comparison
library at every use, never read from a DuckDB model JSON, and the
decisions are made afterwards by the engine-free policy, so the engine
changes where the pairs are scored, not what is decided.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from splink import Linker, SparkAPI

from matchgate.errors import ModelError
from matchgate.match.model import MatchModel, make_model
from matchgate.match.pairs import CARRIED_COLUMNS, RECORD_COLUMNS, SCORED_COLUMNS
from matchgate.match.rendering import render_settings
from matchgate.match.settings import SETTINGS_VERSION, TRAINING_BLOCKING_RULES, build_settings
from matchgate.match.spark.master import TABLES, master_folder, read_vintage
from matchgate.match.training import (
    M_PROBABILITY_FLOOR,
    REQUEST_TRAINING_BLOCKING_RULES,
    TRAINING_ADDRESS_COLUMNS,
    TRAINING_PERSON_COLUMNS,
    TRAINING_TAXPAYERS,
    U_SAMPLE_PAIRS,
    finish_request_training,
    floor_m_probabilities,
    request_training_settings,
)

_SPLINK_LOG_LEVEL = logging.ERROR

#: Columns that hold lists of strings on both sides (all others are strings).
_LIST_COLUMNS = frozenset({"given_keys", "surname_tokens"})


class SparkMaster:
    """The workspace's Parquet master file as Spark views of one session."""

    def __init__(self, spark: SparkSession, home: Path) -> None:
        folder = master_folder(home)
        vintage = read_vintage(home)
        if vintage is None:
            raise ModelError("the Spark master file has no vintage record; load it again")
        self.spark = spark
        self.vintage = vintage
        self.tables: dict[str, DataFrame] = {
            name: spark.read.parquet(str(folder / name)) for name in TABLES if name != "vintage"
        }
        self.taxpayer_count = int(str(vintage["taxpayer_count"]))

    def splink_api(self) -> SparkAPI:
        """A SparkAPI of its own for one linker (Splink's table names are per API)."""
        return SparkAPI(spark_session=self.spark)  # type: ignore[no-untyped-call]

    def view(self, name: str, frame: DataFrame) -> str:
        frame.createOrReplaceTempView(name)
        return name

    def wanted(self, name: str, column: str, values: list[str]) -> str:
        """A one-column view of `values` (a chunk's TINs or names), to join against."""
        table = pa.table({column: pa.array(sorted(set(values)), pa.string())})
        return self.view(name, self.spark.createDataFrame(table))


def _to_arrow(frame: DataFrame) -> pa.Table:
    return frame.toArrow()


def train_on_spark(
    master: SparkMaster,
    *,
    seed: int,
    max_pairs: int = U_SAMPLE_PAIRS,
    taxpayers: int = TRAINING_TAXPAYERS,
) -> MatchModel:
    """Train as `match.engine.train_model` does (same sample, same sessions), on Spark."""
    spark = master.spark
    master.view("m_taxpayers", master.tables["taxpayers"])
    master.view("m_address_rows", master.tables["address_rows"])
    sample = spark.sql(
        f"""
        WITH sample AS (
            SELECT tin FROM m_taxpayers ORDER BY md5(tin), tin LIMIT {int(taxpayers)}
        )
        SELECT concat('a', CAST(a.row_no AS STRING)) AS uid,
               {", ".join(f"t.{c}" for c in TRAINING_PERSON_COLUMNS)},
               {", ".join(f"a.{c}" for c in TRAINING_ADDRESS_COLUMNS)}
        FROM m_address_rows a
        JOIN sample s ON s.tin = a.tin
        JOIN m_taxpayers t ON t.tin = a.tin
        ORDER BY a.row_no
        """
    )
    records_count = int(str(master.vintage["record_count"]))
    prior = max(1.0 / max(records_count, 2), 1e-9)
    records = master.splink_api().register(sample, table_name="training_records")
    linker = Linker(records, build_settings(prior), log_level=_SPLINK_LOG_LEVEL)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in TRAINING_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    settings = render_settings(linker.misc.save_model_to_json(), "duckdb")
    floor_m_probabilities(settings, M_PROBABILITY_FLOOR)
    metadata = {
        "vintage_id": master.vintage["vintage_id"],
        "settings_version": SETTINGS_VERSION,
        "seed": seed,
        "taxpayers": master.taxpayer_count,
        "m_probability_floor": M_PROBABILITY_FLOOR,
    }
    return make_model(settings, metadata)


def train_m_on_spark(
    master: SparkMaster,
    model: MatchModel,
    requests: pa.Table,
    *,
    provenance: dict[str, Any],
    floor: float | None,
) -> MatchModel:
    """Re-estimate `model`'s m-probabilities by EM over past requests x master records,
    as `match.engine.train_m_on_requests` does (same rules, u fixed), on Spark."""
    settings = render_settings(request_training_settings(model, master.taxpayer_count), "spark")
    db_api = master.splink_api()
    names = ["training_past_requests", "training_master_records"]
    try:
        left = db_api.register(_requests_frame(master, requests), table_name=names[0])
        records = master.tables["records"].select(*SCORED_COLUMNS)
        right = db_api.register(records, table_name=names[1])
        linker = Linker([left, right], settings, log_level=_SPLINK_LOG_LEVEL)
        for rule in REQUEST_TRAINING_BLOCKING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, fix_u_probabilities=True
            )
        trained = render_settings(linker.misc.save_model_to_json(), "duckdb")
    finally:
        for name in names:
            master.spark.catalog.dropTempView(name)
    return finish_request_training(model, trained, provenance=provenance, floor=floor)


def _requests_frame(master: SparkMaster, requests: pa.Table) -> DataFrame:
    """The requests with every scored column, typed as the master's records are."""
    rows = requests.num_rows
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in SCORED_COLUMNS:
        kind = pa.list_(pa.string()) if name in _LIST_COLUMNS else pa.string()
        if name in requests.column_names:
            columns[name] = requests.column(name).cast(kind)
        else:
            columns[name] = pa.nulls(rows, kind)
    return master.spark.createDataFrame(pa.table(columns))


def score_on_spark(master: SparkMaster, model: MatchModel, requests: pa.Table) -> pa.Table:
    """Candidate pairs for standardised requests, as `match.engine.score_requests` gives them."""
    settings: dict[str, Any] = render_settings(model.settings, "spark")
    settings["probability_two_random_records_match"] = 1.0 / max(master.taxpayer_count, 2)
    settings["additional_columns_to_retain"] = list(CARRIED_COLUMNS)
    db_api = master.splink_api()
    records = master.tables["records"].select(*SCORED_COLUMNS)
    names = ["scoring_records", "scoring_requests", "scoring_tf_given", "scoring_tf_surname"]
    try:
        right = db_api.register(records, table_name=names[0])
        left = db_api.register(_requests_frame(master, requests), table_name=names[1])
        linker = Linker(right, settings, log_level=_SPLINK_LOG_LEVEL)
        for column, name in (("given", names[2]), ("surname", names[3])):
            tf = db_api.register(master.tables[f"tf_{column}"], table_name=name)
            linker.table_management.register_term_frequency_lookup(tf, column)
        predictions = linker.inference.predict_between(left, right, warning_mode="never")
        frame = predictions.as_spark_dataframe()
        weights = [c for c in frame.columns if c.startswith("mw_")]
        selected = frame.selectExpr(
            "uid_l AS request_uid",
            "uid_r AS record_uid",
            "match_weight",
            "match_probability",
            *weights,
            *(f"{c}_r AS {c}" for c in RECORD_COLUMNS),
        )
        pairs = _to_arrow(selected).sort_by(
            [
                ("request_uid", "ascending"),
                ("match_weight", "descending"),
                ("record_uid", "ascending"),
            ]
        )
        predictions.drop_table_from_database_and_remove_from_cache()
    finally:
        # The next chunk registers the same names in this session.
        for name in names:
            master.spark.catalog.dropTempView(name)
    return pairs


def given_names_on_spark(master: SparkMaster, names: list[str]) -> set[str]:
    """Which of these standardised given names some taxpayer on file has (tf_given)."""
    wanted = master.wanted("wanted_given", "given", names)
    tf = master.view("m_tf_given", master.tables["tf_given"])
    rows = master.spark.sql(f"SELECT t.given FROM {tf} t JOIN {wanted} w ON w.given = t.given")
    return {str(row[0]) for row in rows.collect()}


def lka_on_spark(master: SparkMaster, tins: list[str]) -> pa.Table:
    """Standardised and as-filed last known addresses for the given TINs."""
    wanted = master.wanted("wanted_tins", "tin", tins)
    lka = master.view("m_lka", master.tables["lka"])
    frame = master.spark.sql(
        f"""
        SELECT l.tin, l.street AS lka_street, l.city_filed AS lka_city,
               l.state_filed AS lka_state,
               l.zip AS lka_zip, l.street_kind, l.house_number, l.number_suffix, l.predir,
               l.street_name, l.street_type, l.postdir, l.unit, l.zip5, l.city, l.state
        FROM {lka} l JOIN {wanted} w ON w.tin = l.tin
        """
    )
    return _to_arrow(frame)


def records_on_spark(master: SparkMaster, tins: list[str]) -> dict[str, dict[str, Any]]:
    """Candidates' records as filed, for a disclosure officer's review (custodian-only)."""
    if not tins:
        return {}
    wanted = master.wanted("wanted_tins", "tin", tins)
    taxpayers = master.view("m_taxpayers", master.tables["taxpayers"])
    address_rows = master.view("m_address_rows", master.tables["address_rows"])
    people = _to_arrow(
        master.spark.sql(
            f"""
            SELECT t.tin, t.first_name, t.middle_name, t.last_name, t.name_suffix, t.dob
            FROM {taxpayers} t JOIN {wanted} w ON w.tin = t.tin ORDER BY t.tin
            """
        )
    ).to_pylist()
    addresses = _to_arrow(
        master.spark.sql(
            f"""
            SELECT a.tin, a.tax_year, a.source, a.street, a.city_filed AS city,
                   a.state_filed AS state, a.zip
            FROM {address_rows} a JOIN {wanted} w ON w.tin = a.tin
            ORDER BY a.tin, a.tax_year DESC, a.row_no DESC
            """
        )
    ).to_pylist()
    records = {p["tin"]: {**p, "addresses": []} for p in people}
    for row in addresses:
        records[row.pop("tin")]["addresses"].append(row)
    return records
