"""The composition root: the one place that chooses what the use cases run on.

In: validated `Settings`. Out: `Services`, built once per CLI command or once
per web process: the workflow store opened once (SQLite in the workspace, or
PostgreSQL at `MATCHGATE_DATABASE_URL`; its schema brought up to date by
Alembic here, at start-up, not on every call), the match engine (DuckDB
in-process, over the workspace's master file and models), and one clock
that every stamp the store writes takes its time from. A test or another
adapter passes its own clock or engine; nothing is built at import time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from matchgate.clock import Clock, utc_now
from matchgate.config import Settings
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.match.limits import EngineLimits
from matchgate.match.port import MatchEngine
from matchgate.services import Services
from matchgate.services.auditing import AuditService
from matchgate.services.trial import TrialService
from matchgate.services.workflow import BatchService, ReviewService, UserService
from matchgate.services.workspace import MasterService
from matchgate.workflow.store import Store, open_store
from matchgate.workspace import Workspace


def build_services(
    settings: Settings, *, clock: Clock = utc_now, engine: MatchEngine | None = None
) -> Services:
    """The use cases over the settings' workflow store and workspace."""
    workspace = settings.workspace
    store = open_store(workspace, settings.database_url, clock=clock)
    if engine is None:
        engine = DuckDBEngine(workspace, limits=EngineLimits.of(settings.engine_memory_limit))
    master = MasterService(store, engine)
    return Services(
        batches=BatchService(store, engine, chunk_rows=settings.chunk_rows),
        review=ReviewService(store, engine),
        users=UserService(store),
        master=master,
        trial=TrialService(
            engine, master, partial(_scratch_store, clock), chunk_rows=settings.chunk_rows
        ),
        audit=AuditService(store),
        closer=store.close,
    )


@contextmanager
def _scratch_store(clock: Clock) -> Iterator[Store]:
    """A throwaway SQLite workflow store for one trial, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="matchgate-trial-") as scratch:
        store = open_store(Workspace(Path(scratch)), clock=clock)
        try:
            yield store
        finally:
            store.close()
