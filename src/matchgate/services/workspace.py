"""Use cases of the workspace's data: loading a master-file vintage, training the model.

In: the master files (by path: they are large and the engine streams them),
the acting user, and the engine port. Out: what was loaded or trained, and
for each an audit event in the workflow store (`master_loaded`,
`model_trained`, which says what the model learnt from: the master file, or
the past batches whose requests taught it their m-probabilities) naming who
did it (an operator: the role is checked before any work starts), so that
every vintage and model a
decision cites can be traced to an action. The one-shot `verify` runs these
same use cases, so its loading and training are accounted for too.
"""

from __future__ import annotations

from collections.abc import Sequence

from matchgate.domain.lifecycle import Role
from matchgate.master.summary import MasterSummary
from matchgate.match.port import MasterFiles, MatchEngine, ModelSummary
from matchgate.progress import NullProgress, Progress
from matchgate.workflow.auditing import record_workspace_event
from matchgate.workflow.store import Store, check_role
from matchgate.workflow.training import past_requests

#: The seed for sampling u-probabilities when none is asked for (reproducible training).
DEFAULT_TRAINING_SEED = 42


class MasterService:
    """The master file and the match model, audited."""

    def __init__(self, store: Store, engine: MatchEngine) -> None:
        self._store = store
        self._engine = engine

    def load(
        self, files: MasterFiles, *, actor: str | None, progress: Progress | None = None
    ) -> MasterSummary:
        """Standardise a master-file vintage into the workspace (an operator, checked first)."""
        check_role(self._store, actor, Role.OPERATOR)
        summary = self._engine.load_master(files, progress=progress or NullProgress())
        record_workspace_event(
            self._store,
            actor,
            "master_loaded",
            vintage_id=summary.vintage_id,
            taxpayers=summary.taxpayers,
            address_rows=summary.address_rows,
        )
        return summary

    def train(
        self,
        *,
        actor: str | None,
        seed: int = DEFAULT_TRAINING_SEED,
        progress: Progress | None = None,
    ) -> ModelSummary:
        """Train the match model on the loaded vintage (EM, no labels) and make it current."""
        check_role(self._store, actor, Role.OPERATOR)
        model = self._engine.train(seed=seed, progress=progress or NullProgress())
        record_workspace_event(
            self._store,
            actor,
            "model_trained",
            model_version=model.version,
            vintage_id=model.vintage_id,
        )
        return model

    def train_on_past_batches(
        self,
        *,
        actor: str | None,
        batch_ids: Sequence[str] | None = None,
        floor: bool = True,
        progress: Progress | None = None,
    ) -> ModelSummary:
        """Learn the m-probabilities from how requesters write: EM over the valid rows of
        past batches (`batch_ids`, or every matched batch) scored against the master
        file, pooled into one new model version that every later batch uses (never a
        model per batch: the same request gets the same answer in any batch)."""
        check_role(self._store, actor, Role.OPERATOR)
        requests, provenance = past_requests(self._store, batch_ids)
        model = self._engine.train_on_requests(
            requests, provenance=provenance, floor=floor, progress=progress or NullProgress()
        )
        record_workspace_event(
            self._store,
            actor,
            "model_trained",
            model_version=model.version,
            vintage_id=model.vintage_id,
            trained_on="past_batches",
            batches=[b["batch_id"] for b in provenance["batches"]],
            requests=provenance["requests"],
            m_probability_floor=floor,
        )
        return model
