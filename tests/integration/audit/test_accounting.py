"""REQ-32: the accounting of disclosures (26 U.S.C. 6103(p)(3)(A)), on both stores.

Four batches about invented taxpayers A, B, C and D:

========  ======================  ===========  =============================================
batch     agency                  released     rows
========  ======================  ===========  =============================================
ACC-1     Example Enforcement     2024-03-01   A VERIFIED (8 U.S.C. 1326); A NO_MATCH (weak)
ACC-2     Other Enforcement       2025-06-01   A VERIFIED ("8 USC 1326"); nobody NO_MATCH
ACC-3     Example Enforcement     2025-09-01   B VERIFIED (18 U.S.C. 1546); A held and denied;
                                               C VERIFIED ("8 USC 1326"); D VERIFIED (1326)
ACC-4     Example Enforcement     never        A VERIFIED, approved but not released
========  ======================  ===========  =============================================

A disclosure is a VERIFIED decision in a released batch: A has exactly two.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from integration.store.conftest import postgres_unreachable, postgres_url
from matchgate.audit.accounting import COLUMNS, Disclosure, disclosures_csv, yearly_counts
from matchgate.domain.lifecycle import BatchState
from matchgate.store.database import upgrade
from matchgate.store.tables import Decision
from matchgate.workflow.auditing import account
from matchgate.workflow.store import PermissionDenied, Store
from matchgate.workflow.stored import batch_summary

from .flow import (
    AUDITOR,
    OPERATOR,
    add_people,
    cli,
    cli_target,
    held,
    nobody,
    person,
    run_batch,
    stored_events,
    verified,
    weak,
)

A, B, C, D = person(0), person(1), person(2), person(3)
EXAMPLE, OTHER = "Example Enforcement Agency", "Other Enforcement Agency"
LKA_FIELDS = "lka_street;lka_city;lka_state;lka_zip"
RELEASED = {
    "ACC-1": datetime(2024, 3, 1, 15, 0, tzinfo=UTC),
    "ACC-2": datetime(2025, 6, 1, 9, 30, tzinfo=UTC),
    "ACC-3": datetime(2025, 9, 1, 23, 59, tzinfo=UTC),
}


@pytest.fixture
def disclosed(store: Store, tmp_path: Path) -> Store:
    add_people(store)
    run_batch(
        store, tmp_path / "1", "ACC-1",
        [verified(A, 1, statute="8 U.S.C. 1326", case_number="CASE-A-1"), weak(A, 2)],
        released_at=RELEASED["ACC-1"],
    )  # fmt: skip
    run_batch(
        store, tmp_path / "2", "ACC-2",
        [verified(A, 1, statute="8 USC 1326", case_number="CASE-A-2"), nobody(B, 2)],
        released_at=RELEASED["ACC-2"],
        requesting_agency=OTHER, official_name="Ray Poe", receiving_officers=["Ida Lund"],
    )  # fmt: skip
    ran = run_batch(
        store, tmp_path / "3", "ACC-3",
        [
            verified(B, 1, statute="18 U.S.C. 1546", case_number="CASE-B-1"),
            held(A, 2),
            verified(C, 3, statute="8 USC 1326"),
            verified(D, 4, statute="8 U.S.C. 1326"),
        ],
        confirm=False, released_at=RELEASED["ACC-3"],
    )  # fmt: skip
    assert len(ran.reviewed) == 1  # A's held request, denied
    run_batch(store, tmp_path / "4", "ACC-4", [verified(A, 1)], until=BatchState.APPROVED)
    assert batch_summary(store, "ACC-4").state == BatchState.APPROVED.value
    assert batch_summary(store, "ACC-4").outcomes == {"VERIFIED": 1}
    return store


def decision_id(store: Store, batch_id: str, row: int) -> str:
    with store.sessions() as session:
        return session.scalars(
            select(Decision.decision_id).where(
                Decision.batch_id == batch_id, Decision.row_index == row
            )
        ).one()


def keys(found: list[Disclosure]) -> list[tuple[str, str]]:
    return [(d.batch_id, d.request_id) for d in found]


def test_req32_every_disclosure_about_a_taxpayer_and_nothing_else(disclosed: Store) -> None:
    with disclosed.sessions() as session:
        # A's NO_MATCH decisions name A's TIN: they are not disclosures.
        assert session.scalars(
            select(Decision.outcome)
            .where(Decision.tin == A.tin)
            .order_by(Decision.batch_id, Decision.row_index)
        ).all() == ["VERIFIED", "NO_MATCH", "VERIFIED", "NO_MATCH", "VERIFIED"]

    found = account(disclosed, actor=AUDITOR, tin=A.tin)

    assert [asdict(d) | {"released_at": d.released_at[:19]} for d in found] == [
        {
            "tin": A.tin,
            "fields_disclosed": LKA_FIELDS,
            "requesting_agency": EXAMPLE,
            "requesting_official": "Jane Roe",
            "receiving_officers": "John Doe;Ana Diaz",
            "released_at": "2024-03-01T15:00:00",
            "agreement_id": "reference-6103i2",
            "statute": "8 U.S.C. 1326",
            "case_number": "CASE-A-1",
            "reason": "Subject of case CASE-2025-0001; address needed to serve process",
            "batch_id": "ACC-1",
            "request_id": "REQ-000001",
            "decision_id": decision_id(disclosed, "ACC-1", 0),
            "kind": "workflow",
        },
        {
            "tin": A.tin,
            "fields_disclosed": LKA_FIELDS,
            "requesting_agency": OTHER,
            "requesting_official": "Ray Poe",
            "receiving_officers": "Ida Lund",
            "released_at": "2025-06-01T09:30:00",
            "agreement_id": "reference-6103i2",
            "statute": "8 USC 1326",
            "case_number": "CASE-A-2",
            "reason": "Subject of case CASE-2025-0001; address needed to serve process",
            "batch_id": "ACC-2",
            "request_id": "REQ-000001",
            "decision_id": decision_id(disclosed, "ACC-2", 0),
            "kind": "workflow",
        },
    ]
    # The same with the TIN written with dashes; B has one disclosure, an unknown TIN none.
    assert account(disclosed, actor=AUDITOR, tin="800-00-0900") == found
    assert keys(account(disclosed, actor=AUDITOR, tin=B.tin)) == [("ACC-3", "REQ-000001")]
    assert account(disclosed, actor=AUDITOR, tin="800999999") == []


@pytest.mark.parametrize(
    ("agency", "since", "until", "expected"),
    [
        (None, None, None, ["ACC-1", "ACC-2"]),
        ("other enforcement agency", None, None, ["ACC-2"]),
        (EXAMPLE, None, None, ["ACC-1"]),
        ("Nobody", None, None, []),
        (None, date(2025, 1, 1), None, ["ACC-2"]),
        (None, None, date(2024, 12, 31), ["ACC-1"]),
        (None, date(2024, 3, 1), date(2024, 3, 1), ["ACC-1"]),  # bounds are inclusive
        (None, date(2025, 6, 1), date(2025, 6, 1), ["ACC-2"]),
        (None, date(2024, 3, 2), date(2025, 5, 31), []),
        (EXAMPLE, date(2025, 1, 1), None, []),
    ],
)
def test_req32_agency_and_date_filters(
    disclosed: Store,
    agency: str | None,
    since: date | None,
    until: date | None,
    expected: list[str],
) -> None:
    found = account(disclosed, actor=AUDITOR, tin=A.tin, agency=agency, since=since, until=until)
    assert [d.batch_id for d in found] == expected


def test_req32_all_disclosures_and_yearly_counts_by_agency_and_canonical_statute(
    disclosed: Store,
) -> None:
    found = account(disclosed, actor=AUDITOR)

    assert keys(found) == [
        ("ACC-1", "REQ-000001"),
        ("ACC-2", "REQ-000001"),
        ("ACC-3", "REQ-000001"),
        ("ACC-3", "REQ-000003"),
        ("ACC-3", "REQ-000004"),
    ]
    assert [d.tin for d in found] == [A.tin, A.tin, B.tin, C.tin, D.tin]
    # "8 USC 1326" and "8 U.S.C. 1326" are one statute.
    assert yearly_counts(found) == {
        f"2024|{EXAMPLE}|8 U.S.C. 1326": 1,
        f"2025|{EXAMPLE}|18 U.S.C. 1546": 1,
        f"2025|{EXAMPLE}|8 U.S.C. 1326": 2,
        f"2025|{OTHER}|8 U.S.C. 1326": 1,
    }


def test_req34_each_accounting_query_is_an_audit_event(disclosed: Store) -> None:
    before = len(stored_events(disclosed))
    account(disclosed, actor=AUDITOR, tin=A.tin, agency=OTHER, since=date(2025, 1, 1))
    account(disclosed, actor=AUDITOR)

    after = stored_events(disclosed)[before:]
    assert [(e.action, e.actor, e.payload) for e in after] == [
        (
            "accounting_query",
            AUDITOR,
            {"tin": A.tin, "agency": OTHER, "since": "2025-01-01", "until": None, "results": 1},
        ),
        (
            "accounting_query",
            AUDITOR,
            {"tin": None, "agency": None, "since": None, "until": None, "results": 5},
        ),
    ]

    with pytest.raises(PermissionDenied):
        account(disclosed, actor=OPERATOR, tin=A.tin)
    assert stored_events(disclosed)[-1].action == "access_denied"


def test_the_accounting_csv_has_the_disclosure_columns(disclosed: Store) -> None:
    assert tuple(Disclosure.__dataclass_fields__) == COLUMNS
    found = account(disclosed, actor=AUDITOR, tin=A.tin)

    data = disclosures_csv(found)

    assert data.startswith(",".join(COLUMNS).encode("utf-8") + b"\r\n")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows == [asdict(d) for d in found]
    assert disclosures_csv([]) == ",".join(COLUMNS).encode("utf-8") + b"\r\n"


def test_the_accounting_command_writes_the_csv_and_the_summary(
    disclosed: Store, tmp_path: Path
) -> None:
    where, env = cli_target(disclosed, tmp_path / "cli-workspace")
    out = tmp_path / "accounting.csv"

    listed = cli("accounting", "--tin", A.tin, "--csv", out, "--as", AUDITOR, *where, env=env)
    assert listed.code == 0, listed
    assert "2 disclosure(s)" in listed.out
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [(r["batch_id"], r["tin"], r["case_number"]) for r in rows] == [
        ("ACC-1", A.tin, "CASE-A-1"),
        ("ACC-2", A.tin, "CASE-A-2"),
    ]

    summary = cli("accounting", "--summary", "--as", AUDITOR, *where, env=env)
    assert summary.code == 0, summary
    assert "18 U.S.C. 1546" in summary.out
    assert "8 USC 1326" not in summary.out

    refused = cli("accounting", "--as", OPERATOR, *where, env=env)
    assert refused.code == 4, refused


def test_released_at_is_an_unambiguous_utc_time(disclosed: Store) -> None:
    """The same UTC time on both stores. (Regression: SQLite gave it without an offset.)"""
    found = account(disclosed, actor=AUDITOR, tin=A.tin)
    assert [datetime.fromisoformat(d.released_at) for d in found] == [
        RELEASED["ACC-1"],
        RELEASED["ACC-2"],
    ]
    assert all(datetime.fromisoformat(d.released_at).utcoffset() is not None for d in found)


@pytest.fixture
def new_york_store() -> Iterator[Store]:
    """A PostgreSQL store whose server session time zone is not UTC (as many servers are)."""
    reason = postgres_unreachable()
    if reason is not None:
        pytest.skip(reason)
    url = postgres_url()
    schema = f"mg_{uuid.uuid4().hex}"
    admin = create_engine(url, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(
        url, connect_args={"options": f"-csearch_path={schema} -ctimezone=America/New_York"}
    )
    try:
        upgrade(engine)
        yield Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_release_days_are_utc_days_whatever_the_server_time_zone(
    new_york_store: Store, tmp_path: Path
) -> None:
    """Regression: release days and years were taken in the server session's time zone."""
    add_people(new_york_store)
    run_batch(
        new_york_store, tmp_path / "ny", "ACC-NY", [verified(A, 1)],
        released_at=datetime(2025, 1, 1, 2, 0, tzinfo=UTC),
    )  # fmt: skip

    assert [d.batch_id for d in account(new_york_store, actor=AUDITOR, since=date(2025, 1, 1))] == [
        "ACC-NY"
    ]
    assert list(yearly_counts(account(new_york_store, actor=AUDITOR))) == [
        f"2025|{EXAMPLE}|8 U.S.C. 1253(a)(1)"
    ]
