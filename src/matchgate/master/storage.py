"""Opening the master file's DuckDB databases, encrypted at rest when the workspace has a key.

In: a DuckDB connection, a database file, the workspace's `StoreKey` (or
None) and its `EncryptionPolicy`. Out: the file attached under an alias,
with DuckDB's own encryption (AES-256-GCM, `ENCRYPTION_KEY`) when there is
a key, and temporary files (spill) encrypted too. Every DuckDB file that
holds taxpayer data is attached here: the master file, the load's scratch
copy of the files as filed, a rotation's re-encrypted copy.

DuckDB ships a crypto module that can only decrypt (mbedtls); writing an
encrypted file needs its OpenSSL module, which comes with the `httpfs`
extension. It is loaded if installed (never downloaded: a workspace is
air-gapped). Without it, a trial workspace writes with the embedded module,
which DuckDB calls "not securely encrypted" (its nonces come from a
non-cryptographic generator); a production policy refuses. `crypto_module()`
says which one a process uses, for `matchgate key status`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.keys import EncryptionPolicy, StoreKey, StoreKeyError
from matchgate.logs import get_logger

_log = get_logger("master.storage")

OPENSSL = "openssl (DuckDB httpfs extension)"
EMBEDDED = "mbedtls (DuckDB's embedded module: not securely encrypted, trial only)"


class CryptoUnavailable(MatchgateError):
    """A secure crypto module is required to write an encrypted master file and is missing."""

    category = ErrorCategory.NOT_READY


def _quoted(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def enable_encryption(
    con: duckdb.DuckDBPyConnection, policy: EncryptionPolicy, *, writing: bool
) -> str:
    """Prepare ``con`` for encrypted files; the crypto module it will write with."""
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET temp_file_encryption = true")
    try:
        con.execute("LOAD httpfs")
        return OPENSSL
    except duckdb.Error:
        pass
    if writing:
        if not policy.embedded_duckdb_crypto_allowed:
            raise CryptoUnavailable(
                "writing the encrypted master file needs DuckDB's OpenSSL module: install "
                f"the httpfs extension for DuckDB {duckdb.__version__} on this machine "
                "(`INSTALL httpfs` where DuckDB's extension repository is reachable, or a "
                "copy in ~/.duckdb/extensions)"
            )
        con.execute("SET force_mbedtls_unsafe = true")
    return EMBEDDED


def crypto_module(policy: EncryptionPolicy) -> str:
    """The module this process writes encrypted master files with (or the reason it cannot)."""
    con = duckdb.connect()
    try:
        return enable_encryption(con, policy, writing=True)
    except CryptoUnavailable as exc:
        return f"none: {exc.message}"
    finally:
        con.close()


def attach(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    alias: str,
    *,
    key: StoreKey | None,
    policy: EncryptionPolicy,
    read_only: bool = False,
) -> None:
    """Attach ``path`` as ``alias``: encrypted with ``key`` when given; refusals by name."""
    options = ["READ_ONLY"] if read_only else []
    if key is not None:
        module = enable_encryption(con, policy, writing=not read_only)
        if module == EMBEDDED and not read_only:
            _log.warning("%s written with %s", path.name, EMBEDDED)
        options.append(f"ENCRYPTION_KEY '{key.hex}'")
    clause = f" ({', '.join(options)})" if options else ""
    try:
        con.execute(f"ATTACH {_quoted(path)} AS {alias}{clause}")
    except duckdb.Error as exc:
        text = str(exc)
        if "without a key" in text:
            raise StoreKeyError(
                f"the master file {path} is encrypted: it cannot be opened without its key"
            ) from None
        if "is not encrypted" in text:
            raise StoreKeyError(
                f"the master file {path} is not encrypted, but a key was given"
            ) from None
        if "Wrong encryption key" in text:
            raise StoreKeyError(
                f"the master file {path} is encrypted with another key than the one given"
            ) from None
        if key is not None and "not a valid DuckDB database" in text:
            raise StoreKeyError(
                f"the master file {path} cannot be read with the key given "
                "(it is not an encrypted DuckDB database)"
            ) from None
        raise


def reencrypt(
    source: Path,
    target: Path,
    *,
    old: StoreKey | None,
    new: StoreKey,
    policy: EncryptionPolicy,
) -> None:
    """Copy the DuckDB database ``source`` (under ``old``, or plain) to ``target`` under ``new``."""
    con = duckdb.connect()
    try:
        attach(con, source, "old_store", key=old, policy=policy, read_only=True)
        attach(con, target, "new_store", key=new, policy=policy)
        con.execute("COPY FROM DATABASE old_store TO new_store")
        con.execute("CHECKPOINT new_store")
    finally:
        con.close()
