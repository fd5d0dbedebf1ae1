"""Bad input ends with one clear message, exit code 2 and no output left behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from factories import request_row, write_csv, write_envelope
from matchgate.cli.app import run


def verify_args(tmp_path: Path, requests: Path, envelope: Path, **extra: str) -> list[str]:
    args = [
        "verify",
        "--requests", str(requests),
        "--envelope", str(envelope),
        "--out", str(tmp_path / "response.csv"),
        "--workspace", str(tmp_path / "ws"),
    ]  # fmt: skip
    for key, value in extra.items():
        args += [f"--{key}", value]
    return args


@pytest.fixture
def envelope_file(tmp_path: Path) -> Path:
    return write_envelope(tmp_path / "envelope.json")


def assert_failed_cleanly(
    code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], *expected: str
) -> None:
    err = capsys.readouterr().err
    assert code == 2, err
    for fragment in expected:
        assert fragment in err, err
    assert not (tmp_path / "response.csv").exists()
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob(".*.partial"))
    assert "Traceback" not in err


def test_a_missing_request_file_is_named(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(verify_args(tmp_path, tmp_path / "nope.csv", envelope_file))
    assert_failed_cleanly(code, tmp_path, capsys, "nope.csv", "not found")


def test_a_ragged_row_names_the_row(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "batch.csv", [request_row(), request_row(request_id="REQ-2")])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = run(verify_args(tmp_path, path, envelope_file))
    assert_failed_cleanly(code, tmp_path, capsys, "batch.csv", "row 2")


def test_a_missing_column_names_the_column(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = request_row()
    del row["street"]
    path = write_csv(tmp_path / "batch.csv", [row])
    code = run(verify_args(tmp_path, path, envelope_file))
    assert_failed_cleanly(code, tmp_path, capsys, "batch.csv", "street")


def test_bad_encoding_names_the_row(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "batch.csv", [request_row(), request_row(request_id="REQ-2")])
    data = path.read_bytes().replace(b"QUINTANILLA", b"QUINT\xff\xfeNILLA", 1)
    path.write_bytes(data)
    code = run(verify_args(tmp_path, path, envelope_file))
    assert_failed_cleanly(code, tmp_path, capsys, "batch.csv", "UTF-8", "row 1")


def test_an_envelope_that_is_not_json_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    envelope = tmp_path / "envelope.json"
    envelope.write_text("{not json", encoding="utf-8")
    code = run(verify_args(tmp_path, batch, envelope))
    assert_failed_cleanly(code, tmp_path, capsys, "envelope.json")


def test_an_invalid_agreement_names_the_key(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    agreement = tmp_path / "lax.yaml"
    agreement.write_text("id: lax\nversion: one\n", encoding="utf-8")
    code = run(verify_args(tmp_path, batch, envelope_file, agreement=str(agreement)))
    assert_failed_cleanly(code, tmp_path, capsys, "lax.yaml", "version")


def test_a_master_file_with_a_duplicate_tin_is_refused_and_nothing_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taxpayers = tmp_path / "taxpayers.csv"
    taxpayers.write_text(
        "tin,tin_type,first_name,middle_name,last_name,name_suffix,dob\n"
        "800000001,SSN,ANA,,RUIZ,,1980-01-01\n"
        "800000001,SSN,ANA,,RUIZ,,1980-01-01\n",
        encoding="utf-8",
    )
    addresses = tmp_path / "addresses.csv"
    addresses.write_text(
        "tin,tax_year,street,city,state,zip,source\n"
        "800000001,2024,1 MAIN ST,AUSTIN,TX,78701,RETURN\n",
        encoding="utf-8",
    )
    workspace = tmp_path / "ws"
    assert run(["user", "add", "eng", "--role", "operator", "--workspace", str(workspace)]) == 0
    code = run(
        ["master", "load", "--taxpayers", str(taxpayers), "--addresses", str(addresses),
         "--workspace", str(workspace), "--as", "eng"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "taxpayers.csv" in err and "row 2" in err and "tin" in err
    assert not (workspace / "master.duckdb").exists()


def test_verify_without_a_master_file_says_what_to_do(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    code = run(verify_args(tmp_path, batch, envelope_file))
    err = capsys.readouterr().err
    assert code == 3
    assert "master load" in err
    assert not (tmp_path / "response.csv").exists()


def test_row06_verify_refuses_to_write_its_response_over_an_input(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    before = batch.read_bytes()
    args = verify_args(tmp_path, batch, envelope_file)
    args[args.index("--out") + 1] = str(batch)
    code = run(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "batch.csv" in err and "also an input" in err
    assert batch.read_bytes() == before


def test_row06_verify_refuses_a_fifo_before_any_work(
    tmp_path: Path, envelope_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "batch.csv", [request_row()])
    os.mkfifo(tmp_path / "response.csv")
    code = run(verify_args(tmp_path, batch, envelope_file))
    err = capsys.readouterr().err
    assert code == 2, err  # not 3 (no master file): the target is checked first
    assert "FIFO" in err
    assert stat.S_ISFIFO((tmp_path / "response.csv").lstat().st_mode)
    assert not (tmp_path / "ws").exists()


def test_row06_a_write_error_is_an_error_exit_code_never_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = ["--workspace", str(tmp_path / "ws")]
    assert run(["user", "add", "aud", "--role", "auditor", *workspace]) == 0

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    out = tmp_path / "accounting.csv"
    code = run(["accounting", "--csv", str(out), "--as", "aud", *workspace])
    err = capsys.readouterr().err
    assert code != 0 and "No space left on device" in err and "accounting.csv" in err
    assert not out.exists() and not list(tmp_path.glob(".*.partial"))
