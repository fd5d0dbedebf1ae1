"""Stage 3 (match) on Spark: the `MatchEngine` port for national scale (`--engine spark`).

In: the workspace folder (its `master-spark/` Parquet master and its
`models/`) and `SparkOptions`. Out: the port's operations: loading a
vintage (`master.py`), training and scoring through Splink's SparkAPI
(`scoring.py`), and the pipeline's `Matcher`, whose candidates are built by
the same engine-free code as on DuckDB (`decide.evidence`), so the policy
decides the same way whichever engine scored.

Models are shared with the DuckDB engine (`models/`, rendered per engine at
use), so a model trained once is scored by either engine. The Spark session
is started on the first operation that needs it and stopped by `close()`
(and at exit).

Encryption at rest: this engine writes the Parquet master unencrypted
(Parquet's modular encryption needs a key management client that matchgate
does not configure). A production workspace is refused with
`SparkEncryptionUnavailable`; a trial workspace with a key is written with a
warning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyspark

from matchgate.decide.evidence import RequestFacts, address_from_row, build_candidates
from matchgate.decide.policy import Candidate
from matchgate.disclose.minimise import LastKnownAddress
from matchgate.domain.taxpayers import TaxpayerRecord
from matchgate.errors import ErrorCategory, MatchgateError, ModelError, WorkspaceError
from matchgate.keys import StoreKey
from matchgate.logs import get_logger
from matchgate.master.summary import MasterSummary
from matchgate.master.vintage import file_sha256, vintage_id_for
from matchgate.match.engine_support import model_summary, require_model, taxpayer_record_from_row
from matchgate.match.model import MatchModel, current_model, master_trained_base, save_model
from matchgate.match.pairs import PAIRS_PER_SLICE, request_slices
from matchgate.match.port import MasterFiles, MatcherFactory, ModelSummary
from matchgate.match.spark.master import load_master_on_spark, master_folder, read_vintage
from matchgate.match.spark.scoring import (
    SparkMaster,
    given_names_on_spark,
    lka_on_spark,
    records_on_spark,
    score_on_spark,
    train_m_on_spark,
    train_on_spark,
)
from matchgate.match.spark.session import SparkOptions, SparkSessions
from matchgate.match.training import M_PROBABILITY_FLOOR
from matchgate.pipeline import Matcher
from matchgate.progress import Progress
from matchgate.standardise.addresses import StandardAddress
from matchgate.workspace import Workspace

_log = get_logger("match.spark")

UNENCRYPTED = (
    "none: the Spark engine writes its Parquet master file unencrypted "
    "(Parquet modular encryption needs a key management client matchgate does not configure); "
    "refused in a production workspace"
)


class SparkEncryptionUnavailable(MatchgateError):
    """The workspace requires its master file encrypted at rest, which Spark cannot do here."""

    category = ErrorCategory.NOT_READY


class SparkMatcher:
    """Scores requests with a trained model against the Parquet master, on Spark."""

    def __init__(self, master: SparkMaster, model: MatchModel) -> None:
        self.master = master
        self.model = model
        self.vintage_id = str(master.vintage["vintage_id"])
        self.model_version = model.version
        self.requests_scored = 0

    def candidates(
        self, requests: Mapping[str, RequestFacts], table: pa.Table
    ) -> dict[str, list[Candidate]]:
        self.requests_scored += table.num_rows
        pairs = score_on_spark(self.master, self.model, table)
        givens = [g for g in table.column("given").to_pylist() if g]
        on_file = given_names_on_spark(self.master, givens)
        found: dict[str, list[Candidate]] = {}
        for part in request_slices(pairs, PAIRS_PER_SLICE):
            found.update(build_candidates(part, requests, self._standard_lkas, on_file))
        return found

    def _standard_lkas(self, tins: Sequence[str]) -> dict[str, StandardAddress]:
        rows = lka_on_spark(self.master, list(tins)).to_pylist()
        return {row["tin"]: address_from_row(row) for row in rows}

    def last_known_addresses(self, tins: Sequence[str]) -> dict[str, LastKnownAddress]:
        rows = lka_on_spark(self.master, list(tins)).to_pylist()
        return {
            row["tin"]: LastKnownAddress(
                street=(row["lka_street"] or "").strip(),
                city=(row["lka_city"] or "").strip(),
                state=(row["lka_state"] or "").strip().upper(),
                zip=(row["lka_zip"] or "").strip(),
            )
            for row in rows
        }


class SparkEngine:
    """The master file and the model of one workspace, on Spark (see `MatchEngine`)."""

    def __init__(self, workspace: Workspace, options: SparkOptions | None = None) -> None:
        self.workspace = workspace
        self.sessions = SparkSessions(workspace.home, options or SparkOptions())

    @property
    def master_folder(self) -> Path:
        return master_folder(self.workspace.home)

    def close(self) -> None:
        """Stop the Spark session (if one was started) and remove its scratch folder."""
        self.sessions.stop()

    def current_vintage_id(self) -> str | None:
        vintage = read_vintage(self.workspace.home)
        return None if vintage is None else str(vintage["vintage_id"])

    def require_vintage_id(self) -> str:
        vintage_id = self.current_vintage_id()
        if vintage_id is None:
            raise WorkspaceError(
                f"no master file loaded on Spark in workspace {self.workspace.home}: "
                "run `matchgate --engine spark master load` first"
            )
        return vintage_id

    def vintage_id_of(self, files: MasterFiles) -> str:
        return vintage_id_for(file_sha256(files.taxpayers), file_sha256(files.addresses))

    def load_master(self, files: MasterFiles, *, progress: Progress) -> MasterSummary:
        self._check_encryption()
        self.workspace.ensure()
        return load_master_on_spark(
            self.sessions.session(),
            files.taxpayers,
            files.addresses,
            home=self.workspace.home,
            scratch=self.sessions.scratch,
            progress=progress,
        )

    def current_model(self) -> ModelSummary | None:
        model = current_model(self.workspace)
        return None if model is None else self._summary(model)

    def train(self, *, seed: int, progress: Progress) -> ModelSummary:
        master = self._master()
        with progress.task("Training the match model (EM, Spark)", total=1) as task:
            model = train_on_spark(master, seed=seed)
            task.advance()
        save_model(model, self.workspace)
        return self._summary(model)

    def train_on_requests(
        self,
        requests: pa.Table,
        *,
        provenance: Mapping[str, Any],
        floor: bool,
        progress: Progress,
    ) -> ModelSummary:
        base = master_trained_base(self._require_model(), self.workspace)
        master = self._master()
        if base.vintage_id != str(master.vintage["vintage_id"]):
            raise ModelError(
                "the current model was trained on another master-file vintage: "
                "run `matchgate model train` first"
            )
        with progress.task("Training m-probabilities on past batches (EM, Spark)", total=1) as task:
            model = train_m_on_spark(
                master,
                base,
                requests,
                provenance=dict(provenance),
                floor=M_PROBABILITY_FLOOR if floor else None,
            )
            task.advance()
        save_model(model, self.workspace)
        return self._summary(model)

    @contextmanager
    def matcher(self) -> Iterator[MatcherFactory]:
        def factory() -> Matcher:
            return SparkMatcher(self._master(), self._require_model())

        yield factory

    def taxpayer_records(self, tins: Sequence[str]) -> Mapping[str, TaxpayerRecord]:
        if read_vintage(self.workspace.home) is None:
            return {}
        found = records_on_spark(self._master(), list(tins))
        return {tin: taxpayer_record_from_row(row) for tin, row in found.items()}

    def reencrypt_master(self, new_key: StoreKey) -> Path | None:
        """Nothing to re-encrypt: this engine's Parquet master is not encrypted (None)."""
        return None

    def encryption_module(self) -> str:
        return f"{UNENCRYPTED} (pyspark {pyspark.__version__})"

    def _check_encryption(self) -> None:
        if self.workspace.key is None:
            return
        if not self.workspace.policy.embedded_duckdb_crypto_allowed:
            raise SparkEncryptionUnavailable(
                "this workspace requires its master file encrypted at rest, and the Spark "
                "engine cannot encrypt its Parquet master: load it with the DuckDB engine"
            )
        _log.warning("the Spark master file is written unencrypted (trial workspace)")

    def _master(self) -> SparkMaster:
        self.require_vintage_id()
        return SparkMaster(self.sessions.session(), self.workspace.home)

    def _require_model(self) -> MatchModel:
        return require_model(self.workspace)

    def _summary(self, model: MatchModel) -> ModelSummary:
        return model_summary(model, self.workspace)
