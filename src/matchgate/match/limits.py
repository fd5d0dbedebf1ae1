"""The memory DuckDB may take and where it spills, for every connection matchgate opens.

In: a memory limit (a size such as "4GB"; default a share of the machine's
memory) and the workspace folder. Out: a DuckDB connection configured with
that limit and a spill folder of its own inside the workspace, removed when
the connection is closed (and, if a killed process could not remove it, by
the next one that opens a connection there).

DuckDB's own defaults are 80% of the machine's memory and, for in-memory
databases, a `.tmp` folder in the current directory: a national master load
or a 1.28-million-request batch would either take the machine or write
taxpayer data outside the workspace. With a limit and a spill folder it
spills to disk instead of growing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from matchgate.errors import InvalidArgument
from matchgate.files import private_folder

_SIZE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)")


def default_memory_limit() -> str:
    """A quarter of the machine's memory, 1 to 4 GB.

    Every engine operation spills beyond its limit rather than fail, so it
    need not take more (and, sharing the machine with other batches and the
    workflow store, should not); DuckDB's own default is 80% of the machine.
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return f"{max(1, min(4, total // 4 >> 30))}GB"


@dataclass(frozen=True)
class EngineLimits:
    """DuckDB's memory limit and thread count for one engine (None: defaults)."""

    memory_limit: str
    threads: int | None = None

    @classmethod
    def of(cls, memory_limit: str | None = None, threads: int | None = None) -> EngineLimits:
        """Checked limits: a size DuckDB reads (InvalidArgument otherwise), threads >= 1."""
        limit = (memory_limit or default_memory_limit()).strip()
        if not _SIZE.fullmatch(limit):
            raise InvalidArgument(
                f"memory limit {limit!r} is not a size such as 4GB or 512MB"
                " (MATCHGATE_ENGINE_MEMORY_LIMIT)"
            )
        if threads is not None and threads < 1:
            raise InvalidArgument(f"engine threads must be at least 1, not {threads}")
        return cls(limit, threads)


def configure(con: duckdb.DuckDBPyConnection, limits: EngineLimits, spill: Path) -> None:
    """Apply the limits to a connection; it spills to `spill`."""
    con.execute(f"SET memory_limit = '{limits.memory_limit}'")
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    if limits.threads:
        con.execute(f"SET threads = {int(limits.threads)}")


def abandoned_scratch(home: Path, prefix: str) -> list[Path]:
    """Scratch folders named `<prefix><pid>...` whose process is gone (killed)."""
    abandoned = []
    for folder in home.glob(f"{prefix}*"):
        pid = folder.name.removeprefix(prefix).split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            abandoned.append(folder)
        except PermissionError:
            continue  # alive, someone else's
    return abandoned


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


#: Spill folders of engine connections (not of master loads: they keep their own).
SPILL_PREFIX = ".engine-spill-"


@contextmanager
def spill_folder(home: Path) -> Iterator[Path]:
    """A spill folder (0700) of this process's own in `home` (0700), removed afterwards."""
    private_folder(home)
    remove(*abandoned_scratch(home, SPILL_PREFIX))
    folder = Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=home))
    try:
        yield folder
    finally:
        remove(folder)
