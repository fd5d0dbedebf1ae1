"""Stage 3 (match): the engine, the only module that runs Splink and DuckDB SQL.

In: the workspace's master tables and either nothing (training) or a table of
standardised requests (scoring). Out: a trained `MatchModel`, or an Arrow
table of candidate pairs (request x master record) with Splink's match weight
and field-level evidence, joined to each candidate taxpayer's standardised
record and last known address.

Scoring uses Splink's `predict_between` with the requests as the left side and
the master records as the right, so the master is never re-linked with itself.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from matchgate.errors import ModelError
from matchgate.keys import TRIAL_POLICY, EncryptionPolicy, StoreKey
from matchgate.master.storage import attach
from matchgate.match.limits import EngineLimits, configure, spill_folder
from matchgate.match.model import MatchModel, make_model
from matchgate.match.pairs import CARRIED_COLUMNS, RECORD_COLUMNS, SCORED_COLUMNS
from matchgate.match.rendering import render_settings
from matchgate.match.settings import (
    COMPARISON_COLUMNS,
    SETTINGS_VERSION,
    TRAINING_BLOCKING_RULES,
    build_settings,
)
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

#: Splink's own logging is chatty at INFO; matchgate reports progress itself.
_SPLINK_LOG_LEVEL = logging.ERROR


class MasterConnection:
    """A DuckDB session over the workspace's master file (read-only; decrypted with ``key``).

    It works within `limits` (memory limit, threads; `threads` overrides the
    limits' count) and spills to a folder of its own beside the master file
    (0700, removed on `close()`; its files encrypted when there is a key).
    """

    def __init__(
        self,
        master_db: Path,
        *,
        key: StoreKey | None = None,
        policy: EncryptionPolicy = TRIAL_POLICY,
        limits: EngineLimits | None = None,
        threads: int | None = None,
    ) -> None:
        limits = limits or EngineLimits.of()
        if threads:
            limits = EngineLimits.of(limits.memory_limit, threads)
        self._spill = ExitStack()
        spill = self._spill.enter_context(spill_folder(master_db.parent))
        try:
            self.con = duckdb.connect()
            configure(self.con, limits, spill)
            attach(self.con, master_db, "master", key=key, policy=policy, read_only=True)
            self._views()
        except BaseException:
            if hasattr(self, "con"):
                self.con.close()
            self._spill.close()
            raise

    def _views(self) -> None:
        columns = ", ".join(SCORED_COLUMNS)
        self.con.execute(f"CREATE VIEW master_records AS SELECT {columns} FROM master.records")
        self.con.execute("CREATE VIEW master_tf_given AS SELECT * FROM master.tf_given")
        self.con.execute("CREATE VIEW master_tf_surname AS SELECT * FROM master.tf_surname")

    def vintage(self) -> dict[str, Any]:
        cursor = self.con.execute("SELECT * FROM master.vintage")
        names = [d[0] for d in cursor.description]
        row = next(iter(cursor.fetchall()), None)
        if row is None:
            raise ModelError("the master file has no vintage record; load it again")
        return dict(zip(names, row, strict=True))

    def taxpayer_count(self) -> int:
        row = self.con.execute("SELECT count(*) FROM master.taxpayers").fetchall()[0]
        return int(row[0]) if row else 0

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            self._spill.close()


def _training_sample(master: MasterConnection, taxpayers: int) -> str:
    """The training rows of a fixed sample of taxpayers, as a temporary table; its name."""
    master.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE training_rows AS
        WITH sample AS (
            SELECT tin FROM master.taxpayers ORDER BY md5(tin), tin LIMIT {int(taxpayers)}
        )
        SELECT 'a' || CAST(a.row_no AS VARCHAR) AS uid,
               {", ".join(f"t.{c}" for c in TRAINING_PERSON_COLUMNS)},
               {", ".join(f"a.{c}" for c in TRAINING_ADDRESS_COLUMNS)}
        FROM master.address_rows a
        JOIN sample USING (tin)
        JOIN master.taxpayers t USING (tin)
        ORDER BY a.row_no
        """
    )
    return "training_rows"


def train_model(
    master: MasterConnection,
    *,
    seed: int = 42,
    max_pairs: int = U_SAMPLE_PAIRS,
    taxpayers: int = TRAINING_TAXPAYERS,
) -> MatchModel:
    """Train the match model on the master file without labels.

    u-probabilities by random sampling of `max_pairs` record pairs (seeded,
    so training is reproducible); m-probabilities by expectation
    maximisation over pairs blocked in several ways, then floored (see
    `M_PROBABILITY_FLOOR`); both within the rows of a fixed sample of
    `taxpayers` taxpayers, so that training costs the same whatever the
    size of the master file.
    """
    taxpayer_count = master.taxpayer_count()
    vintage = master.vintage()
    records_count = int(vintage["record_count"])
    # Prior for a master-vs-master pair; overwritten for request scoring.
    prior = max(1.0 / max(records_count, 2), 1e-9)
    db_api = DuckDBAPI(connection=master.con)
    records = db_api.register(_training_sample(master, taxpayers), table_name="training_records")
    linker = Linker(records, build_settings(prior), log_level=_SPLINK_LOG_LEVEL)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in TRAINING_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    settings = linker.misc.save_model_to_json()
    floor_m_probabilities(settings, M_PROBABILITY_FLOOR)
    metadata = {
        "vintage_id": vintage["vintage_id"],
        "settings_version": SETTINGS_VERSION,
        "seed": seed,
        "taxpayers": taxpayer_count,
        "m_probability_floor": M_PROBABILITY_FLOOR,
        "m_trained_on": {"source": "master_file", "training_taxpayers": taxpayers},
    }
    return make_model(settings, metadata)


def train_m_on_requests(
    master: MasterConnection,
    model: MatchModel,
    requests: pa.Table,
    *,
    provenance: dict[str, Any],
    floor: float | None = M_PROBABILITY_FLOOR,
) -> MatchModel:
    """Re-estimate `model`'s m-probabilities by EM over requests x master records.

    `requests` are the standardised comparison columns of past batches'
    valid rows (uids unique and distinct from the master's), pooled;
    `provenance` (which batches, how many rows) goes into the model's
    metadata, beside the master model it started from. `floor`: as in
    `train_model` (None: no floor, the levels keep what EM found). The
    settings keep their structure: one m and u per comparison level.
    """
    settings = request_training_settings(model, master.taxpayer_count())
    con = master.con
    present = [c for c in COMPARISON_COLUMNS if c in requests.column_names]
    con.register("training_requests_raw", requests.select(present))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE training_requests AS SELECT "
        + ", ".join(c if c in present else f"NULL::VARCHAR AS {c}" for c in COMPARISON_COLUMNS)
        + " FROM training_requests_raw"
    )
    con.unregister("training_requests_raw")
    columns = ", ".join(COMPARISON_COLUMNS)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW training_master AS SELECT {columns} FROM master.records"
    )
    db_api = DuckDBAPI(connection=con)
    left = db_api.register("training_requests", table_name="past_requests")
    right = db_api.register("training_master", table_name="master_records")
    linker = Linker([left, right], settings, log_level=_SPLINK_LOG_LEVEL)
    for rule in REQUEST_TRAINING_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, fix_u_probabilities=True
        )
    trained = linker.misc.save_model_to_json()
    con.execute("DROP VIEW training_master")
    con.execute("DROP TABLE training_requests")
    return finish_request_training(model, trained, provenance=provenance, floor=floor)


def score_requests(master: MasterConnection, model: MatchModel, requests: pa.Table) -> pa.Table:
    """Candidate pairs for standardised requests, with Splink's evidence.

    `requests` must carry `COMPARISON_COLUMNS` with uids unique and distinct
    from master uids. The prior is one over the number of taxpayers: a request
    names one person, who is at most one of them.
    """
    # Rendered afresh, so that candidates are generated by this version's
    # blocking rules whatever version trained the model (as on Spark).
    settings = render_settings(model.settings, "duckdb")
    settings["probability_two_random_records_match"] = 1.0 / max(master.taxpayer_count(), 2)
    # Splink carries the record's columns into each pair, so the pairs need no
    # join back to the (national) records table.
    settings["additional_columns_to_retain"] = list(CARRIED_COLUMNS)
    con = master.con
    present = [c for c in SCORED_COLUMNS if c in requests.column_names]
    con.register("requests_raw", requests.select(present))
    con.execute(
        "CREATE OR REPLACE TEMP VIEW requests_in AS SELECT "
        + ", ".join(c if c in present else f"NULL::VARCHAR AS {c}" for c in SCORED_COLUMNS)
        + " FROM requests_raw"
    )
    db_api = DuckDBAPI(connection=con)
    right = db_api.register("master_records", table_name="scoring_records")
    left = db_api.register("requests_in", table_name="scoring_requests")
    linker = Linker(right, settings, log_level=_SPLINK_LOG_LEVEL)
    for column in ("given", "surname"):
        tf = db_api.register(f"master_tf_{column}", table_name=f"scoring_tf_{column}")
        linker.table_management.register_term_frequency_lookup(tf, column)
    predictions = linker.inference.predict_between(left, right, warning_mode="never")
    weight_columns = [
        name
        for name in (column.name.strip('"') for column in predictions.columns)
        # The per-field weights are the evidence; the levels (gamma_) are not read.
        if name.startswith("mw_")
    ]
    record_columns = ", ".join(f"p.{c}_r AS {c}" for c in RECORD_COLUMNS)
    sql = f"""
        SELECT p.uid_l AS request_uid, p.uid_r AS record_uid,
               p.match_weight, p.match_probability,
               {", ".join(f"p.{c}" for c in weight_columns)},
               {record_columns}
        FROM {predictions.physical_name} p
        ORDER BY p.uid_l, p.match_weight DESC, p.uid_r
    """
    pairs = con.sql(sql).to_arrow_table()
    predictions.drop_table_from_database_and_remove_from_cache()
    con.execute("DROP VIEW requests_in")
    con.unregister("requests_raw")
    return pairs


def given_names_on_file(master: MasterConnection, names: list[str]) -> set[str]:
    """Which of these standardised given names some taxpayer on file has (tf_given)."""
    master.con.register("wanted_given", pa.table({"given": pa.array(sorted(set(names)))}))
    rows = master.con.execute(
        "SELECT t.given FROM master.tf_given t JOIN wanted_given w USING (given)"
    ).fetchall()
    master.con.unregister("wanted_given")
    return {str(row[0]) for row in rows}


def last_known_addresses(master: MasterConnection, tins: list[str]) -> pa.Table:
    """Standardised and as-filed last known addresses for the given TINs."""
    master.con.register("wanted_tins", pa.table({"tin": pa.array(sorted(set(tins)), pa.string())}))
    table = master.con.sql(
        """
        SELECT l.tin, l.street AS lka_street, l.city_filed AS lka_city,
               l.state_filed AS lka_state,
               l.zip AS lka_zip, l.street_kind, l.house_number, l.number_suffix, l.predir,
               l.street_name, l.street_type, l.postdir, l.unit, l.zip5, l.city, l.state
        FROM master.lka l JOIN wanted_tins w USING (tin)
        """
    ).to_arrow_table()
    master.con.unregister("wanted_tins")
    return table


def taxpayer_records(master: MasterConnection, tins: list[str]) -> dict[str, dict[str, Any]]:
    """Candidates' records as filed, for a disclosure officer's review (custodian-only)."""
    if not tins:
        return {}
    master.con.register("wanted_tins", pa.table({"tin": pa.array(sorted(set(tins)), pa.string())}))
    people = (
        master.con.sql(
            """
        SELECT t.tin, t.first_name, t.middle_name, t.last_name, t.name_suffix, t.dob
        FROM master.taxpayers t JOIN wanted_tins w USING (tin) ORDER BY t.tin
        """
        )
        .to_arrow_table()
        .to_pylist()
    )
    addresses = (
        master.con.sql(
            """
        SELECT a.tin, a.tax_year, a.source, a.street, a.city_filed AS city,
               a.state_filed AS state, a.zip
        FROM master.address_rows a JOIN wanted_tins w USING (tin)
        ORDER BY a.tin, a.tax_year DESC, a.row_no DESC
        """
        )
        .to_arrow_table()
        .to_pylist()
    )
    master.con.unregister("wanted_tins")
    records = {p["tin"]: {**p, "addresses": []} for p in people}
    for row in addresses:
        records[row.pop("tin")]["addresses"].append(row)
    return records
