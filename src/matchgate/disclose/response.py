"""Stage 5 (disclose): writing the response file (FORMATS.md §3).

In: response rows in batch order. Out: a UTF-8 CSV with a header, RFC 4180
quoting, written to a temporary file and renamed, so a reader never sees half
a response. Cells that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, a tab or a carriage return) are prefixed with `'`: a
request id or a street as filed must never become code on an analyst's
machine.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

from matchgate.disclose.minimise import RESPONSE_COLUMNS, ResponseRow
from matchgate.errors import MatchgateError

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_TRIGGERS) else value


def response_csv(rows: Sequence[ResponseRow]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESPONSE_COLUMNS)
    for row in rows:
        writer.writerow([neutralise_formula(v) for v in row.values()])
    return buffer.getvalue().encode("utf-8")


def write_response(rows: Sequence[ResponseRow], path: Path) -> Path:
    """Write atomically; on any error nothing is left at `path`."""
    data = response_csv(rows)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise MatchgateError(f"cannot write response {path}: {exc.strerror}") from exc
    return path
