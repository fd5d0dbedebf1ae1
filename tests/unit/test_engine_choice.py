"""The composition root alone chooses the match engine: DuckDB by default, Spark when set."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from matchgate.bootstrap import build_services
from matchgate.cli.app import run
from matchgate.config import Settings
from matchgate.keys import create_key_file


def test_the_engine_is_duckdb_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATCHGATE_ENGINE", raising=False)
    assert Settings().engine == "duckdb"
    monkeypatch.setenv("MATCHGATE_ENGINE", "spark")
    monkeypatch.setenv("MATCHGATE_SPARK_MASTER", "spark://cluster:7077")
    settings = Settings()
    assert (settings.engine, settings.spark_master) == ("spark", "spark://cluster:7077")


@pytest.mark.parametrize("field", ["engine", "spark_shuffle_partitions"])
def test_a_bad_engine_setting_is_refused(field: str) -> None:
    bad: dict[str, object] = {"engine": "sqlite", "spark_shuffle_partitions": 0}
    with pytest.raises(ValidationError):
        Settings(**{field: bad[field]})  # type: ignore[arg-type]


def test_a_bad_engine_option_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MATCHGATE_ENGINE", raising=False)
    assert run(["--engine", "oracle", "key", "status"]) == 2
    assert "--engine" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value"), [("MATCHGATE_CHUNK_ROWS", "many"), ("MATCHGATE_ENGINE", "oracle")]
)
def test_a_bad_setting_in_the_environment_is_a_usage_error_naming_it(
    variable: str,
    value: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("MATCHGATE_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv(variable, value)
    assert run(["batch", "list"]) == 2
    err = capsys.readouterr().err
    assert variable in err and "internal error" not in err


def test_the_spark_engine_is_built_without_starting_spark_and_says_it_cannot_encrypt(
    tmp_path: Path,
) -> None:
    home = tmp_path / "workspace"
    key = tmp_path / "store.key"
    create_key_file(key, workspace_home=home)
    settings = Settings(home=home, database_url=None, user=None, key_file=key, engine="spark")
    with build_services(settings) as services:
        status = services.keys.status()
    assert "Spark engine" in status.master_store and "unencrypted" in status.master_store
    assert not list(home.glob(".spark-*"))  # no session was needed, none was started
