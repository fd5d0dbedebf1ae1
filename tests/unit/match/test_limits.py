"""Every engine connection works within a memory limit and spills inside the workspace."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from matchgate.errors import ErrorCategory, InvalidArgument
from matchgate.match.limits import SPILL_PREFIX, EngineLimits, configure, spill_folder


def test_a_connection_gets_the_limit_and_a_spill_folder_in_the_workspace(tmp_path: Path) -> None:
    with spill_folder(tmp_path) as spill:
        assert spill.parent == tmp_path
        con = duckdb.connect()
        configure(con, EngineLimits.of("512MB", threads=1), spill)
        limit, temp, threads = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory'),"
            " current_setting('threads')"
        ).fetchall()[0]
        con.close()
    assert limit in ("512.0 MiB", "488.2 MiB")  # DuckDB prints MB in binary units
    assert Path(temp) == spill
    assert threads == 1
    assert not spill.exists()  # removed with the connection's use


def test_the_default_limit_is_a_share_of_the_machine_between_1_and_4_gb() -> None:
    limit = EngineLimits.of().memory_limit
    assert limit.endswith("GB") and 1 <= int(limit.removesuffix("GB")) <= 4


@pytest.mark.parametrize("bad", ["lots", "4", "4GB; DROP TABLE x", "-1GB"])
def test_a_limit_that_is_not_a_size_is_refused_as_bad_input(bad: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        EngineLimits.of(bad)
    assert raised.value.category is ErrorCategory.BAD_INPUT
    assert "MATCHGATE_ENGINE_MEMORY_LIMIT" in str(raised.value)


def test_a_spill_folder_a_killed_process_left_is_removed_by_the_next(tmp_path: Path) -> None:
    abandoned = tmp_path / f"{SPILL_PREFIX}999999999-x"
    abandoned.mkdir()
    alive = tmp_path / f"{SPILL_PREFIX}{os.getpid()}-other"
    alive.mkdir()
    with spill_folder(tmp_path):
        pass
    assert not abandoned.exists()
    assert alive.exists()  # this process's own (another connection's) is left alone
