"""Files at the edge: an output appears whole or not at all; an input names its path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matchgate.errors import ErrorCategory, InputFileError
from matchgate.files import OutputFileError, read_upload, write_atomically


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
