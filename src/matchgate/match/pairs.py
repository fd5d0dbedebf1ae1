"""Stage 3 (match): the scored candidate pairs, as both engines give them.

In: nothing. Out: which master-record columns every scored pair carries (so
the decision needs no join back to the national records table), the columns
each side of a pair has, and how a table of pairs sorted by request is cut
into slices that keep each request's pairs together.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.match.settings import COMPARISON_COLUMNS
from matchgate.standardise.records import NAME_COLUMNS, STREET_COLUMNS

#: Columns of the master `records` table carried into candidate pairs.
#: (A record's street kind is always STREET or unusable, so it is not carried.)
RECORD_COLUMNS = (
    "tin",
    *NAME_COLUMNS,
    "dob",
    *(c for c in STREET_COLUMNS if c != "street_kind"),
    "zip5",
    "city",
    "state",
)


#: Record columns the decision reads, carried into each pair (Splink keeps a
#: column the comparisons also read only once).
CARRIED_COLUMNS = RECORD_COLUMNS
#: Columns each side of a scored pair has: the comparisons' and the carried ones.
SCORED_COLUMNS = tuple(dict.fromkeys((*COMPARISON_COLUMNS, *CARRIED_COLUMNS)))

#: Candidate pairs turned into Python objects at a time (Arrow holds the rest).
PAIRS_PER_SLICE = 50_000


def request_slices(pairs: pa.Table, max_rows: int) -> Iterator[pa.Table]:
    """Consecutive slices of `pairs` (sorted by request) of about `max_rows` rows.

    A slice ends only where the request changes, so every request's pairs are
    in one slice (a request with more pairs than `max_rows` is a slice of its
    own): the candidates of a request are grouped from all of its pairs.
    """
    rows = pairs.num_rows
    if rows <= max_rows:
        yield pairs
        return
    uids = pairs.column("request_uid").combine_chunks()
    changes = pc.not_equal(uids.slice(1), uids.slice(0, rows - 1))
    start = 0
    for boundary in (pc.indices_nonzero(changes).to_numpy() + 1).tolist():
        if boundary - start >= max_rows:
            yield pairs.slice(start, boundary - start)
            start = boundary
    yield pairs.slice(start)
