"""The key that encrypts a workspace's stores at rest (REQ-37), and when one is required.

In: the path of a key file (`MATCHGATE_KEY_FILE`, or the path given to
`matchgate key create`) and the workspace it serves. Out: a `StoreKey`: 32
random bytes, never printed, known to the rest of matchgate by its id
(`K-` and 16 hex digits of a hash of the key, which tells keys apart without
revealing them).

A key file holds the key as 64 hex digits. It must be a regular file that
only its owner can read, and it must lie outside the workspace: a copy of
the workspace (a backup, a stolen disk image of that folder) must not carry
the key to its own stores. Keys are created here, with a mode of 0600 from
the start, and never overwritten.

Which workspaces must be encrypted is one rule, `encryption_policy(kind)`:
a trial workspace (synthetic data, evaluation, the one-shot `verify`) is
encrypted when a key is configured and runs without one otherwise; a
production workspace requires a key and a secure crypto module for every
store it keeps.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.files import open_private

#: AES-256: the key is 32 random bytes.
KEY_BYTES = 32

_KEY_TEXT = re.compile(rb"\s*([0-9a-fA-F]{64})\s*")
_KEY_ID_CONTEXT = b"matchgate store key id\x00"


class StoreKeyError(MatchgateError):
    """A key cannot be used or is missing: refused like any other access not allowed.

    The key file is absent, inside the workspace or readable by others, or it
    is not the key the workspace's stores were encrypted with.
    """

    category = ErrorCategory.FORBIDDEN


class KeyFileInvalid(MatchgateError):
    """A key file exists but does not hold a key (the file is named, its content never)."""

    category = ErrorCategory.BAD_INPUT


@dataclass(frozen=True)
class StoreKey:
    """A store key and the file it came from; its repr shows only its id."""

    secret: bytes = field(repr=False)
    source: Path

    @property
    def key_id(self) -> str:
        return key_id_of(self.secret)

    @property
    def hex(self) -> str:
        """The key as 64 hex digits, for the engines' key clauses (never logged)."""
        return self.secret.hex()

    def __repr__(self) -> str:
        return f"StoreKey({self.key_id}, source={str(self.source)!r})"


def key_id_of(secret: bytes) -> str:
    return "K-" + hashlib.sha256(_KEY_ID_CONTEXT + secret).hexdigest()[:16]


class WorkspaceKind(StrEnum):
    """A trial workspace (synthetic data, evaluation) or a production one."""

    TRIAL = "trial"
    PRODUCTION = "production"


@dataclass(frozen=True)
class EncryptionPolicy:
    """What a kind of workspace requires of encryption at rest."""

    #: The workspace's stores must be encrypted: no key configured is refused.
    key_required: bool
    #: DuckDB may write its encrypted file with its embedded crypto module
    #: (mbedtls, which DuckDB itself calls not securely encrypted) when its
    #: OpenSSL module (the httpfs extension) is not installed.
    embedded_duckdb_crypto_allowed: bool


TRIAL_POLICY = EncryptionPolicy(key_required=False, embedded_duckdb_crypto_allowed=True)
PRODUCTION_POLICY = EncryptionPolicy(key_required=True, embedded_duckdb_crypto_allowed=False)

_POLICIES = {WorkspaceKind.TRIAL: TRIAL_POLICY, WorkspaceKind.PRODUCTION: PRODUCTION_POLICY}


def encryption_policy(kind: WorkspaceKind | str) -> EncryptionPolicy:
    """The one rule for which workspaces are encrypted at rest, and how strictly."""
    return _POLICIES[WorkspaceKind(kind)]


def encryption_required(kind: WorkspaceKind | str) -> bool:
    """Whether a workspace of this kind must have its stores encrypted (production: yes)."""
    return encryption_policy(kind).key_required


def _check_outside(path: Path, workspace_home: Path) -> None:
    resolved, home = path.resolve(), workspace_home.resolve()
    if resolved == home or resolved.is_relative_to(home):
        raise StoreKeyError(
            f"key file {path} is inside the workspace {workspace_home}: keep it outside, "
            "where a copy of the workspace does not carry it"
        )


def create_key_file(path: Path, *, workspace_home: Path) -> StoreKey:
    """A new random key written to ``path`` (created 0600, never overwriting a file)."""
    _check_outside(path, workspace_home)
    secret = secrets.token_bytes(KEY_BYTES)
    try:
        descriptor = open_private(path, exclusive=True)
    except FileExistsError:
        raise StoreKeyError(f"key file {path} already exists: a key is never overwritten") from None
    except OSError as exc:
        raise StoreKeyError(f"cannot create key file {path}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secret.hex().encode("ascii") + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return StoreKey(secret, path)


def read_key_file(path: Path, *, workspace_home: Path) -> StoreKey:
    """The key in ``path``, if the file is a private regular file outside the workspace."""
    _check_outside(path, workspace_home)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise StoreKeyError(f"key file {path} not found") from None
    except OSError as exc:
        raise StoreKeyError(f"key file {path} cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise StoreKeyError(f"key file {path} is not a regular file")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise StoreKeyError(
            f"key file {path} is accessible by group or others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}): it must be 0600 or 0400"
        )
    try:
        content = path.read_bytes()[:4096]
    except OSError as exc:
        raise StoreKeyError(f"key file {path} cannot be read: {exc.strerror or exc}") from None
    found = _KEY_TEXT.fullmatch(content)
    if found is None:
        raise KeyFileInvalid(f"key file {path} does not hold a key (64 hex digits)")
    return StoreKey(bytes.fromhex(found.group(1).decode("ascii")), path)
