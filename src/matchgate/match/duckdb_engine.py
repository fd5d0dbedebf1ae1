"""Stage 3 (match) on DuckDB in-process: the `MatchEngine` port over one workspace.

In: the workspace folder (its `master.duckdb` and `models/`). Out: the port's
operations, each delegating to the module that owns it: loading a vintage
to `master/load.py`, training and scoring to `match/engine.py` and
`match/matcher.py`, model files to `match/model.py`. Connections to the
master file are opened per operation and closed after it, so an engine can
live as long as a process (the web app) without holding the file open; each
works within the engine's `EngineLimits` (DuckDB's memory limit, spilling to
a folder of its own in the workspace). Every operation that writes (a load,
training, scoring that may spill) runs under `files.private_umask()`, so what
DuckDB creates is 0600.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from matchgate.domain.taxpayers import TaxpayerRecord
from matchgate.errors import ModelError, WorkspaceError
from matchgate.files import private_umask
from matchgate.keys import StoreKey
from matchgate.master.load import load_master
from matchgate.master.storage import attach, crypto_module, reencrypt
from matchgate.master.summary import MasterSummary
from matchgate.master.vintage import file_sha256, vintage_id_for
from matchgate.match.engine import (
    MasterConnection,
    taxpayer_records,
    train_m_on_requests,
    train_model,
)
from matchgate.match.engine_support import model_summary, require_model, taxpayer_record_from_row
from matchgate.match.limits import EngineLimits
from matchgate.match.matcher import SplinkMatcher
from matchgate.match.model import MatchModel, current_model, master_trained_base, save_model
from matchgate.match.port import MasterFiles, MatcherFactory, ModelSummary
from matchgate.match.training import M_PROBABILITY_FLOOR
from matchgate.pipeline import Matcher
from matchgate.progress import Progress
from matchgate.workspace import Workspace


class DuckDBEngine:
    """The master file and the model of one workspace, on DuckDB (see `MatchEngine`)."""

    def __init__(self, workspace: Workspace, *, limits: EngineLimits | None = None) -> None:
        self.workspace = workspace
        #: Every connection this engine opens works within these limits and spills.
        self.limits = limits or EngineLimits.of()

    def current_vintage_id(self) -> str | None:
        if not self.workspace.master_db.is_file():
            return None
        con = duckdb.connect()
        try:
            attach(
                con,
                self.workspace.master_db,
                "master",
                key=self.workspace.key,
                policy=self.workspace.policy,
                read_only=True,
            )
            rows = con.execute("SELECT vintage_id FROM master.vintage").fetchall()
        finally:
            con.close()
        row = next(iter(rows), None)
        return str(row[0]) if row else None

    def require_vintage_id(self) -> str:
        self.workspace.require_master()
        vintage_id = self.current_vintage_id()
        if vintage_id is None:
            raise WorkspaceError(
                f"the master file in workspace {self.workspace.home} has no vintage record: "
                "run `matchgate master load` again"
            )
        return vintage_id

    def vintage_id_of(self, files: MasterFiles) -> str:
        return vintage_id_for(file_sha256(files.taxpayers), file_sha256(files.addresses))

    def load_master(self, files: MasterFiles, *, progress: Progress) -> MasterSummary:
        return load_master(
            files.taxpayers,
            files.addresses,
            self.workspace,
            progress=progress,
            memory_limit=self.limits.memory_limit,
        )

    def current_model(self) -> ModelSummary | None:
        model = current_model(self.workspace)
        return None if model is None else self._summary(model)

    @private_umask()
    def train(self, *, seed: int, progress: Progress) -> ModelSummary:
        master = self._connect(self.workspace.require_master())
        try:
            with progress.task("Training the match model (EM)", total=1) as task:
                model = train_model(master, seed=seed)
                task.advance()
        finally:
            master.close()
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
        master = self._connect(self.workspace.require_master())
        try:
            if base.vintage_id != str(master.vintage()["vintage_id"]):
                raise ModelError(
                    "the current model was trained on another master-file vintage: "
                    "run `matchgate model train` first"
                )
            with progress.task("Training m-probabilities on past batches (EM)", total=1) as task:
                model = train_m_on_requests(
                    master,
                    base,
                    requests,
                    provenance=dict(provenance),
                    floor=M_PROBABILITY_FLOOR if floor else None,
                )
                task.advance()
        finally:
            master.close()
        save_model(model, self.workspace)
        return self._summary(model)

    @contextmanager
    def matcher(self) -> Iterator[MatcherFactory]:
        opened: list[MasterConnection] = []

        def factory() -> Matcher:
            master = self._connect(self.workspace.require_master())
            opened.append(master)
            return SplinkMatcher(master, self._require_model())

        try:
            with private_umask():
                yield factory
        finally:
            for master in opened:
                master.close()

    def taxpayer_records(self, tins: Sequence[str]) -> Mapping[str, TaxpayerRecord]:
        if not self.workspace.master_db.is_file():
            return {}
        master = self._connect(self.workspace.master_db)
        try:
            found = taxpayer_records(master, list(tins))
        finally:
            master.close()
        return {tin: taxpayer_record_from_row(row) for tin, row in found.items()}

    def reencrypt_master(self, new_key: StoreKey) -> Path | None:
        """The master file re-encrypted with ``new_key``, staged beside it (None: no master)."""
        if not self.workspace.master_db.is_file():
            return None
        staged = self.workspace.staged(self.workspace.master_db)
        staged.unlink(missing_ok=True)
        with private_umask():
            reencrypt(
                self.workspace.master_db,
                staged,
                old=self.workspace.key,
                new=new_key,
                policy=self.workspace.policy,
            )
        return staged

    def encryption_module(self) -> str:
        return (
            f"DuckDB {duckdb.__version__}, AES-256-GCM with {crypto_module(self.workspace.policy)}"
        )

    def _connect(self, master_db: Path) -> MasterConnection:
        return MasterConnection(
            master_db, key=self.workspace.key, policy=self.workspace.policy, limits=self.limits
        )

    def _require_model(self) -> MatchModel:
        return require_model(self.workspace)

    def _summary(self, model: MatchModel) -> ModelSummary:
        return model_summary(model, self.workspace)
