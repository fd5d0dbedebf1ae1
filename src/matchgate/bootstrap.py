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

from matchgate.clock import Clock, utc_now
from matchgate.config import Settings
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.match.port import MatchEngine
from matchgate.services import Services
from matchgate.services.auditing import AuditService
from matchgate.services.identity import AgreementService, IdentityService
from matchgate.services.safeguards import SafeguardService
from matchgate.services.trial import TrialService
from matchgate.services.workflow import BatchService, ReviewService, UserService
from matchgate.services.workspace import MasterService
from matchgate.workflow.store import open_store


def build_services(
    settings: Settings, *, clock: Clock = utc_now, engine: MatchEngine | None = None
) -> Services:
    """The use cases over the settings' workflow store and workspace."""
    workspace = settings.workspace
    store = open_store(workspace, settings.database_url, clock=clock)
    engine = engine if engine is not None else DuckDBEngine(workspace)
    master = MasterService(store, engine)
    agreements = AgreementService(store)
    return Services(
        batches=BatchService(store, engine, agreements),
        review=ReviewService(store, engine),
        users=UserService(store),
        master=master,
        trial=TrialService(store, engine, master, agreements),
        audit=AuditService(store),
        identity=IdentityService(store),
        agreements=agreements,
        safeguards=SafeguardService(store),
        closer=store.close,
    )
