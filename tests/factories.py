"""Small builders of synthetic test inputs: request rows, envelopes, agreements, files.

Every value here is invented. The defaults make a request that is valid under
``reference-6103i2`` with the default envelope (submitted 2025-08-01), so a
test states only what it changes::

    request_row(street="PO BOX 123")            # one bad field
    requests_table([request_row(), request_row(request_id="REQ-2")])
    envelope_check(certified=False)             # -> problems
    agreement(quota_per_batch=2, match={"min_match_probability": 0.99})

``MISSING`` as an override removes the key altogether (a column or envelope
field that is absent, as opposed to empty).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from matchgate.agreements.loader import builtin_agreement
from matchgate.agreements.schema import Agreement
from matchgate.intake.envelope import EnvelopeCheck, check_envelope, parse_envelope
from matchgate.intake.readers import REQUEST_COLUMNS


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

SUBMITTED_AT = "2025-08-01T12:00:00Z"
SUBMITTED_YEAR = 2025
REFERENCE_ID = "reference-6103i2"


def _apply(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in overrides.items():
        if value is MISSING:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def request_row(**overrides: Any) -> dict[str, str | None]:
    """A request valid under reference-6103i2 (every FORMATS column present), with overrides."""
    base: dict[str, str | None] = {
        "request_id": "REQ-000001",
        "case_number": "CASE-2025-0001",
        "first_name": "MARISOL",
        "last_name": "QUINTANILLA",
        "middle_name": None,
        "name_suffix": None,
        "aliases": None,
        "dob": None,
        "tin": None,
        "street": "1234 N MAIN ST",
        "city": "AUSTIN",
        "state": "TX",
        "zip": "78701",
        "tax_periods": "2023;2024",
        "statute": "8 U.S.C. 1253(a)(1)",
        "reason": "Subject of case CASE-2025-0001; address needed to serve process",
        "removal_order_date": None,
        "removal_order_number": None,
    }
    return _apply(base, overrides)


def taxpayer_row(**overrides: Any) -> dict[str, str | None]:
    """A master-file taxpayer (FORMATS.md §1), with overrides."""
    base: dict[str, str | None] = {
        "tin": "800000001",
        "tin_type": "SSN",
        "first_name": "MARISOL",
        "middle_name": None,
        "last_name": "QUINTANILLA",
        "name_suffix": None,
        "dob": "1980-01-01",
    }
    return _apply(base, overrides)


def address_row(**overrides: Any) -> dict[str, str | None]:
    """A master-file address row (FORMATS.md §1), with overrides."""
    base: dict[str, str | None] = {
        "tin": "800000001",
        "tax_year": "2024",
        "street": "1234 N MAIN ST",
        "city": "AUSTIN",
        "state": "TX",
        "zip": "78701",
        "source": "RETURN",
    }
    return _apply(base, overrides)


def request_rows(count: int, **overrides: Any) -> list[dict[str, str | None]]:
    """``count`` valid rows with distinct request_id, case_number and reason text."""
    return [
        request_row(
            **{
                "request_id": f"REQ-{n:06d}",
                "case_number": f"CASE-2025-{n:04d}",
                "reason": f"Subject of case CASE-2025-{n:04d}; address needed to serve process",
                **overrides,
            }
        )
        for n in range(1, count + 1)
    ]


def requests_table(rows: Sequence[Mapping[str, str | None]]) -> pa.Table:
    """Rows as the string table the readers return: REQUEST_COLUMNS first, then extras."""
    names = list(REQUEST_COLUMNS)
    for row in rows:
        names.extend(name for name in row if name not in names)
    return pa.table(
        {name: pa.array([row.get(name) for row in rows], type=pa.string()) for name in names}
    )


def envelope(**overrides: Any) -> dict[str, Any]:
    """A valid envelope dict for reference-6103i2 (FORMATS.md §2), with overrides.

    ``title=`` and ``official_name=`` override the nested requesting_official.
    """
    official = {"name": "Jane Roe", "title": "Director"}
    for short, key in (("title", "title"), ("official_name", "name")):
        if short in overrides:
            official = _apply(official, {key: overrides.pop(short)})
    base: dict[str, Any] = {
        "batch_id": "TEST-2025-000123",
        "agreement_id": REFERENCE_ID,
        "requesting_agency": "Example Enforcement Agency",
        "requesting_official": official,
        "receiving_officers": ["John Doe", "Ana Diaz"],
        "certified": True,
        "submitted_at": SUBMITTED_AT,
    }
    return _apply(base, overrides)


def reference_agreement() -> Agreement:
    """The built-in reference agreement."""
    found = builtin_agreement(REFERENCE_ID)
    assert found is not None
    return found


def agreement(**overrides: Any) -> Agreement:
    """The reference agreement with some keys changed, validated like a loaded file.

    ``match={...}`` updates only the given keys of the nested match policy.
    """
    document = reference_agreement().document()
    if "match" in overrides:
        overrides["match"] = {**document["match"], **overrides["match"]}
    return Agreement.model_validate(_apply(document, overrides))


def envelope_check(agreement_: Agreement | None = None, **overrides: Any) -> EnvelopeCheck:
    """Check an :func:`envelope` (with overrides) against an agreement (default: reference)."""
    doc = parse_envelope(json.dumps(envelope(**overrides)), source="test-envelope.json")
    return check_envelope(doc, agreement_ or reference_agreement())


def write_csv(
    path: Path, rows: Sequence[Mapping[str, str | None]], *, newline: str = "\n", bom: bool = False
) -> Path:
    """Write rows as a contract CSV (header = keys of the first row; None -> empty cell)."""
    names = list(rows[0]) if rows else list(REQUEST_COLUMNS)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if row.get(n) is None else row.get(n) for n in names])
    return path


def write_jsonl(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """Write rows as JSON Lines (None values are written as null)."""
    path.write_text("".join(json.dumps(dict(row)) + "\n" for row in rows), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: Sequence[Mapping[str, str | None]]) -> Path:
    """Write rows as a Parquet file of string columns."""
    names = list(rows[0]) if rows else list(REQUEST_COLUMNS)
    pq.write_table(
        pa.table({n: pa.array([r.get(n) for r in rows], type=pa.string()) for n in names}), path
    )
    return path


def write_envelope(path: Path, **overrides: Any) -> Path:
    """Write an :func:`envelope` (with overrides) as a JSON file."""
    path.write_text(json.dumps(envelope(**overrides)), encoding="utf-8")
    return path
