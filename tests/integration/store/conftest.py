"""Shared fixtures for the workflow-store tests: a fresh store on each backend.

``store`` is parametrised over SQLite (a file in the test's workspace) and
PostgreSQL (a throw-away schema ``mg_<uuid>`` on the server named by
``MATCHGATE_TEST_POSTGRES_URL``, default the local test server). The
PostgreSQL case is marked ``postgres`` and skipped, with the reason, when the
server cannot be reached. Every schema is created by the Alembic migrations
(`matchgate.store.database.upgrade`) and dropped at teardown.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from matchgate.store.database import make_engine, upgrade
from matchgate.workflow.store import Store, open_store
from matchgate.workspace import Workspace

DEFAULT_POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("MATCHGATE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


@functools.cache
def postgres_unreachable() -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it can."""
    url = postgres_url()
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        safe = make_url(url).render_as_string(hide_password=True)
        return f"PostgreSQL at {safe} is unreachable ({type(exc).__name__}: {exc})"
    return None


@dataclass(frozen=True)
class StoreCase:
    """A store under test and where it lives."""

    store: Store
    backend: str  # "sqlite" | "postgres"
    #: The PostgreSQL schema holding the tables (None for SQLite).
    schema: str | None = None


def _sqlite_case(tmp_path: Path) -> Iterator[StoreCase]:
    store = open_store(Workspace(tmp_path / "workspace"))
    try:
        yield StoreCase(store=store, backend="sqlite")
    finally:
        store.close()


def _postgres_case() -> Iterator[StoreCase]:
    reason = postgres_unreachable()
    if reason is not None:
        pytest.skip(reason)
    url = make_url(postgres_url())
    schema = f"mg_{uuid.uuid4().hex}"
    admin = create_engine(url, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # Every connection of the store's engine sees only this schema: the
        # tables and Alembic's version table are created in it.
        scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(scoped.render_as_string(hide_password=False))
        try:
            upgrade(engine)
            store = Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
            yield StoreCase(store=store, backend="postgres", schema=schema)
        finally:
            engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreCase]:
    if request.param == "sqlite":
        yield from _sqlite_case(tmp_path)
    else:
        yield from _postgres_case()


@pytest.fixture
def store(store_case: StoreCase) -> Store:
    return store_case.store
