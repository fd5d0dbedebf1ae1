"""Files at the edge: reading an input as an `Upload`, writing an output atomically.

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

Only adapters (the CLI) and the readers of master files call this module;
use cases take and return bytes, lines and typed objects.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from matchgate.domain.uploads import Upload
from matchgate.errors import ErrorCategory, InputFileError, MatchgateError


class OutputFileError(MatchgateError):
    """An output file cannot be written (a missing folder, no permission, a full disk)."""

    category = ErrorCategory.INTERNAL


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
        with partial.open("xb") as handle:
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
