"""Files at the edge: reading an input as an `Upload`, writing an output atomically and privately.

In: a path an operator named. Out: the file's bytes (as an `Upload` named
after the path), or an output file that appears whole or not at all: it is
written beside its target as `.<name>.partial`, flushed to disk and renamed
into place, so a reader never sees half a response, notice or export, and a
failed write (a full disk included) leaves nothing behind and is an error.

An output target must be a regular file or absent: a directory, a device, a
FIFO or a symbolic link is refused (it would be replaced by a regular file,
or written to somewhere nobody meant), and so is a target that is one of the
command's own inputs. Adapters check the target before the work starts
(`check_output_target`), so a long run is not wasted on an unusable path.

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

import contextlib
import os
import stat
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


class OutputTargetError(MatchgateError):
    """An output path names something that must not be replaced or written to."""

    category = ErrorCategory.BAD_INPUT


#: What a path that is not a regular file is, in words.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def check_output_target(
    path: Path, *, inputs: Iterable[Path | None] = (), what: str = "file"
) -> None:
    """Refuse ``path`` as an output unless it is absent or a regular file that is no input.

    A symbolic link is refused too: name the file itself. ``inputs`` are the
    files the same command reads; writing over one of them (by any name: a
    hard link counts) is refused.
    """
    try:
        status = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputTargetError(f"cannot write {what} {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(status.st_mode):
        raise OutputTargetError(
            f"cannot write {what} {path}: it is a symbolic link; name a regular file"
        )
    if not stat.S_ISREG(status.st_mode):
        kind = next((words for test, words in _KINDS if test(status.st_mode)), "not a file")
        raise OutputTargetError(f"cannot write {what} {path}: it is {kind}, not a regular file")
    for given in inputs:
        if given is None:
            continue
        try:
            same = os.path.samefile(path, given)
        except OSError:  # an input that does not exist is not this file
            same = False
        if same:
            raise OutputTargetError(
                f"cannot write {what} {path}: it is also an input of this command ({given})"
            )


def _discard(partial: Path) -> None:
    # A folder in its place is nothing of ours to remove.
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)


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


def read_upload(path: Path, *, max_bytes: int | None = None) -> Upload:
    """An input file as an upload named after its path (errors name the path as given).

    With ``max_bytes``, a larger file is refused after reading one byte past
    the limit, never the whole file.
    """
    if max_bytes is None:
        return Upload(name=str(path), data=read_bytes(path))
    data = read_bytes(path, size=max_bytes + 1)
    if len(data) > max_bytes:
        raise InputFileError(path, f"larger than the limit of {max_bytes:,} bytes")
    return Upload(name=str(path), data=data)


def write_atomically(
    path: Path,
    content: bytes | Iterable[bytes],
    *,
    what: str = "file",
    inputs: Iterable[Path | None] = (),
) -> Path:
    """Write ``content`` (bytes, or chunks as they come) to ``path``: whole or not at all.

    ``what`` names the output in the error (``response``, ``disposal notice``).
    The target is checked first (`check_output_target`). Any failure,
    including one raised while producing the chunks or a full disk found when
    the file is flushed, removes the partial file and leaves ``path`` as it was.
    """
    check_output_target(path, inputs=inputs, what=what)
    partial = path.with_name(f".{path.name}.partial")
    chunks = [content] if isinstance(content, bytes) else content
    try:
        # A leftover of a killed run is ours to replace; creating the partial
        # file exclusively never follows a link someone put in its place.
        partial.unlink(missing_ok=True)
        with os.fdopen(open_private(partial, exclusive=True), "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk shows here, not after the rename
        os.replace(partial, path)
    except OSError as exc:
        _discard(partial)
        raise OutputFileError(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
    except BaseException:
        _discard(partial)
        raise
    return path
