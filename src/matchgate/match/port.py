"""Stage 3 (match) as the service layer sees it: one narrow port, whatever engine runs it.

In: the master-file vintage and the trained model a workspace holds. Out:
what the use cases need of them, and nothing of how they are stored or
scored: the current vintage, loading a new one, the current model,
training one, a factory for the pipeline's `Matcher` (which also gives the
last known addresses of the taxpayers a batch identifies), and the records
as filed that a reviewing officer sees.

`match/duckdb_engine.py` implements it in-process on DuckDB, and
`match/spark/engine.py` on Spark for national scale; what both share
(`match/pairs.py`, `match/training.py`, `master/vintage.py`) runs no engine. The composition root
(`bootstrap.py`) chooses the implementation: nothing above it asks which
engine it has, so there is no `if spark:` anywhere.

Master files are named by path, not passed as bytes: at national scale they
are far larger than memory, and the engine streams them from where they lie.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from matchgate.domain.taxpayers import TaxpayerRecord
from matchgate.keys import StoreKey
from matchgate.master.summary import MasterSummary
from matchgate.pipeline import Matcher
from matchgate.progress import Progress

#: Opens the matcher on first call, so a batch with nothing to match never opens one.
MatcherFactory = Callable[[], Matcher]


@dataclass(frozen=True)
class MasterFiles:
    """The custodian's two master tables (FORMATS.md §1), where they lie."""

    taxpayers: Path
    addresses: Path


@dataclass(frozen=True)
class ModelSummary:
    """A trained match model: its content-derived version, its vintage, where it is kept."""

    version: str
    vintage_id: str
    location: str


class MatchEngine(Protocol):
    """What the use cases need from the master file and the model."""

    def current_vintage_id(self) -> str | None:
        """The loaded vintage's id, or None when no master file is loaded."""
        ...

    def require_vintage_id(self) -> str:
        """The loaded vintage's id; WorkspaceError (not ready) when there is none."""
        ...

    def vintage_id_of(self, files: MasterFiles) -> str:
        """The id a load of these files would give (same files and rules, same id)."""
        ...

    def load_master(self, files: MasterFiles, *, progress: Progress) -> MasterSummary:
        """Standardise and store a new vintage; the previous one stays if this fails."""
        ...

    def current_model(self) -> ModelSummary | None:
        """The model most recently trained, or None."""
        ...

    def train(self, *, seed: int, progress: Progress) -> ModelSummary:
        """Train a model on the loaded vintage (EM, no labels) and make it current."""
        ...

    def train_on_requests(
        self,
        requests: pa.Table,
        *,
        provenance: Mapping[str, Any],
        floor: bool,
        progress: Progress,
    ) -> ModelSummary:
        """Re-estimate the current model's m-probabilities by EM over `requests` (past
        batches' standardised valid rows) scored against the master file; save the
        result, with `provenance` in its metadata, as the current model. `floor`:
        keep the master training's floor on every m-probability."""
        ...

    def matcher(self) -> AbstractContextManager[MatcherFactory]:
        """A factory for the pipeline's matcher; whatever it opens is closed on exit."""
        ...

    def taxpayer_records(self, tins: Sequence[str]) -> Mapping[str, TaxpayerRecord]:
        """The records as filed of these taxpayers (none without a master file)."""
        ...

    def reencrypt_master(self, new_key: StoreKey) -> Path | None:
        """The master file re-encrypted with ``new_key``, staged beside the current one
        for a key rotation to commit (None when no master file is loaded)."""
        ...

    def encryption_module(self) -> str:
        """The crypto module the engine writes an encrypted master file with, in words."""
        ...
