"""Names as people write them, through the whole verify path (issue examples).

A synthetic master file (the session world's) plus a few planted taxpayers;
each request below names one of them the way a requester might, and the
outcome is the one the decision rules give for it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matchgate.domain.outcomes import Outcome
from matchgate.workspace import Workspace

from .conftest import World, verify

# (tin, first, last, dob, street, city, state, zip): planted taxpayers, synthetic.
PLANTED = [
    ("899100001", "GUADALUPE", "MARTINEZ LOPEZ", "1984-05-06", "4410 Calle Sol", "EL PASO", "TX",
     "79901"),
    ("899100002", "FATIMA", "ABDULLAH", "1990-11-12", "77 Orchard Ave", "DEARBORN", "MI", "48126"),
    ("899100003", "PAMELA", "SMITH", "1971-02-03", "918 Birch Ln", "TOLEDO", "OH", "43604"),
    ("899100004", "JEAN", "JOSEPH", "1979-08-09", "6232 1/2 PASEO DEL NORTE", "LAS VEGAS", "NV",
     "89104"),
    ("899100005", "LISA", "MARTIN", "1968-04-05", "3105 Quarry Rd", "AKRON", "OH", "44301"),
]  # fmt: skip
# (request_id, first, last, dob, tin, taxpayer whose address is given, expected outcome)
REQUESTS = [
    ("REQ-GUADAUPE", "GUADAUPE", "MARTINEZ-LOPEZ", "", "899100001", 0, Outcome.VERIFIED),
    ("REQ-FATIMAH", "FATIMAH", "ABDULLAH", "1990-11-12", "899100002", 1, Outcome.VERIFIED),
    ("REQ-SMTH", "PAMELA", "SMTH", "1971-02-03", "", 2, Outcome.VERIFIED),
    ("REQ-PASEO", "Jean", "JOSEPH", "", "", 3, Outcome.VERIFIED),
    # A relative the custodian may never have seen: no DOB, no TIN, only the household.
    ("REQ-ELIZABETH", "ELIZABETH", "MARTIN", "", "", 4, Outcome.PENDING_REVIEW),
]


def _append(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture(scope="module")
def outcomes(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    folder = tmp_path_factory.mktemp("variants")
    files = dict(world.files)
    for role in ("taxpayers", "addresses", "requests"):
        files[role] = folder / world.files[role].name
        files[role].write_bytes(world.files[role].read_bytes())
    _append(
        files["taxpayers"], [[t, "SSN", f, "", last, "", dob] for t, f, last, dob, *_ in PLANTED]
    )
    _append(
        files["addresses"],
        [
            [t, "2024", street, city, state, zip_, "RETURN"]
            for t, _, _, _, street, city, state, zip_ in PLANTED
        ],
    )
    with world.files["requests"].open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    rows = []
    for request_id, first, last, dob, tin, who, _ in REQUESTS:
        street, city, state, zip_ = PLANTED[who][4:]
        values = {
            "request_id": request_id, "case_number": "CI-25-000001", "first_name": first,
            "last_name": last, "dob": dob, "tin": tin, "street": street, "city": city,
            "state": state, "zip": zip_, "tax_periods": "2024", "statute": "8 U.S.C. 1253(a)(1)",
            "reason": f"Subject of investigation CI-25-000001 ({request_id}).",
        }  # fmt: skip
        rows.append([values.get(column, "") for column in header])
    _append(files["requests"], rows)
    report = verify(files, Workspace(folder / "workspace"))
    by_id = {row.request_id: row.outcome for row in report.outcome.rows}
    return {request_id: by_id[request_id] for request_id, *_ in REQUESTS}


@pytest.mark.parametrize(("request_id", "expected"), [(r[0], r[-1]) for r in REQUESTS])
def test_names_written_as_people_write_them(
    outcomes: dict[str, Outcome], request_id: str, expected: Outcome
) -> None:
    assert outcomes[request_id] is expected
