"""Master load: the per-value standardisers that run in worker processes.

In: a batch of raw values as an Arrow table (distinct street lines; the
distinct values of one name column). Out: the batch's key with the standardised
columns, as an Arrow table.
Each function is a plain top-level function so that a "spawn" worker can
import it; `map_in_processes` runs them over a stream of batches with at most
a few batches in flight, so memory stays bounded whatever the input size.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing import resource_tracker
from multiprocessing.pool import AsyncResult
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.standardise.records import (
    standardise_names,
    street_columns,
    street_parts_table,
)
from matchgate.standardise.streets import parse_streets

T = TypeVar("T")

#: Raw name columns, as the taxpayers file spells them.
NAME_KEY_COLUMNS = ("first_name", "middle_name", "last_name", "name_suffix")


def parse_street_batch(batch: pa.Table) -> pa.Table:
    """`street` (distinct lines) -> `street` plus the stored street columns, by the parser."""
    streets = batch.column("street").to_pylist()
    parts = street_parts_table(parse_streets(streets))
    return pa.table({"street": batch.column("street"), **street_columns(parts)})


def standardise_name_values(batch: pa.Table) -> pa.Table:
    """`field` (a raw name column) and `raw` (a value of it) -> both plus the name columns.

    Each value is standardised as the name of someone whose other three
    fields are blank: what that field alone contributes to every name that
    holds it (`records.standardise_names` reads each field on its own, too).
    """
    parts = []
    fields = batch.column("field")
    for field in NAME_KEY_COLUMNS:
        values = batch.filter(pc.equal(fields, field)).column("raw")
        names = standardise_names(pa.table({field: values}))
        parts.append(pa.table({"field": pa.repeat(field, len(values)), "raw": values, **names}))
    return pa.concat_tables(parts)


def map_in_processes(
    work: Callable[[pa.Table], pa.Table], batches: Iterable[pa.Table], processes: int
) -> Iterator[pa.Table]:
    """`work` over `batches`, in input order, in `processes` spawned workers.

    At most two batches per worker are in flight, so a long stream is never
    held in memory. Workers are started with "spawn" (forking a process that
    runs DuckDB or Arrow threads can deadlock the children) and are all ended
    when the iteration ends or fails: none outlives the load.
    """
    if processes <= 1:
        for batch in batches:
            yield work(batch)
        return
    try:
        yield from _in_pool(work, batches, processes)
    finally:
        _stop_resource_tracker()


def _in_pool(
    work: Callable[[pa.Table], pa.Table], batches: Iterable[pa.Table], processes: int
) -> Iterator[pa.Table]:
    # The pool lives only in this generator's frame: once it ends, nothing
    # holds the pool's locks, so they unregister before the tracker stops.
    pool = multiprocessing.get_context("spawn").Pool(processes)
    try:
        pending: deque[AsyncResult[pa.Table]] = deque()
        for batch in batches:
            pending.append(pool.apply_async(work, (batch,)))
            if len(pending) >= 2 * processes:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()
        pool.join()
    finally:
        pool.terminate()
        pool.join()


def _stop_resource_tracker() -> None:
    """End the helper process that "spawn" starts beside its workers.

    Python starts a resource tracker with the first spawned worker and leaves
    it running until the interpreter exits, so without this a command that
    used workers would leave a process behind it for a moment after it has
    exited. It is started again if workers are needed again.
    """
    tracker = getattr(resource_tracker, "_resource_tracker", None)
    stop = getattr(tracker, "_stop", None)
    if callable(stop):
        stop()


def map_in_threads(
    work: Callable[[pa.Table], T], batches: Iterable[pa.Table], threads: int
) -> Iterator[tuple[pa.Table, T]]:
    """Each batch with `work` of it, in input order, in `threads` threads.

    For work that is Arrow compute (which releases the GIL), threads use every
    core without the cost of starting processes; at most two batches per
    thread are in flight.
    """
    if threads <= 1:
        for batch in batches:
            yield batch, work(batch)
        return
    with ThreadPoolExecutor(threads) as pool:
        pending: deque[tuple[pa.Table, Future[T]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(work, batch)))
            if len(pending) >= 2 * threads:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
