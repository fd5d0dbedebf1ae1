"""Files at the edge: reading an input as an `Upload`, writing an output atomically and privately.

In: a path an operator named. Out: the file's bytes (as an `Upload` named
after the path), or an output file that appears whole or not at all: it is
written beside its target as `.<name>.partial` and renamed into place, so a
reader never sees half a response, notice or export, and a failed write
leaves nothing behind.

Everything matchgate writes may hold taxpayer data (a response carries last
known addresses, an accounting names TINs), so every file is created 0600 and
every folder 0700 (REQ-37): by the mode given to `os.open` / `mkdir`, never by
a `chmod` afterwards, so there is no moment when another account could read
it. Files that a database engine creates itself (DuckDB's and SQLite's
journals, DuckDB's spill files) are covered by `private_umask()`, which the
command line holds for the whole of every command and the engines hold
while they open and write their files.

Only adapters (the CLI) and the readers of master files call this module;
use cases take and return bytes, lines and typed objects.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from matchgate.domain.uploads import Upload
from matchgate.errors import ErrorCategory, InputFileError, MatchgateError


class OutputFileError(MatchgateError):
    """An output file cannot be written (a missing folder, no permission, a full disk)."""

    category = ErrorCategory.INTERNAL


#: Files: read and write for their owner only. Folders: owner only.
FILE_MODE = 0o600
FOLDER_MODE = 0o700
#: The umask that makes whatever a process creates private (group and others get nothing).
PRIVATE_UMASK = 0o077

_umask_lock = threading.Lock()
_umask_holders = 0
_umask_before = 0


@contextmanager
def private_umask() -> Iterator[None]:
    """Hold the process umask at 077 while the block runs (re-entrant, thread-safe).

    The umask is per process: the first holder sets it, the last one restores
    what was there, so concurrent or nested holders never loosen it for each
    other. Files created meanwhile, by matchgate or by a database engine,
    are never readable by group or others.
    """
    global _umask_holders, _umask_before
    with _umask_lock:
        if _umask_holders == 0:
            _umask_before = os.umask(PRIVATE_UMASK)
        _umask_holders += 1
    try:
        yield
    finally:
        with _umask_lock:
            _umask_holders -= 1
            if _umask_holders == 0:
                os.umask(_umask_before)


def private_folder(path: Path) -> Path:
    """``path`` and its missing parents created 0700; an existing one is tightened to 0700.

    A folder matchgate owns (the workspace, its models, a scratch folder)
    holds taxpayer data, so one left open by an older version or by hand is
    closed; ``OSError`` is left to the caller, who knows what the folder is.
    """
    with private_umask():
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(FOLDER_MODE)
    return path


def open_private(path: Path, *, exclusive: bool = False) -> int:
    """A descriptor of ``path`` opened for writing, created 0600 (truncated if it exists).

    ``exclusive``: refuse (FileExistsError) if ``path`` exists. An existing
    file keeps its own mode, so callers write to a fresh partial file and
    rename it into place.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    return os.open(path, flags | getattr(os, "O_CLOEXEC", 0), FILE_MODE)


def create_private_file(path: Path) -> Path:
    """Create ``path`` empty and 0600 if it does not exist (for a file an engine fills)."""
    with suppress(FileExistsError):
        os.close(open_private(path, exclusive=True))
    return path


def read_bytes(path: Path, *, size: int = -1) -> bytes:
    """The file's bytes (``size`` >= 0 reads at most that many); InputFileError names it."""
    if path.is_dir():
        raise InputFileError(path, "is a directory, not a file")
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except PermissionError:
        raise InputFileError(path, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc})") from None


def read_upload(path: Path) -> Upload:
    """An input file as an upload named after its path (errors name the path as given)."""
    return Upload(name=str(path), data=read_bytes(path))


def write_atomically(path: Path, content: bytes | Iterable[bytes], *, what: str = "file") -> Path:
    """Write ``content`` (bytes, or chunks as they come) to ``path``: whole or not at all.

    ``what`` names the output in the error (``response``, ``disposal notice``).
    Any failure, including one raised while producing the chunks, removes the
    partial file and leaves ``path`` as it was. The file is 0600 from the
    moment it exists (a fresh partial file, created with that mode).
    """
    partial = path.with_name(f".{path.name}.partial")
    chunks = [content] if isinstance(content, bytes) else content
    try:
        partial.unlink(missing_ok=True)  # a partial left by a killed writer: not ours to reuse
        with os.fdopen(open_private(partial, exclusive=True), "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputFileError(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
