"""REQ-37: the key for encryption at rest lives in a private file outside the workspace."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from matchgate.errors import ErrorCategory
from matchgate.keys import (
    KeyFileInvalid,
    StoreKeyError,
    WorkspaceKind,
    create_key_file,
    encryption_required,
    read_key_file,
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("open_umask")
def test_req37_a_new_key_file_is_0600_and_reads_back_as_the_same_key(
    tmp_path: Path, home: Path
) -> None:
    created = create_key_file(tmp_path / "store.key", workspace_home=home)
    path = tmp_path / "store.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64
    again = read_key_file(path, workspace_home=home)
    assert again.key_id == created.key_id and again.secret == created.secret
    assert len(created.secret) == 32


def test_req37_two_keys_differ_and_a_key_is_never_shown(tmp_path: Path, home: Path) -> None:
    one = create_key_file(tmp_path / "one.key", workspace_home=home)
    two = create_key_file(tmp_path / "two.key", workspace_home=home)
    assert one.key_id != two.key_id
    assert one.hex not in repr(one) and one.hex not in str(one)
    assert one.key_id in repr(one)


def test_req37_an_existing_file_is_never_overwritten(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "store.key"
    path.write_text("something else")
    with pytest.raises(StoreKeyError, match="already exists"):
        create_key_file(path, workspace_home=home)
    assert path.read_text() == "something else"


@pytest.mark.parametrize("where", ["workspace.key", "models/workspace.key", "."])
def test_req37_a_key_file_inside_the_workspace_is_refused(home: Path, where: str) -> None:
    (home / "models").mkdir(parents=True)
    with pytest.raises(StoreKeyError, match="inside the workspace") as caught:
        create_key_file(home / where, workspace_home=home)
    assert caught.value.category is ErrorCategory.FORBIDDEN
    with pytest.raises(StoreKeyError, match="inside the workspace"):
        read_key_file(home / where, workspace_home=home)


def test_req37_a_symlink_into_the_workspace_is_inside_it(tmp_path: Path, home: Path) -> None:
    home.mkdir()
    create_key_file(tmp_path / "real.key", workspace_home=tmp_path / "elsewhere")
    (tmp_path / "real.key").rename(home / "real.key")
    (tmp_path / "link.key").symlink_to(home / "real.key")
    with pytest.raises(StoreKeyError, match="inside the workspace"):
        read_key_file(tmp_path / "link.key", workspace_home=home)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_req37_a_key_file_readable_by_others_is_refused(
    tmp_path: Path, home: Path, mode: int
) -> None:
    path = tmp_path / "store.key"
    create_key_file(path, workspace_home=home)
    path.chmod(mode)
    with pytest.raises(StoreKeyError, match="group or others") as caught:
        read_key_file(path, workspace_home=home)
    assert caught.value.category is ErrorCategory.FORBIDDEN


def test_req37_a_read_only_key_file_is_accepted(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "store.key"
    key = create_key_file(path, workspace_home=home)
    path.chmod(0o400)
    assert read_key_file(path, workspace_home=home).key_id == key.key_id


def test_req37_a_missing_key_file_is_refused_by_name(tmp_path: Path, home: Path) -> None:
    with pytest.raises(StoreKeyError, match=r"store\.key not found"):
        read_key_file(tmp_path / "store.key", workspace_home=home)


@pytest.mark.parametrize("content", [b"", b"abc", b"g" * 64, b"0" * 63, b"0" * 65])
def test_req37_a_file_without_a_key_is_bad_input_and_its_content_is_not_quoted(
    tmp_path: Path, home: Path, content: bytes
) -> None:
    path = tmp_path / "store.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(KeyFileInvalid) as caught:
        read_key_file(path, workspace_home=home)
    assert caught.value.category is ErrorCategory.BAD_INPUT
    assert content.decode() not in caught.value.message or not content


def test_req37_production_workspaces_require_encryption_trial_ones_do_not() -> None:
    assert encryption_required(WorkspaceKind.PRODUCTION) is True
    assert encryption_required("production") is True
    assert encryption_required(WorkspaceKind.TRIAL) is False
