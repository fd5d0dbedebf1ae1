"""Batches through the persistent workflow with a fake matcher, for the audit tests.

Nothing here runs Splink or reads a master file: `FakeMatcher` answers each
request uid (``r<row index>``) from a table the test writes, so every
outcome is chosen by construction. Every name, address and TIN is invented
(TINs start with 800, as in the unit tests).

A candidate that fits the requested name strongly, at an address on file,
with match probability 0.9999, is VERIFIED under ``reference-6103i2``; at
0.99 it is PENDING_REVIEW (uncertain score); at 0.2 NO_MATCH (the decision
still names the TIN it looked at).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import text

from factories import reference_agreement, request_rows, write_csv, write_envelope
from matchgate.agreements.schema import Agreement
from matchgate.audit.chain import ChainBreak
from matchgate.audit.log import verify
from matchgate.decide.evidence import RequestFacts
from matchgate.decide.policy import Candidate, PersonFacts
from matchgate.disclose.minimise import LastKnownAddress
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.uploads import Upload
from matchgate.files import read_upload
from matchgate.pipeline import DEFAULT_CHUNK_ROWS
from matchgate.standardise.names import standardise_name
from matchgate.workflow.process import process_batch
from matchgate.workflow.release import approve_batch, release_batch, respond
from matchgate.workflow.review import decide_review_item, list_review_items
from matchgate.workflow.store import Store, add_user
from matchgate.workflow.submit import submit_batch

ADMIN, OPERATOR, OFFICER, APPROVER, AUDITOR = "admin", "operator", "officer", "approver", "auditor"

VINTAGE, MODEL = "V-AUDIT-0001", "M-AUDIT-0001"

_FIRSTS = ("MARISOL", "TOBIAS", "ODETTE", "RENATA", "CASIMIR", "LUCINDA", "ANSEL", "PERPETUA")
_LASTS = ("QUINTANILLA", "HALVORSEN", "OKONKWOVA", "BRIGHTWATER", "DELACROIXE", "FENWORTHY")
_STREETS = ("N MAIN ST", "ELM ST", "OAK AVE", "PINE RD", "CEDAR LN", "BIRCH CT", "MAPLE DR")


def add_people(store: Store) -> None:
    """admin (the first user, no actor), then one user per role, added by admin."""
    add_user(store, ADMIN, [Role.ADMIN], actor=None)
    for name, role in (
        (OPERATOR, Role.OPERATOR),
        (OFFICER, Role.OFFICER),
        (APPROVER, Role.APPROVER),
        (AUDITOR, Role.AUDITOR),
    ):
        add_user(store, name, [role], actor=ADMIN)


@dataclass(frozen=True)
class Person:
    """An invented taxpayer: the name a request gives, the TIN on file, an address on file."""

    first: str
    last: str
    tin: str
    street: str
    city: str = "AUSTIN"
    state: str = "TX"
    zip: str = "78701"

    @property
    def lka(self) -> LastKnownAddress:
        return LastKnownAddress(self.street, self.city, self.state, self.zip)


def person(n: int) -> Person:
    """The n-th invented taxpayer (distinct names, TINs and streets for n < 48)."""
    return Person(
        first=_FIRSTS[n % len(_FIRSTS)],
        last=_LASTS[(n // len(_FIRSTS)) % len(_LASTS)],
        tin=f"800{900 + n:06d}",
        street=f"{100 + n} {_STREETS[n % len(_STREETS)]}",
    )


def candidate(
    who: Person,
    *,
    probability: float = 0.9999,
    weight: float = 20.0,
    on_file: bool = True,
    lka: bool = True,
) -> Candidate:
    return Candidate(
        tin=who.tin,
        facts=PersonFacts(
            name=standardise_name(who.first, None, who.last, None), dob=None, tin=who.tin
        ),
        match_weight=weight,
        match_probability=probability,
        address_on_file=on_file,
        address_is_lka=lka,
        field_weights=(("surname", 8.0), ("given", 6.0)),
    )


@dataclass
class FakeMatcher:
    """A `matchgate.pipeline.Matcher` answering from in-memory tables."""

    table: Mapping[str, Sequence[Candidate]]
    lkas: Mapping[str, LastKnownAddress]
    vintage_id: str = VINTAGE
    model_version: str = MODEL
    asked: list[list[str]] = field(default_factory=list)

    def candidates(
        self, requests: Mapping[str, RequestFacts], table: pa.Table
    ) -> dict[str, list[Candidate]]:
        self.asked.append(sorted(requests))
        return {uid: list(self.table[uid]) for uid in requests if uid in self.table}

    def last_known_addresses(self, tins: Sequence[str]) -> dict[str, LastKnownAddress]:
        return {tin: self.lkas[tin] for tin in tins if tin in self.lkas}


@dataclass
class Req:
    """One request row and what the fake matcher finds for it."""

    fields: dict[str, str | None]
    candidates: list[Candidate] = field(default_factory=list)
    lkas: dict[str, LastKnownAddress] = field(default_factory=dict)


def asking_for(who: Person, n: int, **fields: str | None) -> dict[str, str | None]:
    """A valid request (factories' defaults) naming `who` at their address on file."""
    (row,) = request_rows(1)
    row.update(
        request_id=f"REQ-{n:06d}",
        case_number=f"CASE-2025-{n:04d}",
        reason=f"Subject of case CASE-2025-{n:04d}; address needed to serve process",
        first_name=who.first,
        last_name=who.last,
        street=who.street,
        city=who.city,
        state=who.state,
        zip=who.zip,
    )
    row.update(fields)
    return row


def verified(who: Person, n: int, **fields: str | None) -> Req:
    return Req(asking_for(who, n, **fields), [candidate(who)], {who.tin: who.lka})


def held(who: Person, n: int, **fields: str | None) -> Req:
    """PENDING_REVIEW: the right person, but a score below the agreement's certainty."""
    return Req(asking_for(who, n, **fields), [candidate(who, probability=0.99)], {who.tin: who.lka})


def weak(who: Person, n: int, **fields: str | None) -> Req:
    """NO_MATCH although the decision names `who`'s TIN (score below the review floor)."""
    return Req(
        asking_for(who, n, **fields),
        [candidate(who, probability=0.2, weight=2.0)],
        {who.tin: who.lka},
    )


def nobody(who: Person, n: int, **fields: str | None) -> Req:
    """NO_MATCH: nobody on file."""
    return Req(asking_for(who, n, **fields))


def matcher_for(reqs: Sequence[Req]) -> FakeMatcher:
    lkas: dict[str, LastKnownAddress] = {}
    for req in reqs:
        lkas.update(req.lkas)
    return FakeMatcher({f"r{i}": req.candidates for i, req in enumerate(reqs)}, lkas)


@dataclass(frozen=True)
class BatchFiles:
    requests: Path
    envelope: Path

    @property
    def uploads(self) -> tuple[Upload, Upload]:
        return read_upload(self.requests), read_upload(self.envelope)


def write_batch(folder: Path, batch_id: str, reqs: Sequence[Req], **envelope: Any) -> BatchFiles:
    folder.mkdir(parents=True, exist_ok=True)
    return BatchFiles(
        requests=write_csv(folder / "requests.csv", [r.fields for r in reqs]),
        envelope=write_envelope(folder / "envelope.json", **{"batch_id": batch_id, **envelope}),
    )


@dataclass(frozen=True)
class Ran:
    batch_id: str
    files: BatchFiles
    matcher: FakeMatcher
    reviewed: list[str]


def run_batch(
    store: Store,
    folder: Path,
    batch_id: str,
    reqs: Sequence[Req],
    *,
    agreement: Agreement | None = None,
    confirm: bool = True,
    until: BatchState = BatchState.RELEASED,
    released_at: datetime | None = None,
    response: Path | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    **envelope: Any,
) -> Ran:
    """Submit, process, review every held item (confirm or deny), approve, release, respond.

    Stops after `until` (IN_REVIEW: nothing reviewed; APPROVED: not released).
    `released_at` fixes the approval and release time (the store's clock stands still);
    `chunk_rows` the rows matched and committed together.
    """
    files = write_batch(folder, batch_id, reqs, **envelope)
    matcher = matcher_for(reqs)
    got, resumed = submit_batch(
        store, *files.uploads, agreement or reference_agreement(), actor=OPERATOR
    )
    assert (got, resumed) == (batch_id, False)
    summary, _ = process_batch(store, batch_id, lambda: matcher, chunk_rows=chunk_rows)
    assert summary.state == BatchState.IN_REVIEW.value, summary
    reviewed: list[str] = []
    if until is BatchState.IN_REVIEW:
        return Ran(batch_id, files, matcher, reviewed)
    for item in list_review_items(store, actor=OFFICER, batch_id=batch_id):
        decide_review_item(store, item.item_id, actor=OFFICER, confirm=confirm, note="checked")
        reviewed.append(item.item_id)
    releasing = store if released_at is None else replace(store, clock=lambda: released_at)
    approve_batch(releasing, batch_id, actor=APPROVER)
    if until is BatchState.RELEASED:
        assert release_batch(releasing, batch_id, actor=APPROVER).state == "released"
    if response is not None:
        response.write_bytes(respond(store, batch_id, actor=OPERATOR))
    return Ran(batch_id, files, matcher, reviewed)


# --------------------------------------------------------------------------------------------
# The standard batch: 30 rows, several dozen audit events
# --------------------------------------------------------------------------------------------

STANDARD_BATCH = "AUD-2025-0001"
#: Rows 0-25 VERIFIED, 26 PENDING_REVIEW (confirmed by the officer), 27 NO_MATCH,
#: 28 REJECTED (R02, a PO box), 29 REJECTED (R01, no last name).
STANDARD_VERIFIED = 26


def standard_requests() -> list[Req]:
    reqs = [verified(person(n), n) for n in range(STANDARD_VERIFIED)]
    n = STANDARD_VERIFIED
    # Non-ASCII text travels through the chain as UTF-8 (README canonical form).
    reqs.append(
        held(person(n), n, reason="Subject of case CASE-2025-0026 (alias PEÑA); address needed")
    )
    reqs.append(nobody(person(n + 1), n + 1))
    reqs.append(Req(asking_for(person(n + 2), n + 2, street="PO BOX 12")))
    reqs.append(Req(asking_for(person(n + 3), n + 3, last_name="")))
    return reqs


STANDARD_MACHINE_OUTCOMES = ["VERIFIED"] * STANDARD_VERIFIED + [
    "PENDING_REVIEW",
    "NO_MATCH",
    "REJECTED",
    "REJECTED",
]


def run_standard(store: Store, folder: Path, *, respond_to: Path | None = None) -> Ran:
    add_people(store)
    return run_batch(
        store,
        folder,
        STANDARD_BATCH,
        standard_requests(),
        response=respond_to or folder / "out.csv",
    )


# --------------------------------------------------------------------------------------------
# Reading and tampering with the chain directly (SQL, as an intruder would)
# --------------------------------------------------------------------------------------------


def first_break(store: Store) -> ChainBreak | None:
    with store.sessions() as session:
        return verify(session).first_break


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    at: str
    actor: str
    action: str
    batch_id: str | None
    decision_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def stored_events(store: Store) -> list[StoredEvent]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT seq, at, actor, action, batch_id, decision_id, payload, prev_hash, hash "
                "FROM audit_events ORDER BY seq"
            )
        ).all()
    return [
        StoredEvent(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8]) for r in rows
    ]


def sql(store: Store, statement: str, **params: Any) -> int:
    """Run one statement in its own transaction (outside matchgate); rows affected."""
    with store.engine.begin() as connection:
        return connection.execute(text(statement), params).rowcount


# --------------------------------------------------------------------------------------------
# The command line, in this process
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def cli(*args: str | Path, env: Mapping[str, str] | None = None) -> Result:
    """Run one `matchgate` command through `matchgate.cli.app.run` (exit code, output).

    No MATCHGATE_* variable of the caller reaches it, except those in `env`.
    """
    from matchgate.cli.app import run

    outside = {k: v for k, v in os.environ.items() if k.startswith("MATCHGATE_")}
    saved_columns = os.environ.get("COLUMNS")
    out, err = io.StringIO(), io.StringIO()
    try:
        for name in outside:
            del os.environ[name]
        os.environ.update(env or {})
        os.environ["COLUMNS"] = "250"  # Rich wraps nothing we assert on
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run([str(a) for a in args])
    finally:
        for name in [k for k in os.environ if k.startswith("MATCHGATE_")]:
            del os.environ[name]
        os.environ.update(outside)
        if saved_columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved_columns
    return Result(code, out.getvalue(), err.getvalue())


def cli_ok(*args: str | Path, env: Mapping[str, str] | None = None) -> Result:
    result = cli(*args, env=env)
    assert result.code == 0, f"matchgate {' '.join(map(str, args))}: {result}"
    return result


def cli_target(store: Store, home: Path) -> tuple[list[str], dict[str, str]]:
    """`--workspace` arguments and environment for a CLI run against `store`.

    SQLite: the workspace holding its `workflow.sqlite`; PostgreSQL: the
    store's URL (with its schema's search_path) as MATCHGATE_DATABASE_URL.
    """
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        database = Path(url.database)
        assert database.name == "workflow.sqlite"
        return ["--workspace", str(database.parent)], {}
    return ["--workspace", str(home)], {
        "MATCHGATE_DATABASE_URL": url.render_as_string(hide_password=False)
    }
