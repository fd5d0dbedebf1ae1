"""Files at the edge: an output appears whole or not at all; an input names its path."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from matchgate.errors import ErrorCategory, InputFileError
from matchgate.files import (
    OutputFileError,
    OutputTargetError,
    create_private_file,
    private_folder,
    private_umask,
    read_upload,
    write_atomically,
)
from matchgate.logs import LOGGER_NAME, configure_file_logging, get_logger


def test_an_output_is_written_whole_and_nothing_else_is_left(tmp_path: Path) -> None:
    target = tmp_path / "response.csv"
    write_atomically(target, b"request_id,batch_id,outcome\r\n")
    assert target.read_bytes() == b"request_id,batch_id,outcome\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["response.csv"]


def test_chunks_are_written_as_they_come(tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    write_atomically(target, (f'{{"seq": {n}}}\n'.encode() for n in range(3)))
    assert target.read_text(encoding="utf-8").splitlines() == [
        '{"seq": 0}',
        '{"seq": 1}',
        '{"seq": 2}',
    ]


def test_a_failure_while_producing_leaves_nothing_and_the_old_file_untouched(
    tmp_path: Path,
) -> None:
    target = tmp_path / "notice.csv"
    target.write_bytes(b"the notice before\r\n")

    def failing() -> Iterator[bytes]:
        yield b"half a notice"
        raise RuntimeError("the source failed")

    with pytest.raises(RuntimeError):
        write_atomically(target, failing())
    assert target.read_bytes() == b"the notice before\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notice.csv"]


def test_an_unwritable_output_is_named(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "response.csv"
    with pytest.raises(OutputFileError) as caught:
        write_atomically(target, b"x", what="response")
    assert caught.value.message.startswith(f"cannot write response {target}:")
    assert not target.parent.exists()


def test_an_input_becomes_an_upload_named_after_its_path(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_bytes(b"request_id\r\nREQ-1\r\n")
    upload = read_upload(path)
    assert (upload.name, upload.data) == (str(path), b"request_id\r\nREQ-1\r\n")
    assert "REQ-1" not in repr(upload)  # its content never shows in a repr


def test_a_missing_input_is_bad_input_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        read_upload(tmp_path / "absent.csv")
    assert caught.value.category is ErrorCategory.BAD_INPUT
    assert caught.value.message == f"{tmp_path / 'absent.csv'}: file not found"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Run the test with umask 000: whatever is private is so by its own mode."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_req37_an_output_is_created_0600_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "response.csv"
    write_atomically(target, b"request_id\r\n")
    assert mode(target) == 0o600


@pytest.mark.usefixtures("open_umask")
def test_req37_an_output_replacing_an_open_file_is_0600(tmp_path: Path) -> None:
    target = tmp_path / "accounting.csv"
    target.write_bytes(b"old")
    target.chmod(0o644)
    write_atomically(target, b"new")
    assert (target.read_bytes(), mode(target)) == (b"new", 0o600)


@pytest.mark.usefixtures("open_umask")
def test_req37_private_folders_are_0700_and_an_open_one_is_closed(tmp_path: Path) -> None:
    fresh = private_folder(tmp_path / "a" / "b")
    opened = tmp_path / "opened"
    opened.mkdir(mode=0o755)
    private_folder(opened)
    assert (mode(fresh), mode(fresh.parent), mode(opened)) == (0o700, 0o700, 0o700)


@pytest.mark.usefixtures("open_umask")
def test_req37_an_engine_file_is_created_empty_and_0600(tmp_path: Path) -> None:
    path = create_private_file(tmp_path / "workflow.sqlite")
    assert (path.read_bytes(), mode(path)) == (b"", 0o600)


@pytest.mark.usefixtures("open_umask")
def test_req37_the_private_umask_covers_what_others_create_and_is_restored(
    tmp_path: Path,
) -> None:
    with private_umask(), private_umask():  # nested holders: the outer one restores
        (tmp_path / "journal").write_bytes(b"x")
        (tmp_path / "spill").mkdir()
    (tmp_path / "after").write_bytes(b"x")
    assert (mode(tmp_path / "journal"), mode(tmp_path / "spill")) == (0o600, 0o700)
    assert mode(tmp_path / "after") == 0o666


@pytest.mark.usefixtures("open_umask")
def test_req37_the_log_file_is_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "workspace" / "matchgate.log"
    configure_file_logging(path)
    try:
        get_logger("test").info("batch B-1 in_review")
    finally:
        for handler in list(logging.getLogger(LOGGER_NAME).handlers):
            if getattr(handler, "baseFilename", None) == str(path.resolve()):
                logging.getLogger(LOGGER_NAME).removeHandler(handler)
                handler.close()
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)


# Issue row 6: an output target that is not a regular file, or is an input, is refused.


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_row06_a_fifo_target_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    target = _fifo(tmp_path / "response.csv")
    with pytest.raises(OutputTargetError) as caught:
        write_atomically(target, b"request_id\r\n", what="response")
    assert caught.value.category is ErrorCategory.BAD_INPUT
    assert "FIFO" in caught.value.message and str(target) in caught.value.message
    assert stat.S_ISFIFO(target.lstat().st_mode)  # not replaced by a regular file
    assert [p.name for p in tmp_path.iterdir()] == ["response.csv"]


def test_row06_a_directory_target_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(OutputTargetError, match="a directory"):
        write_atomically(target, b"x")
    assert target.is_dir() and not list(target.iterdir())


def test_row06_a_symbolic_link_target_is_refused(tmp_path: Path) -> None:
    pipe = _fifo(tmp_path / "pipe")
    target = tmp_path / "response.csv"
    target.symlink_to(pipe)
    with pytest.raises(OutputTargetError, match="symbolic link"):
        write_atomically(target, b"x")
    assert target.is_symlink() and stat.S_ISFIFO(pipe.lstat().st_mode)


def test_row06_a_target_that_is_an_input_is_refused_by_any_name(tmp_path: Path) -> None:
    source = tmp_path / "batch.csv"
    source.write_bytes(b"request_id\r\nREQ-1\r\n")
    alias = tmp_path / "same-file.csv"
    os.link(source, alias)
    for target in (source, alias):
        with pytest.raises(OutputTargetError, match="also an input"):
            write_atomically(target, b"x", inputs=[tmp_path / "absent.json", source])
    assert source.read_bytes() == b"request_id\r\nREQ-1\r\n"


def test_row06_a_full_disk_is_an_error_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "response.csv"
    target.write_bytes(b"the response before\r\n")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OutputFileError) as caught:
        write_atomically(target, b"the new response\r\n", what="response")
    assert "No space left on device" in caught.value.message
    assert target.read_bytes() == b"the response before\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["response.csv"]


def test_row06_a_partial_file_left_as_a_link_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"not yours")
    (tmp_path / ".response.csv.partial").symlink_to(elsewhere)
    write_atomically(tmp_path / "response.csv", b"the response\r\n")
    assert elsewhere.read_bytes() == b"not yours"
    assert (tmp_path / "response.csv").read_bytes() == b"the response\r\n"


def test_row12_an_input_over_its_limit_is_refused_without_reading_it_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "envelope.json"
    with path.open("wb") as handle:
        handle.truncate(10**9)  # sparse: a gigabyte that is never read
    with pytest.raises(InputFileError, match="larger than the limit of 1,024 bytes"):
        read_upload(path, max_bytes=1024)
    path.write_bytes(b"x" * 1024)
    assert read_upload(path, max_bytes=1024).data == b"x" * 1024
