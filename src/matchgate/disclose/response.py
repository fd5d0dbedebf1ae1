"""Stage 5 (disclose): the response file's bytes (FORMATS.md §3).

In: response rows in batch order. Out: a UTF-8 CSV with a header and RFC 4180
quoting, as bytes (the adapter writes them, whole or not at all, or sends
them). Cells that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, a tab or a carriage return) are prefixed with `'`: a
request id or a street as filed must never become code on an analyst's
machine.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from matchgate.disclose.minimise import RESPONSE_COLUMNS, ResponseRow

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
