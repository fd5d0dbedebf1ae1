"""The composition root: the one place that chooses what the use cases run on.

In: validated `Settings`. Out: `Services`, built once per CLI command or once
per web process: the workflow store opened once (SQLite in the workspace, or
PostgreSQL at `MATCHGATE_DATABASE_URL`; its schema brought up to date by
Alembic here, at start-up, not on every call), the match engine (DuckDB
in-process, over the workspace's master file and models), both encrypted at
rest with the key of `MATCHGATE_KEY_FILE` when one is configured (the
workspace is unlocked here, once, and refused if the key is not its own),
and one clock
that every stamp the store writes takes its time from. A test or another
adapter passes its own clock or engine; nothing is built at import time.
"""

from __future__ import annotations

from datetime import timedelta

from matchgate.clock import Clock, utc_now
from matchgate.config import Settings
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.match.limits import EngineLimits
from matchgate.match.port import MatchEngine
from matchgate.services import Services
from matchgate.services.auditing import AuditService
from matchgate.services.identity import AgreementService, IdentityService
from matchgate.services.insights import InsightService
from matchgate.services.keys import KeyService
from matchgate.services.logins import LoginPolicy, LoginService
from matchgate.services.safeguards import SafeguardService
from matchgate.services.tokens import RequesterService, TokenService
from matchgate.services.trial import TrialService
from matchgate.services.webapp import WebServices
from matchgate.services.workflow import BatchService, ReviewService, UserService
from matchgate.services.workspace import MasterService
from matchgate.workflow.store import Store, open_store
from matchgate.workspace import Workspace


def build_services(
    settings: Settings, *, clock: Clock = utc_now, engine: MatchEngine | None = None
) -> Services:
    """The use cases over the settings' workflow store and workspace."""
    workspace = settings.workspace.unlock(settings.key_file)
    store = open_store(workspace, settings.database_url, clock=clock)
    engine = engine if engine is not None else _engine(settings, workspace)
    return _services(store, engine, clock, workspace, chunk_rows=settings.chunk_rows)


def build_web_services(
    settings: Settings, *, clock: Clock = utc_now, engine: MatchEngine | None = None
) -> WebServices:
    """The CLI's use cases plus logins, tokens and the pages' views, over one store."""
    workspace = settings.workspace.unlock(settings.key_file)
    store = open_store(workspace, settings.database_url, clock=clock)
    engine = engine if engine is not None else _engine(settings, workspace)
    core = _services(store, engine, clock, workspace, chunk_rows=settings.chunk_rows)
    policy = LoginPolicy(
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        idle=timedelta(minutes=settings.session_idle_minutes),
    )
    return WebServices(
        core=core,
        logins=LoginService(store, policy),
        tokens=TokenService(store),
        requesters=RequesterService(store, core.batches),
        insights=InsightService(store),
    )


def _engine(settings: Settings, workspace: Workspace) -> DuckDBEngine:
    """DuckDB over the (unlocked) workspace, within the configured memory limit."""
    return DuckDBEngine(workspace, limits=EngineLimits.of(settings.engine_memory_limit))


def _services(
    store: Store, engine: MatchEngine, clock: Clock, workspace: Workspace, *, chunk_rows: int
) -> Services:
    master = MasterService(store, engine)
    agreements = AgreementService(store)
    return Services(
        batches=BatchService(store, engine, agreements, chunk_rows=chunk_rows),
        review=ReviewService(store, engine),
        users=UserService(store),
        master=master,
        trial=TrialService(store, engine, master, agreements, chunk_rows=chunk_rows),
        audit=AuditService(store),
        identity=IdentityService(store),
        agreements=agreements,
        safeguards=SafeguardService(store),
        keys=KeyService(workspace, store, engine),
        closer=store.close,
    )
