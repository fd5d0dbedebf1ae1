"""Past batches as training data for the match model's m-probabilities.

In: the workflow store and, optionally, the ids of the batches to learn from.
Out: the standardised comparison columns of those batches' valid rows,
pooled into one table (uids ``q<batch number>_<row>``, distinct from the
master's), and the provenance the model file records: which batches, how
many rows of each.

Requests are where the noise is: how requesters write names, dates and
addresses, which the master file (every taxpayer spelled one way) cannot
show. Only batches that were matched are used (their rows passed intake; a
REJECTED row never reaches the matcher, so it does not teach it either);
the rows are read as received, so learning from them never depends on how
they were decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import select

from matchgate.domain.lifecycle import BatchState
from matchgate.errors import WorkspaceError
from matchgate.pipeline import standardise_requests
from matchgate.store.tables import Batch, BatchRow
from matchgate.workflow.store import Store
from matchgate.workflow.stored import BatchStateError, get_batch, table_of

#: States in which a batch's rows have been through the matcher.
_MATCHED_STATES = frozenset(
    {BatchState.MATCHED, BatchState.IN_REVIEW, BatchState.APPROVED, BatchState.RELEASED}
)


def past_requests(
    store: Store, batch_ids: Sequence[str] | None = None
) -> tuple[pa.Table, dict[str, Any]]:
    """Pooled standardised rows of the named batches (None: every matched batch)."""
    tables: list[pa.Table] = []
    used: list[dict[str, Any]] = []
    with store.transaction() as session:
        if batch_ids is None:
            ids = list(
                session.scalars(
                    select(Batch.batch_id)
                    .where(Batch.state.in_([s.value for s in _MATCHED_STATES]))
                    .order_by(Batch.received_at, Batch.batch_id)
                )
            )
        else:
            ids = list(dict.fromkeys(batch_ids))
            for batch_id in ids:
                state = BatchState(get_batch(session, batch_id).state)
                if state not in _MATCHED_STATES:
                    raise BatchStateError(f"batch {batch_id} has not been matched ({state.value})")
        for number, batch_id in enumerate(ids):
            codes = session.scalars(
                select(BatchRow.codes)
                .where(BatchRow.batch_id == batch_id)
                .order_by(BatchRow.row_index)
            ).all()
            valid = [i for i, joined in enumerate(codes) if not joined]
            if not valid:
                continue
            table = standardise_requests(table_of(session, batch_id), valid)
            uids = pa.array([f"q{number}_{i}" for i in valid], pa.string())
            tables.append(table.set_column(table.schema.get_field_index("uid"), "uid", uids))
            used.append({"batch_id": batch_id, "rows": len(valid)})
    if not tables:
        raise WorkspaceError("no matched batch to learn from: submit batches first")
    pooled = pa.concat_tables(tables, promote_options="default")
    return pooled, {"batches": used, "requests": pooled.num_rows}
