"""Files at the edge: reading an input as an `Upload`, writing an output atomically.

In: a path an operator named. Out: the file's bytes (as an `Upload` named
after the path), or an output file that appears whole or not at all: it is
written beside its target as `.<name>.partial` and renamed into place, so a
reader never sees half a response, notice or export, and a failed write
leaves nothing behind.

Only adapters (the CLI) and the readers of master files call this module;
use cases take and return bytes, lines and typed objects.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from matchgate.domain.uploads import Upload
from matchgate.errors import ErrorCategory, InputFileError, MatchgateError


class OutputFileError(MatchgateError):
    """An output file cannot be written (a missing folder, no permission, a full disk)."""

    category = ErrorCategory.INTERNAL


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
    partial file and leaves ``path`` as it was.
    """
    partial = path.with_name(f".{path.name}.partial")
    chunks = [content] if isinstance(content, bytes) else content
    try:
        with partial.open("wb") as handle:
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
