"""Connecting to the workflow store and bringing its schema up to date.

SQLite in the workspace by default (`workflow.sqlite`); PostgreSQL when a
`MATCHGATE_DATABASE_URL` is configured. This module is the only place that
knows which: the rest of matchgate sees a SQLAlchemy `Engine` and sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from matchgate.clock import Clock, utc_now

#: Where a unit of work keeps the clock it takes its time from (`Session.info`).
_CLOCK = "matchgate.clock"


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path.as_posix()}"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, begin transactions (see below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            # Every unit of work takes SQLite's write lock up front: a transaction
            # that reads and then writes (the audit head, a resubmitted batch)
            # can then never act on a stale snapshot; others wait (timeout 30 s).
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("matchgate.store").joinpath("migrations"))
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


@contextmanager
def session_scope(
    factory: sessionmaker[Session], *, clock: Clock | None = None
) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    Everything the unit of work stamps (its rows, its audit events) takes its
    time from ``clock`` (default: the system clock), read with `clock_of`.
    """
    session = factory(info={_CLOCK: clock}) if clock is not None else factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def clock_of(session: Session) -> Clock:
    """The clock of the unit of work `session` belongs to."""
    clock: Clock = session.info.get(_CLOCK, utc_now)
    return clock
