"""The workspace: one folder holding everything matchgate keeps.

`MATCHGATE_HOME` (default `./matchgate-workspace`) holds the standardised
master file (`master.duckdb`), the trained models (`models/`), the SQLite
workflow store (`workflow.sqlite`) and the application log. Nothing is
written elsewhere. The workspace and every folder in it are 0700 and every
file 0600 (`files.py`): it holds taxpayer data (REQ-37).

Encryption at rest: a workspace opened with a key (`unlock`) keeps its
stores (`workflow.sqlite`, `master.duckdb`) encrypted with it, and records
the key's id (never the key) in `encryption.json`, so that a command run
without the key, or with another one, is refused with a clear message
before any store is touched. The key itself lives outside the workspace
(`keys.py`). `encryption.json` is also the journal of a key rotation: the
stores re-encrypted with the new key are staged beside the old ones
(`<store>.rekey`), then the journal names the new key, then the staged
files replace the old ones; a rotation interrupted after the journal names
the new key is completed by the next command, one interrupted before leaves
the old stores and key in force.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from matchgate.errors import WorkspaceError
from matchgate.files import create_private_file, private_folder, write_atomically
from matchgate.keys import (
    TRIAL_POLICY,
    EncryptionPolicy,
    StoreKey,
    StoreKeyError,
    WorkspaceKind,
    encryption_policy,
    read_key_file,
)

#: Where a rotation stages a store re-encrypted with the new key.
STAGED_SUFFIX = ".rekey"

#: Files an engine keeps beside a store, which belong to the store's old content.
_COMPANIONS = ("-wal", "-shm", "-journal", ".wal")


@dataclass(frozen=True)
class EncryptionState:
    """What `encryption.json` says: the key the stores are encrypted with, a rotation under way."""

    key_id: str
    rotating_to: str | None = None


@dataclass(frozen=True)
class Workspace:
    """The workspace folder, and the key its stores are encrypted with (None: not encrypted)."""

    home: Path
    key: StoreKey | None = None
    policy: EncryptionPolicy = TRIAL_POLICY

    @property
    def master_db(self) -> Path:
        return self.home / "master.duckdb"

    @property
    def workflow_db(self) -> Path:
        return self.home / "workflow.sqlite"

    @property
    def log_file(self) -> Path:
        return self.home / "matchgate.log"

    @property
    def encryption_file(self) -> Path:
        return self.home / "encryption.json"

    @property
    def stores(self) -> tuple[Path, ...]:
        """The store files this workspace keeps (the workflow store only when it is SQLite)."""
        return tuple(p for p in (self.workflow_db, self.master_db) if p.is_file())

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def current_model_pointer(self) -> Path:
        return self.models_dir / "CURRENT"

    def ensure(self) -> Workspace:
        """The workspace and its models folder, created (or tightened to) 0700."""
        try:
            private_folder(self.home)
            private_folder(self.models_dir)
        except OSError as exc:
            raise WorkspaceError(f"cannot create workspace {self.home}: {exc.strerror}") from exc
        return self

    def private_file(self, path: Path) -> Path:
        """``path`` in the workspace created empty and 0600 if absent, for an engine to fill."""
        self.ensure()
        try:
            return create_private_file(path)
        except OSError as exc:
            raise WorkspaceError(f"cannot create {path}: {exc.strerror}") from exc

    def require_master(self) -> Path:
        if not self.master_db.is_file():
            raise WorkspaceError(
                f"no master file in workspace {self.home}: run `matchgate master load` first"
            )
        return self.master_db

    # -- encryption at rest ------------------------------------------------------------

    def unlock(
        self, key_file: Path | None, *, kind: WorkspaceKind | str = WorkspaceKind.TRIAL
    ) -> Workspace:
        """This workspace with its stores' key, checked against what the workspace records.

        Refused (StoreKeyError): no key for an encrypted workspace or for a kind
        that requires one; a key that is not the workspace's; a key for a
        workspace whose stores were written unencrypted (they are encrypted by
        `matchgate key rotate`, not silently). A fresh workspace opened with a
        key records the key's id and is encrypted from its first store on.
        """
        policy = encryption_policy(kind)
        state = self.finish_rotation()
        if key_file is None:
            if state is not None:
                raise StoreKeyError(
                    f"workspace {self.home} is encrypted at rest (key {state.key_id}): "
                    "set MATCHGATE_KEY_FILE to its key file"
                )
            if policy.key_required:
                raise StoreKeyError(
                    f"a {WorkspaceKind(kind).value} workspace must be encrypted at rest: "
                    "create a key with `matchgate key create PATH` (outside the workspace) "
                    "and set MATCHGATE_KEY_FILE to it"
                )
            return Workspace(self.home, None, policy)
        key = read_key_file(key_file, workspace_home=self.home)
        if state is None:
            found = [p.name for p in self.stores if p.stat().st_size > 0]
            if found:
                raise StoreKeyError(
                    f"workspace {self.home} has stores ({', '.join(found)}) but no record of "
                    f"a key ({self.encryption_file.name}): stores written unencrypted are "
                    f"encrypted by `matchgate key rotate --new-key-file {key_file}` run "
                    "without MATCHGATE_KEY_FILE; a removed record is restored from a backup"
                )
            self.record_encryption(EncryptionState(key.key_id))
        elif state.key_id != key.key_id:
            raise StoreKeyError(
                f"key file {key_file} holds key {key.key_id}, but workspace {self.home} "
                f"is encrypted with key {state.key_id}"
            )
        return Workspace(self.home, key, policy)

    def encryption_state(self) -> EncryptionState | None:
        """What `encryption.json` records, or None for a workspace never encrypted."""
        try:
            document = json.loads(self.encryption_file.read_text(encoding="utf-8"))
            return EncryptionState(str(document["key_id"]), document.get("rotating_to"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(
                f"{self.encryption_file} is unreadable ({type(exc).__name__}): it records "
                "which key encrypts this workspace's stores"
            ) from exc

    def record_encryption(self, state: EncryptionState) -> None:
        self.ensure()
        document = {"key_id": state.key_id, "rotating_to": state.rotating_to}
        write_atomically(
            self.encryption_file,
            json.dumps(document, sort_keys=True).encode() + b"\n",
            what="encryption record",
        )

    def staged(self, store: Path) -> Path:
        """Where a rotation writes ``store`` re-encrypted with the new key."""
        return store.with_name(store.name + STAGED_SUFFIX)

    def discard_staged(self) -> None:
        """Remove what an abandoned rotation staged (before a new rotation stages its own)."""
        for store in (self.workflow_db, self.master_db):
            self.staged(store).unlink(missing_ok=True)

    def commit_rotation(self, new_key: StoreKey) -> None:
        """Make the staged stores (complete, on disk) the workspace's, under ``new_key``.

        Every store the workspace has must be staged. The journal names the new
        key first: from then on the rotation is completed, by this call or by
        the next command (`finish_rotation`).
        """
        missing = [p.name for p in self.stores if not self.staged(p).is_file()]
        if missing:
            raise WorkspaceError(f"key rotation: {', '.join(missing)} not re-encrypted")
        old = self.encryption_state()
        self.record_encryption(
            EncryptionState(old.key_id if old else "", rotating_to=new_key.key_id)
        )
        self.finish_rotation()

    def finish_rotation(self) -> EncryptionState | None:
        """Complete a rotation the journal has committed to; the state in force after it."""
        state = self.encryption_state()
        if state is None or state.rotating_to is None:
            return state
        for store in (self.workflow_db, self.master_db):
            staged = self.staged(store)
            if staged.is_file():
                for companion in _COMPANIONS:
                    store.with_name(store.name + companion).unlink(missing_ok=True)
                os.replace(staged, store)
        done = EncryptionState(state.rotating_to)
        self.record_encryption(done)
        return done
