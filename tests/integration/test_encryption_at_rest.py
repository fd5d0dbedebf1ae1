"""REQ-37: the workflow store and the master file, written with a key, are encrypted at rest.

Through the command line, as an operator would: a key made outside the
workspace, a master file loaded, a model trained and a batch decided with
it. Then neither store holds a synthetic TIN in clear (the bytes are
grepped, and the same TINs are read back through the key, so the grep is
not looking for data that was never there); neither opens without the key
or with another one, by a clear refusal (exit 4), never a traceback; and a
rotation keeps every record while the old key stops opening anything.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from e2e.workflow_cli import ANSI
from integration.audit.flow import Result, cli, cli_ok
from matchgate import demo
from matchgate.bootstrap import build_services
from matchgate.config import load_settings
from matchgate.errors import ErrorCategory
from matchgate.keys import StoreKeyError, read_key_file
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.store.database import make_engine, sqlite_url, upgrade
from matchgate.workspace import Workspace

pytestmark = pytest.mark.slow

ADMIN, OPERATOR = "admin-ana", "op-otto"


class Encrypted:
    """A workspace whose stores were written under a key, and the world it was built from."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "workspace"
        self.keys = root / "keys"
        self.keys.mkdir()
        self.world = demo.synthesise(root / "world", taxpayers=400, requests=80, seed=11)
        envelope = json.loads(self.world["envelope"].read_text(encoding="utf-8"))
        self.batch_id: str = envelope["batch_id"]

    def moved_to(self, home: Path) -> Encrypted:
        """The same world and keys over a copy of the workspace at ``home``."""
        moved = Encrypted.__new__(Encrypted)
        moved.__dict__.update(self.__dict__, home=home)
        return moved

    def key(self, name: str) -> Path:
        return self.keys / name

    def run(self, *args: str | Path, key: Path | None) -> Result:
        env = {"MATCHGATE_KEY_FILE": str(key)} if key is not None else {}
        return cli(*args, "--workspace", self.home, env=env)

    def ok(self, *args: str | Path, key: Path | None) -> Result:
        result = self.run(*args, key=key)
        assert result.code == 0, f"matchgate {' '.join(map(str, args))}: {result}"
        return result

    def json(self, *args: str | Path, key: Path | None) -> Any:
        return json.loads(ANSI.sub("", self.ok(*args, "--json", key=key).out))

    def tins(self) -> list[str]:
        with self.world["taxpayers"].open(encoding="utf-8", newline="") as handle:
            return [row["tin"] for row in csv.DictReader(handle)]

    def store_bytes(self) -> dict[str, bytes]:
        return {
            p.name: p.read_bytes()
            for p in self.home.iterdir()
            if p.name.startswith(("workflow.sqlite", "master.duckdb"))
        }


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> Encrypted:
    ws = Encrypted(tmp_path_factory.mktemp("atrest"))
    cli_ok("key", "create", ws.key("first.key"), "--workspace", ws.home)
    key = ws.key("first.key")
    ws.ok("user", "add", ADMIN, "--role", "admin", key=key)
    ws.ok("user", "add", OPERATOR, "--role", "operator", "--as", ADMIN, key=key)
    ws.ok("master", "load", "--taxpayers", ws.world["taxpayers"],
          "--addresses", ws.world["addresses"], "--as", OPERATOR, key=key)  # fmt: skip
    ws.ok("model", "train", "--as", OPERATOR, key=key)
    ws.ok("batch", "submit", ws.world["requests"], "--envelope", ws.world["envelope"],
          "--as", OPERATOR, key=key)  # fmt: skip
    return ws


def refused(result: Result, message: str) -> None:
    assert result.code == 4, result
    assert message in result.err, result
    assert "Traceback" not in result.err + result.out


def test_req37_neither_store_holds_a_tin_in_clear(encrypted: Encrypted) -> None:
    stores = encrypted.store_bytes()
    assert {"workflow.sqlite", "master.duckdb"} <= set(stores)
    tins = encrypted.tins()
    in_clear = {name: [t for t in tins if t.encode() in data] for name, data in stores.items()}
    assert in_clear == {name: [] for name in stores}
    # The TINs are there, behind the key: the master file has every one, the
    # workflow store the decisions' candidates.
    key = read_key_file(encrypted.key("first.key"), workspace_home=encrypted.home)
    engine = make_engine(sqlite_url(encrypted.home / "workflow.sqlite"), key=key)
    try:
        with engine.connect() as con:
            decided = {row[0] for row in con.exec_driver_sql("SELECT tin FROM decisions")}
    finally:
        engine.dispose()
    assert decided & set(tins)
    records = DuckDBEngine(Workspace(encrypted.home, key)).taxpayer_records(tins[:5])
    assert sorted(records) == sorted(tins[:5])


def test_req37_the_key_itself_is_nowhere_in_the_workspace(encrypted: Encrypted) -> None:
    key = read_key_file(encrypted.key("first.key"), workspace_home=encrypted.home)
    holding = [
        str(p.relative_to(encrypted.home))
        for p in encrypted.home.rglob("*")
        if p.is_file() and (key.hex.encode() in p.read_bytes() or key.secret in p.read_bytes())
    ]
    assert holding == []
    assert key.key_id in (encrypted.home / "encryption.json").read_text()


def test_req37_without_the_key_the_workspace_is_refused_by_name(encrypted: Encrypted) -> None:
    refused(encrypted.run("user", "list", key=None), "is encrypted at rest")
    refused(encrypted.run("batch", "list", key=None), "set MATCHGATE_KEY_FILE")


def test_req37_a_wrong_key_is_refused_by_name(encrypted: Encrypted) -> None:
    cli_ok("key", "create", encrypted.key("stray.key"), "--workspace", encrypted.home)
    refused(encrypted.run("user", "list", key=encrypted.key("stray.key")), "is encrypted with key")


def test_req37_the_store_files_themselves_refuse_a_missing_or_wrong_key(
    encrypted: Encrypted, tmp_path: Path
) -> None:
    """Even with the workspace's record of its key removed, no store opens without it."""
    copy = tmp_path / "copied"
    shutil.copytree(encrypted.home, copy)
    (copy / "encryption.json").unlink()
    cli_ok("key", "create", tmp_path / "stray.key", "--workspace", copy)
    stray = read_key_file(tmp_path / "stray.key", workspace_home=copy)

    result = cli("user", "list", "--workspace", copy)
    refused(result, "workflow store")
    for key in (None, stray):
        with pytest.raises(StoreKeyError) as caught:
            DuckDBEngine(Workspace(copy, key)).current_vintage_id()
        assert caught.value.category is ErrorCategory.FORBIDDEN
        engine = make_engine(sqlite_url(copy / "workflow.sqlite"), key=key)
        try:
            with pytest.raises(StoreKeyError, match="cannot be read"):
                upgrade(engine)
        finally:
            engine.dispose()


def test_req37_key_status_names_the_key_and_the_modules(encrypted: Encrypted) -> None:
    key = encrypted.key("first.key")
    status = encrypted.json("key", "status", key=key)
    assert status["key_id"] == read_key_file(key, workspace_home=encrypted.home).key_id
    assert status["stores"] == ["workflow.sqlite", "master.duckdb"]
    assert status["workflow_store"].startswith("SQLCipher 4")
    assert "AES-256-GCM" in status["master_store"]


def test_req37_rotation_keeps_every_record_and_the_old_key_stops_working(
    encrypted: Encrypted, tmp_path: Path
) -> None:
    home = tmp_path / "workspace"
    shutil.copytree(encrypted.home, home)
    ws = encrypted.moved_to(home)
    old, new = ws.key("first.key"), tmp_path / "second.key"
    before = ws.json("batch", "show", ws.batch_id, key=old)
    vintage = DuckDBEngine(Workspace(home, read_key_file(old, workspace_home=home)))
    vintage_before = vintage.current_vintage_id()

    cli_ok("key", "create", new, "--workspace", home)
    rotated = ws.ok("key", "rotate", "--new-key-file", new, "--as", ADMIN, key=old)
    assert "now encrypted with key" in rotated.out

    assert ws.json("batch", "show", ws.batch_id, key=new) == before
    assert "intact" in ws.ok("audit", "verify", "--as", ADMIN, key=new).out
    new_key = read_key_file(new, workspace_home=home)
    assert DuckDBEngine(Workspace(home, new_key)).current_vintage_id() == vintage_before
    settings = load_settings(home=home, key_file=new)
    with build_services(settings) as services:
        export = b"".join(services.audit.export(actor=ADMIN))
    assert b'"key_rotated"' in export and new_key.key_id.encode() in export
    assert not list(home.glob("*.rekey"))

    refused(ws.run("user", "list", key=old), "is encrypted with key")
    old_key = read_key_file(old, workspace_home=home)
    with pytest.raises(StoreKeyError):
        DuckDBEngine(Workspace(home, old_key)).current_vintage_id()
    engine = make_engine(sqlite_url(home / "workflow.sqlite"), key=old_key)
    try:
        with pytest.raises(StoreKeyError):
            upgrade(engine)
    finally:
        engine.dispose()
    tins = ws.tins()
    in_clear = {n: [t for t in tins if t.encode() in d] for n, d in ws.store_bytes().items()}
    assert in_clear == {n: [] for n in ws.store_bytes()}


def test_req37_rotation_from_no_key_encrypts_a_workspace_written_in_clear(
    tmp_path: Path,
) -> None:
    ws = Encrypted(tmp_path)
    ws.ok("user", "add", ADMIN, "--role", "admin", "--role", "operator", key=None)
    ws.ok("master", "load", "--taxpayers", ws.world["taxpayers"],
          "--addresses", ws.world["addresses"], "--as", ADMIN, key=None)  # fmt: skip
    tins = ws.tins()
    assert any(t.encode() in ws.store_bytes()["master.duckdb"] for t in tins)  # in clear

    cli_ok("key", "create", ws.key("first.key"), "--workspace", ws.home)
    refused(ws.run("user", "list", key=ws.key("first.key")), "key rotate")
    ws.ok("key", "rotate", "--new-key-file", ws.key("first.key"), "--as", ADMIN, key=None)
    users = ws.json("user", "list", key=ws.key("first.key"))
    assert [u["name"] for u in users] == [ADMIN]
    in_clear = {n: [t for t in tins if t.encode() in d] for n, d in ws.store_bytes().items()}
    assert in_clear == {n: [] for n in ws.store_bytes()}
    refused(ws.run("user", "list", key=None), "is encrypted at rest")
