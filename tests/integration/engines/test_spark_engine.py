"""The Spark engine against the DuckDB engine: same master, same model, same batch, same answers.

One small synthetic world (the generator's hard cases: namesakes, relatives
at one address, two-surname names, moved people, borrowed TINs, deficient
requests) is loaded by both engines into one workspace, the model is trained
once (on DuckDB) and the batch is decided with each engine's matcher on
`local[2]`. Outcomes, reason codes, address matches and disclosed LKAs must be
identical for every request. Match weights may differ by floating-point
summation order (`WEIGHT_TOLERANCE`), and Splink's Spark Jaro-Winkler (a UDF
jar) may put a rare pair on another comparison level than DuckDB's: at most
`LEVEL_CHANGE_SHARE` of the candidates may carry such a difference.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factories import reference_agreement
from matchgate import demo
from matchgate.domain.outcomes import Outcome
from matchgate.intake.envelope import check_envelope, read_envelope
from matchgate.intake.readers import read_requests
from matchgate.keys import PRODUCTION_POLICY, create_key_file
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.match.engine import MasterConnection
from matchgate.match.matcher import SplinkMatcher
from matchgate.match.model import current_model, load_model
from matchgate.match.port import MasterFiles
from matchgate.match.spark.engine import SparkEncryptionUnavailable, SparkEngine
from matchgate.match.spark.master import TABLES, master_folder
from matchgate.match.spark.scoring import SparkMaster, train_on_spark
from matchgate.match.spark.session import SparkOptions
from matchgate.pipeline import BatchOutcome, standardise_requests, verify_batch
from matchgate.progress import NullProgress
from matchgate.workspace import Workspace

pytestmark = [pytest.mark.spark, pytest.mark.slow]

#: Two engines summing the same weights in another order agree to this (bits, not evidence).
WEIGHT_TOLERANCE = 1e-9
#: Share of candidates allowed a weight difference beyond the tolerance (a Jaro-Winkler level).
LEVEL_CHANGE_SHARE = 0.001


@dataclass(frozen=True)
class TwoEngines:
    workspace: Workspace
    files: dict[str, Path]
    duckdb: BatchOutcome
    spark: BatchOutcome
    spark_engine: SparkEngine


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoEngines]:
    folder = tmp_path_factory.mktemp("engines")
    files = demo.synthesise(folder, taxpayers=300, requests=120, seed=11)
    master = MasterFiles(files["taxpayers"], files["addresses"])
    workspace = Workspace(folder / "workspace")
    on_duckdb = DuckDBEngine(workspace)
    on_duckdb.load_master(master, progress=NullProgress())
    on_duckdb.train(seed=42, progress=NullProgress())
    on_spark = SparkEngine(workspace, SparkOptions(master="local[2]", shuffle_partitions=2))
    try:
        on_spark.load_master(master, progress=NullProgress())
        table = read_requests(files["requests"])
        check = check_envelope(read_envelope(files["envelope"]), reference_agreement())
        outcomes = {}
        for name, engine in (("duckdb", on_duckdb), ("spark", on_spark)):
            with engine.matcher() as matcher:
                outcomes[name] = verify_batch(
                    table, check, "B-1", reference_agreement(), matcher(), chunk_rows=64
                )
        yield TwoEngines(workspace, files, outcomes["duckdb"], outcomes["spark"], on_spark)
    finally:
        on_spark.close()


def test_both_engines_give_identical_outcomes_reason_codes_and_lkas(engines: TwoEngines) -> None:
    duck, spark = engines.duckdb.rows, engines.spark.rows
    assert len(duck) == len(spark) == engines.duckdb.rows[-1].index + 1
    for on_duckdb, on_spark in zip(duck, spark, strict=True):
        # The whole response row: outcome, reason codes, address match, LKA fields.
        assert on_spark.response == on_duckdb.response, on_duckdb.request_id
        assert on_spark.codes == on_duckdb.codes
        assert on_spark.lka == on_duckdb.lka
    # The world exercises every outcome, so equality is not vacuous.
    outcomes = {row.outcome for row in duck}
    assert {Outcome.VERIFIED, Outcome.NO_MATCH, Outcome.REJECTED} <= outcomes
    assert any(row.lka is not None for row in duck)


def test_both_engines_show_an_officer_the_same_records_as_filed(engines: TwoEngines) -> None:
    tins = sorted(
        {row.decision.tin for row in engines.duckdb.rows if row.decision and row.decision.tin}
    )
    on_duckdb = DuckDBEngine(engines.workspace).taxpayer_records(tins)
    assert on_duckdb and all(record.addresses for record in on_duckdb.values())
    assert engines.spark_engine.taxpayer_records(tins) == on_duckdb


def test_both_engines_score_the_same_candidates_within_the_stated_tolerance(
    engines: TwoEngines,
) -> None:
    candidates = 0
    beyond = 0
    for on_duckdb, on_spark in zip(engines.duckdb.rows, engines.spark.rows, strict=True):
        if on_duckdb.inputs is None:
            assert on_spark.inputs is None
            continue
        assert on_spark.inputs is not None
        left, right = on_duckdb.inputs.candidates, on_spark.inputs.candidates
        assert [c.tin for c in right] == [c.tin for c in left]
        for a, b in zip(left, right, strict=True):
            candidates += 1
            assert (a.address_on_file, a.address_is_lka) == (b.address_on_file, b.address_is_lka)
            if abs(a.match_weight - b.match_weight) > WEIGHT_TOLERANCE:
                beyond += 1
    assert candidates > 100
    assert beyond <= LEVEL_CHANGE_SHARE * candidates


def _duckdb_table(workspace: Workspace, table: str) -> pa.Table:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{workspace.master_db}' AS m (READ_ONLY)")
        return con.sql(f"SELECT * FROM m.{table}").to_arrow_table()
    finally:
        con.close()


def _rows(table: pa.Table, key: list[str]) -> list[dict[str, object]]:
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in key))


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("taxpayers", ["tin"]),
        ("address_rows", ["row_no"]),
        ("lka", ["tin"]),
        ("records", ["uid"]),
        ("tf_given", ["given"]),
        ("tf_surname", ["surname"]),
    ],
)
def test_the_spark_master_load_standardises_as_the_duckdb_load(
    engines: TwoEngines, table: str, key: list[str]
) -> None:
    """mapInArrow on the executors runs the same standardisation as the DuckDB path."""
    on_duckdb = _duckdb_table(engines.workspace, table)
    on_spark = pq.read_table(master_folder(engines.workspace.home) / table)
    assert sorted(on_spark.column_names) == sorted(on_duckdb.column_names)
    assert on_spark.num_rows == on_duckdb.num_rows > 0
    columns = on_duckdb.column_names
    assert _rows(on_spark.select(columns), key) == _rows(on_duckdb, key)


def test_both_engines_name_the_vintage_alike(engines: TwoEngines) -> None:
    duckdb_vintage = DuckDBEngine(engines.workspace).current_vintage_id()
    assert engines.spark_engine.current_vintage_id() == duckdb_vintage is not None
    assert engines.spark.rows and engines.spark.rows[0].response.batch_id == "B-1"


def test_req37_the_parquet_master_is_private(engines: TwoEngines) -> None:
    folder = master_folder(engines.workspace.home)
    assert sorted(p.name for p in folder.iterdir()) == sorted(TABLES)
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_a_model_trained_on_spark_is_stored_for_and_scored_by_duckdb(engines: TwoEngines) -> None:
    """Train once, score on either engine: Spark's model is kept rendered for DuckDB."""
    duckdb_model = current_model(engines.workspace)
    assert duckdb_model is not None
    master = SparkMaster(engines.spark_engine.sessions.session(), engines.workspace.home)
    # A small u sample keeps the test short; EM is the same sessions as on DuckDB.
    model = train_on_spark(master, seed=42, max_pairs=20_000)
    assert model.vintage_id == duckdb_model.vintage_id
    conditions = [
        level["sql_condition"]
        for comparison in model.settings["comparisons"]
        for level in comparison["comparison_levels"]
    ]
    assert conditions == [
        level["sql_condition"]
        for comparison in duckdb_model.settings["comparisons"]
        for level in comparison["comparison_levels"]
    ]
    # EM on the same sample finds the same m-probabilities up to the u sample's effect.
    for ours, theirs in zip(
        model.settings["comparisons"], duckdb_model.settings["comparisons"], strict=True
    ):
        for a, b in zip(ours["comparison_levels"], theirs["comparison_levels"], strict=True):
            assert abs(a.get("m_probability", 0) - b.get("m_probability", 0)) < 0.05
    master_db = MasterConnection(engines.workspace.master_db)
    try:
        table = read_requests(engines.files["requests"])
        check = check_envelope(read_envelope(engines.files["envelope"]), reference_agreement())
        outcome = verify_batch(
            table, check, "B-2", reference_agreement(), SplinkMatcher(master_db, model)
        )
    finally:
        master_db.close()
    verified = sum(1 for row in outcome.rows if row.outcome is Outcome.VERIFIED)
    assert verified > 0


def test_m_learnt_from_past_requests_on_spark_is_what_duckdb_learns(engines: TwoEngines) -> None:
    """Issue 8 item 2 on either engine: EM over past requests x master records, u fixed,
    gives the same m-probabilities and says the same about where they came from."""
    table = read_requests(engines.files["requests"])
    valid = [row.index for row in engines.duckdb.rows if not row.codes]
    requests = standardise_requests(table, valid)
    provenance = {"batches": [{"batch_id": "B-1", "rows": len(valid)}], "requests": len(valid)}
    models = {}
    for name, engine in (
        ("duckdb", DuckDBEngine(engines.workspace)),
        ("spark", engines.spark_engine),
    ):
        summary = engine.train_on_requests(
            requests, provenance=provenance, floor=True, progress=NullProgress()
        )
        models[name] = load_model(Path(summary.location))
    duck, spark = models["duckdb"], models["spark"]
    assert spark.metadata["m_trained_on"] == duck.metadata["m_trained_on"]
    assert duck.metadata["m_trained_on"]["source"] == "past_batches"
    for ours, theirs in zip(
        spark.settings["comparisons"], duck.settings["comparisons"], strict=True
    ):
        for a, b in zip(ours["comparison_levels"], theirs["comparison_levels"], strict=True):
            assert a.get("u_probability") == b.get("u_probability")  # u is fixed
            assert abs(a.get("m_probability", 0) - b.get("m_probability", 0)) < 0.01


def test_req37_a_production_workspace_refuses_an_unencrypted_spark_master(tmp_path: Path) -> None:
    home = tmp_path / "workspace"
    key = create_key_file(tmp_path / "store.key", workspace_home=home)
    workspace = Workspace(home, key, PRODUCTION_POLICY)
    engine = SparkEngine(workspace)
    files = MasterFiles(tmp_path / "taxpayers.csv", tmp_path / "addresses.csv")
    with pytest.raises(SparkEncryptionUnavailable):
        engine.load_master(files, progress=NullProgress())
    assert engine.sessions._session is None  # refused before Spark started
    assert "unencrypted" in engine.encryption_module()
    assert not master_folder(home).exists()


def test_the_spark_session_ends_with_the_engine(engines: TwoEngines) -> None:
    """Closing the engine stops the session, ends its JVM and removes its scratch folder.

    (Last in the module: it ends the session the other tests share.)
    """
    fresh = SparkEngine(engines.workspace)
    assert fresh.current_vintage_id() is not None  # read without starting a session
    assert fresh.sessions._session is None
    from pyspark import SparkContext

    engine = engines.spark_engine
    scratch = engine.sessions.scratch
    assert stat.S_IMODE(scratch.stat().st_mode) == 0o700
    gateway = SparkContext._gateway
    assert gateway is not None
    jvm = gateway.proc
    assert jvm.poll() is None
    engine.close()
    assert jvm.poll() is not None  # the JVM has exited
    assert not scratch.exists()
    assert not list(engines.workspace.home.glob(".spark-*"))
