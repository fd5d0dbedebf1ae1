"""Hostile input through the command line: refused with exit 2, the file named, nothing stored.

Each test is a row of the hostile-input table (issue 7): a file built to
crash, stall or exhaust the reader ends like any other bad input, with one
clear message naming the file, exit code 2, no traceback and no batch kept.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from factories import address_row, request_row, taxpayer_row, write_csv, write_envelope
from matchgate.cli.app import run


@pytest.fixture
def workspace(tmp_path: Path) -> list[str]:
    """A workspace with an operator (submitting needs no master file until matching)."""
    args = ["--workspace", str(tmp_path / "ws")]
    assert run(["user", "add", "op", "--role", "operator", *args]) == 0
    return args


def submit(batch: Path, envelope: Path, workspace: list[str], *extra: str) -> int:
    return run(["batch", "submit", str(batch), "--envelope", str(envelope), "--as", "op",
                *workspace, *extra])  # fmt: skip


def stored_batches(workspace: list[str]) -> int:
    with sqlite3.connect(Path(workspace[1]) / "workflow.sqlite") as db:
        count: int = db.execute("select count(*) from batches").fetchone()[0]
    return count


def assert_refused(code: int, capsys: pytest.CaptureFixture[str], *expected: str) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    for fragment in expected:
        assert fragment in err, err
    assert "internal error" not in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("depth", [100_000, 10_000])
def test_row08_an_envelope_nested_deep_exits_2_naming_the_file(
    tmp_path: Path, workspace: list[str], capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    envelope = tmp_path / "deep.json"
    envelope.write_text("[" * depth + "]" * depth, encoding="utf-8")
    assert_refused(submit(batch, envelope, workspace), capsys, "deep.json")
    assert stored_batches(workspace) == 0


def test_row12_a_100_mb_envelope_is_refused_by_its_size(
    tmp_path: Path, workspace: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    envelope = write_envelope(tmp_path / "huge.json")
    with envelope.open("ab") as handle:  # a sparse file: 100 MB that cost nothing to make
        handle.truncate(100 * 1024 * 1024)
    assert_refused(submit(batch, envelope, workspace), capsys, "huge.json", "larger than")
    assert stored_batches(workspace) == 0


def test_row07_an_alias_bomb_agreement_exits_2_naming_the_file(
    tmp_path: Path, workspace: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    levels = [f"l0: &l0 [{', '.join(['lol'] * 10)}]"]
    levels += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 9)]
    bomb = tmp_path / "lax.yaml"
    bomb.write_text("\n".join([*levels, "statutes: *l8"]) + "\n", encoding="utf-8")
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    envelope = write_envelope(tmp_path / "envelope.json")
    code = submit(batch, envelope, workspace, "--agreement", str(bomb))
    assert_refused(code, capsys, "lax.yaml", "aliases")
    assert stored_batches(workspace) == 0


def test_row12_a_million_column_header_exits_2_naming_the_file(
    tmp_path: Path, workspace: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "wide.csv"
    batch.write_text(",".join(f"c{n}" for n in range(1_000_000)) + "\n", encoding="utf-8")
    envelope = write_envelope(tmp_path / "envelope.json")
    assert_refused(submit(batch, envelope, workspace), capsys, "wide.csv", "limit")
    assert stored_batches(workspace) == 0


def test_row10_a_batch_id_with_a_line_break_and_escapes_is_refused_r08(
    tmp_path: Path, workspace: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    envelope = write_envelope(tmp_path / "envelope.json", batch_id="B-1\n\x1b[2K\x1b[1AB-2")
    err = assert_refused(submit(batch, envelope, workspace), capsys, "envelope.json", "R08")
    assert "\x1b" not in err
    assert stored_batches(workspace) == 0
    assert run(["batch", "list", *workspace]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_item5_a_header_only_batch_says_no_data_rows(
    tmp_path: Path, workspace: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [])
    envelope = write_envelope(tmp_path / "envelope.json")
    assert_refused(submit(batch, envelope, workspace), capsys, "batch.csv", "no data rows")
    assert stored_batches(workspace) == 0


def test_item5_a_header_only_master_file_says_no_data_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taxpayers = write_csv(tmp_path / "taxpayers.csv", [taxpayer_row()])
    addresses = tmp_path / "addresses.csv"
    addresses.write_text(",".join(address_row()) + "\n", encoding="utf-8")
    workspace = tmp_path / "ws"
    assert run(["user", "add", "op", "--role", "operator", "--workspace", str(workspace)]) == 0
    capsys.readouterr()
    code = run(["master", "load", "--taxpayers", str(taxpayers), "--addresses", str(addresses),
                "--as", "op", "--workspace", str(workspace)])  # fmt: skip
    assert_refused(code, capsys, "addresses.csv", "no data rows")
    assert not (workspace / "master.duckdb").exists()
