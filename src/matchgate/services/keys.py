"""Use cases of the key that encrypts a workspace's stores at rest (REQ-37).

In: key file paths and the acting user. Out: a new key file (`create_key`),
what encrypts the workspace now (`KeyService.status`), and a rotation
(`KeyService.rotate`): both stores re-encrypted with a new key and switched
over together, the old key no longer opening either, the rotation recorded in
the audit chain (`key_rotated`, with both key ids, never a key) in the same
store file that the new key opens.

A rotation is atomic for the workspace: the re-encrypted stores are staged
beside the current ones, and only then does the workspace's journal
(`encryption.json`) name the new key; a rotation that fails before that
leaves the old key and stores in force, one interrupted after it is
completed by the next command (`workspace.py`). A workspace whose stores
were written unencrypted is encrypted the same way (rotation from no key).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matchgate.audit.log import NewEvent
from matchgate.errors import InvalidArgument
from matchgate.keys import StoreKey, create_key_file, read_key_file
from matchgate.match.port import MatchEngine
from matchgate.store.database import sqlcipher_module_version, sqlite_file
from matchgate.workflow.auditing import record_workspace_event
from matchgate.workflow.store import Store, stage_reencrypted
from matchgate.workspace import Workspace


@dataclass(frozen=True)
class KeyStatus:
    """What encrypts a workspace's stores at rest, and with what."""

    key_id: str | None
    key_file: str | None
    #: Store files in the workspace (the workflow store only when it is SQLite).
    stores: tuple[str, ...]
    workflow_store: str
    master_store: str


@dataclass(frozen=True)
class Rotation:
    """A finished rotation: from which key (None: the stores were unencrypted) to which."""

    old_key_id: str | None
    new_key_id: str
    stores: tuple[str, ...]


def create_key(path: Path, *, workspace_home: Path) -> str:
    """A new key in a new file ``path`` (0600, outside the workspace); its id."""
    return create_key_file(path, workspace_home=workspace_home).key_id


class KeyService:
    """The workspace's key: its status and its rotation."""

    def __init__(self, workspace: Workspace, store: Store, engine: MatchEngine) -> None:
        self._workspace = workspace
        self._store = store
        self._engine = engine

    def status(self) -> KeyStatus:
        key = self._workspace.key
        in_workspace = sqlite_file(self._store.engine) is not None
        if key is None:
            workflow = "SQLite, not encrypted" if in_workspace else _server_store()
            master = "DuckDB, not encrypted"
        else:
            workflow = sqlcipher_module_version() if in_workspace else _server_store()
            master = self._engine.encryption_module()
        return KeyStatus(
            key_id=key.key_id if key else None,
            key_file=str(key.source) if key else None,
            stores=tuple(p.name for p in self._workspace.stores),
            workflow_store=workflow,
            master_store=master,
        )

    def rotate(self, new_key_file: Path, *, actor: str | None) -> Rotation:
        """Re-encrypt both stores with the key in ``new_key_file``; the old key stops working.

        The services' store is closed on the way: the command ends after it.
        """
        workspace = self._workspace
        new_key = read_key_file(new_key_file, workspace_home=workspace.home)
        old_key: StoreKey | None = workspace.key
        if old_key is not None and old_key.key_id == new_key.key_id:
            raise InvalidArgument(f"{new_key_file} holds the key in use ({new_key.key_id})")
        event = NewEvent(
            actor=actor or "",
            action="key_rotated",
            payload={"from_key": old_key.key_id if old_key else None, "to_key": new_key.key_id},
        )
        workspace.discard_staged()
        try:
            staged_store = stage_reencrypted(self._store, workspace, new_key, event)
            self._engine.reencrypt_master(new_key)
        except BaseException:
            workspace.discard_staged()  # nothing switched: the old key and stores stay
            raise
        workspace.commit_rotation(new_key)
        if staged_store is None:  # a server database: the event goes there
            record_workspace_event(
                self._store, actor, "key_rotated", from_key=event.payload["from_key"],
                to_key=new_key.key_id,
            )  # fmt: skip
        return Rotation(
            old_key_id=old_key.key_id if old_key else None,
            new_key_id=new_key.key_id,
            stores=tuple(p.name for p in workspace.stores),
        )


def _server_store() -> str:
    return "a database server: its encryption at rest is the server's and its disks'"
