"""The composition root: the one place that chooses what the use cases run on.

In: validated `Settings`. Out: `Services`, built once per CLI command or once
per web process: the workflow store opened once (SQLite in the workspace, or
PostgreSQL at `MATCHGATE_DATABASE_URL`; its schema brought up to date by
Alembic here, at start-up, not on every call), the match engine (DuckDB
in-process by default, or Spark for national scale with MATCHGATE_ENGINE=spark,
over the workspace's master file and models; the Spark session is stopped
when the services close), both encrypted at
rest with the key of `MATCHGATE_KEY_FILE` when one is configured (the
workspace is unlocked here, once, and refused if the key is not its own),
and one clock
that every stamp the store writes takes its time from. A test or another
adapter passes its own clock or engine; nothing is built at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from matchgate.clock import Clock, utc_now
from matchgate.config import Settings
from matchgate.errors import ErrorCategory, MatchgateError
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
    engine, close_engine = (
        (engine, _nothing) if engine is not None else _engine(settings, workspace)
    )
    return _services(
        store, engine, clock, workspace, chunk_rows=settings.chunk_rows, close_engine=close_engine
    )


def build_web_services(
    settings: Settings, *, clock: Clock = utc_now, engine: MatchEngine | None = None
) -> WebServices:
    """The CLI's use cases plus logins, tokens and the pages' views, over one store."""
    workspace = settings.workspace.unlock(settings.key_file)
    store = open_store(workspace, settings.database_url, clock=clock)
    engine, close_engine = (
        (engine, _nothing) if engine is not None else _engine(settings, workspace)
    )
    core = _services(
        store, engine, clock, workspace, chunk_rows=settings.chunk_rows, close_engine=close_engine
    )
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


class EngineUnavailable(MatchgateError):
    """The configured match engine's optional dependencies are not installed."""

    category = ErrorCategory.NOT_READY


#: A match engine and what ends it (a Spark session must be stopped with the command).
Built = tuple[MatchEngine, Callable[[], None]]


def _nothing() -> None:
    return None


def _duckdb_engine(settings: Settings, workspace: Workspace) -> Built:
    """DuckDB over the (unlocked) workspace, within the configured memory limit."""
    return DuckDBEngine(workspace, limits=EngineLimits.of(settings.engine_memory_limit)), _nothing


def _spark_engine(settings: Settings, workspace: Workspace) -> Built:
    """Spark (the [spark] extra) over the workspace; its session starts on first use."""
    try:
        from matchgate.match.spark.engine import SparkEngine
        from matchgate.match.spark.session import SparkOptions
    except ImportError as exc:
        raise EngineUnavailable(
            f"MATCHGATE_ENGINE=spark needs the spark extra: pip install 'matchgate[spark]' ({exc})"
        ) from None
    options = SparkOptions(
        master=settings.spark_master,
        shuffle_partitions=settings.spark_shuffle_partitions,
        driver_memory=settings.spark_driver_memory,
    )
    engine = SparkEngine(workspace, options)
    return engine, engine.close


_ENGINES: dict[str, Callable[[Settings, Workspace], Built]] = {
    "duckdb": _duckdb_engine,
    "spark": _spark_engine,
}


def _engine(settings: Settings, workspace: Workspace) -> Built:
    """The configured engine (MATCHGATE_ENGINE): DuckDB by default."""
    return _ENGINES[settings.engine](settings, workspace)


def _services(
    store: Store,
    engine: MatchEngine,
    clock: Clock,
    workspace: Workspace,
    *,
    chunk_rows: int,
    close_engine: Callable[[], None] = _nothing,
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
        closer=lambda: _close_all(close_engine, store.close),
    )


def _close_all(*closers: Callable[[], None]) -> None:
    """Run every closer, even when an earlier one fails."""
    try:
        closers[0]()
    finally:
        if len(closers) > 1:
            _close_all(*closers[1:])
