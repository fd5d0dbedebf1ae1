"""Connecting to the workflow store and bringing its schema up to date.

SQLite in the workspace by default (`workflow.sqlite`); PostgreSQL when a
`MATCHGATE_DATABASE_URL` is configured. This module is the only place that
knows which: the rest of matchgate sees a SQLAlchemy `Engine` and sessions.

With a store key, the SQLite file is a SQLCipher database (REQ-37): the
`sqlcipher3` driver (SQLCipher 4, AES-256 in CBC mode with an HMAC-SHA512
per page, OpenSSL as its crypto provider) stands in for `sqlite3` under
SQLAlchemy's pysqlite dialect, and every connection gives the raw 256-bit
key before anything else. A raw key needs no passphrase derivation: the key
file already holds 32 random bytes. PostgreSQL's encryption at rest is the
database server's and its disks' (README "Encryption at rest").
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
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from matchgate.clock import Clock, utc_now
from matchgate.files import create_private_file
from matchgate.keys import StoreKey, StoreKeyError

#: Where a unit of work keeps the clock it takes its time from (`Session.info`).
_CLOCK = "matchgate.clock"


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path.as_posix()}"


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite store, None for a server database (PostgreSQL)."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(engine.url.database)


def sqlcipher_module_version() -> str:
    """SQLCipher's version and crypto provider, as SQLCipher reports them."""
    connection = sqlcipher_module().connect(":memory:")
    try:
        connection.execute("PRAGMA key = 'version probe'")
        pragmas = ("cipher_version", "cipher_provider", "cipher_provider_version")
        version, provider, provider_version = (
            str(connection.execute(f"PRAGMA {name}").fetchone()[0]) for name in pragmas
        )
        fips = connection.execute("PRAGMA cipher_fips_status").fetchone()
    finally:
        connection.close()
    mode = "FIPS mode" if fips and str(fips[0]) == "1" else "not in FIPS mode"
    return f"SQLCipher {version} over {provider_version} ({provider}, {mode})"


def _key_pragma(key: StoreKey) -> str:
    # SQLCipher's raw-key form: x'<64 hex digits>' (no passphrase derivation).
    return f"PRAGMA key = \"x'{key.hex}'\""


def sqlcipher_module() -> Any:
    """The SQLCipher DB-API module (`sqlcipher3`), imported only when a key is in use."""
    import sqlcipher3.dbapi2  # type: ignore[import-untyped]

    return sqlcipher3.dbapi2


def make_engine(url: str, *, key: StoreKey | None = None) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout.

    ``key``: the SQLite file is SQLCipher-encrypted with it (ignored for PostgreSQL).
    """
    if url.startswith("sqlite"):
        extra: dict[str, Any] = {"module": sqlcipher_module()} if key is not None else {}
        engine = create_engine(url, connect_args={"timeout": 30}, **extra)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, begin transactions (see below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if key is not None:
                cursor.execute(_key_pragma(key))
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
    """Apply every Alembic migration not yet applied (idempotent).

    A SQLite file that cannot be read (encrypted with another key, encrypted
    and opened without one, or not a database) is refused by name, never
    with the driver's traceback.
    """
    try:
        command.upgrade(alembic_config(engine), "head")
    except DatabaseError as exc:
        if engine.dialect.name != "sqlite" or "not a database" not in str(exc.orig):
            raise
        raise StoreKeyError(
            f"the workflow store {engine.url.database} cannot be read: it is encrypted with "
            "another key, or encrypted and opened without its key, or not a workflow store"
        ) from None


def reencrypt_sqlite(source: Path, target: Path, *, old: StoreKey | None, new: StoreKey) -> None:
    """Write the SQLite store ``source`` (under ``old``, or plain) to ``target`` under ``new``.

    SQLCipher's `sqlcipher_export` copies schema and rows into a new file
    encrypted with the new key; the caller renames it into place. ``target``
    must not exist.
    """
    module = sqlcipher_module()
    create_private_file(target)  # 0600 before SQLCipher fills it
    connection = module.connect(str(source), isolation_level=None)
    try:
        if old is not None:
            connection.execute(_key_pragma(old))
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{new.hex}'\"", (str(target),))
        connection.execute("SELECT sqlcipher_export('rekeyed')")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute(f"PRAGMA rekeyed.user_version = {int(version)}")
        connection.execute("DETACH DATABASE rekeyed")
    except module.DatabaseError as exc:
        raise StoreKeyError(
            f"the workflow store {source} cannot be re-encrypted: it is not readable "
            f"with the current key ({type(exc).__name__})"
        ) from None
    finally:
        connection.close()


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
