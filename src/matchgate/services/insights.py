"""Read-only views the officer UI draws: a batch's score distribution, an uploaded agreement.

In: a batch id; an agreement document uploaded as bytes. Out: `BatchScores`,
the match weight of every matched decision of the batch with its outcome
(no TIN, no name: a histogram's data), and the parsed `Agreement` of an
upload (for a remediation run from the browser), with the loader's own
error naming the upload when it is not a valid agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from matchgate.agreements.loader import parse_agreement
from matchgate.agreements.schema import Agreement
from matchgate.decide.recorded import load_evidence
from matchgate.domain.uploads import Upload
from matchgate.errors import InputFileError, NotFound
from matchgate.store.tables import Batch, Decision, ReviewAction
from matchgate.workflow.store import Store


@dataclass(frozen=True)
class BatchScores:
    """The match weight of each matched request of a batch, with the outcome it has now."""

    batch_id: str
    #: (outcome, match weight) per matched decision, in batch order.
    weights: tuple[tuple[str, float], ...]


class InsightService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def batch_scores(self, batch_id: str) -> BatchScores:
        with self._store.transaction() as session:
            if session.get(Batch, batch_id) is None:
                raise NotFound(f"no batch {batch_id!r}")
            rows = session.execute(
                select(Decision.outcome, Decision.evidence)
                .where(Decision.batch_id == batch_id)
                .order_by(Decision.row_index)
            ).all()
        weights = []
        for outcome, text in rows:
            evidence = load_evidence(text)
            if evidence is not None and evidence.match_weight is not None:
                weights.append((outcome, evidence.match_weight))
        return BatchScores(batch_id, tuple(weights))

    def reviewers(self, batch_id: str) -> frozenset[str]:
        """Who has decided review items of the batch (the two-person rule excludes them)."""
        with self._store.transaction() as session:
            found = session.scalars(
                select(ReviewAction.actor).where(ReviewAction.batch_id == batch_id)
            ).all()
        return frozenset(found)

    @staticmethod
    def agreement_upload(upload: Upload) -> Agreement:
        """The agreement in an uploaded YAML document."""
        try:
            text = upload.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(upload.name, "the agreement is not UTF-8 text") from None
        return parse_agreement(text, source=upload.name)
