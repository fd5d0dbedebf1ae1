"""REQ-37: a key rotation is recorded in the audit chain on every workflow-store backend.

SQLite in the workspace: the store is re-encrypted and the `key_rotated`
event is in the new file. PostgreSQL: the server keeps its own encryption at
rest; the rotation (of the workspace's master file) is recorded in it.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from integration.store.conftest import StoreCase
from matchgate.keys import create_key_file
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.services.keys import KeyService
from matchgate.store.tables import AuditEventRow
from matchgate.workflow.store import Store, open_store
from matchgate.workspace import Workspace


def rotations(store: Store) -> list[dict[str, object]]:
    with store.transaction() as session:
        rows = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "key_rotated")
        ).all()
        return [{"actor": r.actor, **json.loads(r.payload)} for r in rows]


def test_req37_a_rotation_is_audited_where_the_workflow_store_lives(
    store_case: StoreCase, tmp_path: Path
) -> None:
    store = store_case.store
    home = (
        Path(str(store.engine.url.database)).parent
        if store_case.backend == "sqlite"
        else tmp_path / "workspace"
    )
    workspace = Workspace(home).ensure()
    key_file = tmp_path / "new.key"
    key = create_key_file(key_file, workspace_home=home)

    rotation = KeyService(workspace, store, DuckDBEngine(workspace)).rotate(
        key_file, actor="admin-ana"
    )

    assert (rotation.old_key_id, rotation.new_key_id) == (None, key.key_id)
    expected = [{"actor": "admin-ana", "from_key": None, "to_key": key.key_id}]
    if store_case.backend == "sqlite":
        reopened = open_store(Workspace(home).unlock(key_file))
        try:
            assert rotations(reopened) == expected
        finally:
            reopened.close()
    else:
        assert rotations(store) == expected
    assert Workspace(home).unlock(key_file).key == key
