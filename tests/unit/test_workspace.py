"""REQ-37: a workspace knows which key encrypts its stores and refuses any other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matchgate.errors import ErrorCategory
from matchgate.keys import (
    StoreKey,
    StoreKeyError,
    WorkspaceKind,
    create_key_file,
    read_key_file,
)
from matchgate.workspace import EncryptionState, Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "workspace").ensure()


def new_key(tmp_path: Path, name: str, workspace: Workspace) -> Path:
    create_key_file(tmp_path / name, workspace_home=workspace.home)
    return tmp_path / name


def test_req37_a_fresh_workspace_opened_with_a_key_records_its_id(
    tmp_path: Path, workspace: Workspace
) -> None:
    unlocked = workspace.unlock(new_key(tmp_path, "a.key", workspace))
    assert isinstance(unlocked.key, StoreKey)
    recorded = json.loads(workspace.encryption_file.read_text())
    assert recorded == {"key_id": unlocked.key.key_id, "rotating_to": None}
    assert unlocked.key.hex not in workspace.encryption_file.read_text()


def test_req37_an_encrypted_workspace_without_its_key_is_refused(
    tmp_path: Path, workspace: Workspace
) -> None:
    key_id = workspace.unlock(new_key(tmp_path, "a.key", workspace)).key.key_id  # type: ignore[union-attr]
    with pytest.raises(StoreKeyError, match=f"encrypted at rest \\(key {key_id}\\)") as caught:
        workspace.unlock(None)
    assert caught.value.category is ErrorCategory.FORBIDDEN


def test_req37_another_key_is_refused_naming_both_ids(tmp_path: Path, workspace: Workspace) -> None:
    first = workspace.unlock(new_key(tmp_path, "a.key", workspace)).key
    other = new_key(tmp_path, "b.key", workspace)
    with pytest.raises(StoreKeyError, match="is encrypted with key") as caught:
        workspace.unlock(other)
    assert first is not None and first.key_id in caught.value.message


def test_req37_stores_written_without_a_key_are_not_silently_taken_as_encrypted(
    tmp_path: Path, workspace: Workspace
) -> None:
    workspace.workflow_db.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(StoreKeyError, match="key rotate"):
        workspace.unlock(new_key(tmp_path, "a.key", workspace))
    assert not workspace.encryption_file.exists()


def test_req37_a_trial_workspace_runs_without_a_key_a_production_one_does_not(
    workspace: Workspace,
) -> None:
    assert workspace.unlock(None).key is None
    with pytest.raises(StoreKeyError, match="production workspace must be encrypted"):
        workspace.unlock(None, kind=WorkspaceKind.PRODUCTION)


def test_req37_a_rotation_the_journal_committed_to_is_completed_by_the_next_opening(
    tmp_path: Path, workspace: Workspace
) -> None:
    old = workspace.unlock(new_key(tmp_path, "a.key", workspace)).key
    new_path = new_key(tmp_path, "b.key", workspace)
    rotated = read_key_file(new_path, workspace_home=workspace.home)
    assert old is not None
    workspace.workflow_db.write_bytes(b"old store")
    workspace.staged(workspace.workflow_db).write_bytes(b"new store")
    (workspace.home / "workflow.sqlite-wal").write_bytes(b"old journal")
    workspace.record_encryption(EncryptionState(old.key_id, rotating_to=rotated.key_id))
    # The process died here; the next command, with the new key, finishes the switch.
    unlocked = workspace.unlock(new_path)
    assert unlocked.key is not None and unlocked.key.key_id == rotated.key_id
    assert workspace.workflow_db.read_bytes() == b"new store"
    assert not workspace.staged(workspace.workflow_db).exists()
    assert not (workspace.home / "workflow.sqlite-wal").exists()
    assert workspace.encryption_state() == EncryptionState(rotated.key_id)


def test_req37_a_rotation_not_committed_leaves_the_old_key_and_stores(
    tmp_path: Path, workspace: Workspace
) -> None:
    old_path = new_key(tmp_path, "a.key", workspace)
    old = workspace.unlock(old_path).key
    workspace.workflow_db.write_bytes(b"old store")
    workspace.staged(workspace.workflow_db).write_bytes(b"half a new store")
    # The process died while staging: the journal still names the old key.
    assert workspace.unlock(old_path).key == old
    assert workspace.workflow_db.read_bytes() == b"old store"
    workspace.discard_staged()
    assert not workspace.staged(workspace.workflow_db).exists()
