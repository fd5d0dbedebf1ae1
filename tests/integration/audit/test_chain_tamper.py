"""REQ-31: the audit chain is append-only and hash-chained; any tampering is found.

A batch of 30 requests goes through submit, process, review, approve,
release and respond (36 events), on SQLite and on PostgreSQL. Then one
intruder edit per test, made directly in SQL on ``audit_events`` (or
``audit_head``), and `verify` must name the first sequence number at which
the chain no longer holds.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from matchgate.audit.chain import GENESIS_HASH, AuditEvent, canonical_json, link_hash
from matchgate.workflow.auditing import verify_audit
from matchgate.workflow.store import PermissionDenied, Store

from .flow import (
    AUDITOR,
    OFFICER,
    StoredEvent,
    cli,
    cli_target,
    first_break,
    run_standard,
    sql,
    stored_events,
)

#: The standard batch's own events: batch_received, 2 request_rejected, 28 decision_made,
#: 2 decision_recorded (the rejected rows' decisions), records_viewed, review_action,
#: batch_approved, batch_released, response_downloaded (setting up its users may add
#: events of their own before these).
BATCH_EVENTS = 38


@pytest.fixture
def chain(store: Store, tmp_path: Path) -> list[StoredEvent]:
    """The standard batch, all the way through; its events, intact."""
    run_standard(store, tmp_path / "batch")
    events = stored_events(store)
    (start,) = [i for i, e in enumerate(events) if e.action == "batch_received"]
    assert len(events) - start == BATCH_EVENTS
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert first_break(store) is None
    return events


def a_decision(events: list[StoredEvent], nth: int = 5) -> StoredEvent:
    decisions = [e for e in events if e.action == "decision_made"]
    return decisions[nth]


def forged(seq: int, previous_hash: str, like: StoredEvent) -> dict[str, object]:
    """A well-formed row for `seq` whose hash is right for `previous_hash`: an expert forgery."""
    payload = {**like.payload, "outcome": "VERIFIED", "note": "forged"}
    event = AuditEvent(
        seq, like.at, like.actor, like.action, like.batch_id, like.decision_id, payload
    )
    return {
        "seq": seq,
        "at": like.at,
        "actor": like.actor,
        "action": like.action,
        "batch_id": like.batch_id,
        "decision_id": like.decision_id,
        "payload": canonical_json(payload),
        "prev_hash": previous_hash,
        "hash": link_hash(previous_hash, event),
    }


INSERT = (
    "INSERT INTO audit_events (seq, at, actor, action, batch_id, decision_id, payload, "
    "prev_hash, hash) VALUES (:seq, :at, :actor, :action, :batch_id, :decision_id, :payload, "
    ":prev_hash, :hash)"
)


def shift_from(store: Store, seq: int) -> None:
    """Renumber every event from `seq` on by +1 (in two steps: seq is the primary key)."""
    sql(store, "UPDATE audit_events SET seq = seq + 1000000 WHERE seq >= :seq", seq=seq)
    sql(store, "UPDATE audit_events SET seq = seq - 999999 WHERE seq >= 1000000")


# --------------------------------------------------------------------------------------------
# Intact
# --------------------------------------------------------------------------------------------


def test_an_untouched_chain_verifies_and_the_check_is_itself_recorded(
    store: Store, chain: list[StoredEvent]
) -> None:
    assert chain[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash

    report = verify_audit(store, actor=AUDITOR)

    assert report.first_break is None
    assert (report.events, report.head_seq, report.head_hash) == (
        len(chain),
        len(chain),
        chain[-1].hash,
    )
    last = stored_events(store)[-1]
    assert (last.seq, last.action, last.actor, last.payload) == (
        len(chain) + 1,
        "audit_verified",
        AUDITOR,
        {"events": len(chain)},
    )
    assert first_break(store) is None


def test_only_an_auditor_verifies(store: Store, chain: list[StoredEvent]) -> None:
    with pytest.raises(PermissionDenied):
        verify_audit(store, actor=OFFICER)
    assert stored_events(store)[-1].action == "access_denied"
    assert first_break(store) is None


# --------------------------------------------------------------------------------------------
# (a) An edited event
# --------------------------------------------------------------------------------------------


def test_an_edited_payload_breaks_the_chain_at_that_event(
    store: Store, chain: list[StoredEvent]
) -> None:
    target = a_decision(chain)
    assert target.payload["outcome"] == "VERIFIED"
    edited = {**target.payload, "outcome": "NO_MATCH", "fields_disclosed": []}
    assert (
        sql(
            store,
            "UPDATE audit_events SET payload = :p WHERE seq = :s",
            p=canonical_json(edited),
            s=target.seq,
        )
        == 1
    )

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == target.seq
    assert "edited" in broken.problem

    report = verify_audit(store, actor=AUDITOR)
    assert report.first_break == broken
    # A broken chain is not extended by the check.
    assert len(stored_events(store)) == len(chain)


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("actor", "mallory", "edited"),
        ("action", "batch_received", "edited"),
        ("at", "2020-01-01T00:00:00.000000Z", "edited"),
        ("batch_id", "SOME-OTHER-BATCH", "edited"),
        ("decision_id", "D-000000000000000000000000", "edited"),
        ("hash", "e" * 64, "edited"),
        ("prev_hash", "f" * 64, "does not link"),
    ],
)
def test_an_edit_of_any_column_breaks_the_chain_at_that_event(
    store: Store, chain: list[StoredEvent], column: str, value: str, problem: str
) -> None:
    target = a_decision(chain, 11)
    assert (
        sql(store, f"UPDATE audit_events SET {column} = :v WHERE seq = :s", v=value, s=target.seq)
        == 1
    )

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == target.seq
    assert problem in broken.problem


def test_reformatting_the_stored_payload_bytes_is_detected(
    store: Store, chain: list[StoredEvent]
) -> None:
    """REQ-31: any stored byte. (Regression: the payload was re-canonicalised before hashing.)"""
    target = a_decision(chain, 3)
    spaced = json.dumps(target.payload, indent=1, sort_keys=False, ensure_ascii=True)
    assert (
        sql(store, "UPDATE audit_events SET payload = :p WHERE seq = :s", p=spaced, s=target.seq)
        == 1
    )

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == target.seq


# --------------------------------------------------------------------------------------------
# (b) A deleted event
# --------------------------------------------------------------------------------------------


def test_a_deleted_event_in_the_middle_breaks_the_chain_at_its_number(
    store: Store, chain: list[StoredEvent]
) -> None:
    assert sql(store, "DELETE FROM audit_events WHERE seq = 17") == 1

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == 17
    assert "expected event 17, found 18" in broken.problem


def test_deleting_the_first_event_breaks_the_chain_at_one(
    store: Store, chain: list[StoredEvent]
) -> None:
    assert sql(store, "DELETE FROM audit_events WHERE seq = 1") == 1

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == 1


# --------------------------------------------------------------------------------------------
# (c) An inserted event
# --------------------------------------------------------------------------------------------


def test_an_inserted_expertly_forged_event_breaks_the_link_after_it(
    store: Store, chain: list[StoredEvent]
) -> None:
    """Events from 20 on are renumbered and a forgery, correctly linked to 19, becomes 20.

    The forgery itself is consistent (its hash is right for the event before
    it), so the first link that does not hold is the displaced event, now 21.
    """
    shift_from(store, 20)
    sql(store, INSERT, **forged(20, chain[18].hash, like=chain[19]))
    assert [e.seq for e in stored_events(store)] == list(range(1, len(chain) + 2))

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == 21
    assert "does not link" in broken.problem


def test_an_inserted_event_with_a_made_up_hash_breaks_the_chain_at_itself(
    store: Store, chain: list[StoredEvent]
) -> None:
    shift_from(store, 20)
    row = forged(20, chain[18].hash, like=chain[19])
    sql(store, INSERT, **{**row, "hash": "a" * 64})

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == 20
    assert "edited" in broken.problem


def test_an_event_appended_beyond_the_head_breaks_the_chain_there(
    store: Store, chain: list[StoredEvent]
) -> None:
    """Linked correctly to the last event, but the head row does not know it."""
    sql(store, INSERT, **forged(len(chain) + 1, chain[-1].hash, like=chain[-1]))

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == len(chain) + 1


def test_an_event_inserted_before_the_first_is_detected(
    store: Store, chain: list[StoredEvent]
) -> None:
    """Regression: verify used to read `seq > 0` only, missing a forged seq 0."""
    sql(store, INSERT, **forged(0, GENESIS_HASH, like=chain[0]))

    broken = first_break(store)
    assert broken is not None


# --------------------------------------------------------------------------------------------
# (d) Reordered events
# --------------------------------------------------------------------------------------------


def swap(store: Store, first: int, second: int) -> None:
    sql(store, "UPDATE audit_events SET seq = -1 WHERE seq = :a", a=first)
    sql(store, "UPDATE audit_events SET seq = :a WHERE seq = :b", a=first, b=second)
    sql(store, "UPDATE audit_events SET seq = :b WHERE seq = -1", b=second)


@pytest.mark.parametrize(("first", "second"), [(10, 11), (8, 30)])
def test_two_swapped_events_break_the_chain_at_the_earlier(
    store: Store, chain: list[StoredEvent], first: int, second: int
) -> None:
    swap(store, first, second)
    moved = {e.seq: e for e in stored_events(store)}
    assert moved[first].hash == chain[second - 1].hash
    assert moved[second].hash == chain[first - 1].hash

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == first


# --------------------------------------------------------------------------------------------
# (e) The end of the chain and its head
# --------------------------------------------------------------------------------------------


def test_deleting_the_last_event_is_found_by_the_head(
    store: Store, chain: list[StoredEvent]
) -> None:
    assert sql(store, "DELETE FROM audit_events WHERE seq = :s", s=len(chain)) == 1

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == len(chain)
    assert f"head names event {len(chain)}" in broken.problem


def test_deleting_every_event_is_found_by_the_head(store: Store, chain: list[StoredEvent]) -> None:
    sql(store, "DELETE FROM audit_events")

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == 1


def test_an_edited_head_hash_breaks_the_chain_at_the_head(
    store: Store, chain: list[StoredEvent]
) -> None:
    sql(store, "UPDATE audit_head SET hash = :h", h="b" * 64)

    broken = first_break(store)
    assert broken is not None
    assert broken.seq == len(chain)


def test_a_deleted_head_row_is_a_broken_chain(
    store: Store, chain: list[StoredEvent], tmp_path: Path
) -> None:
    """Regression: a missing head row used to crash verify (exit 1, not 6)."""
    sql(store, "DELETE FROM audit_head")

    where, env = cli_target(store, tmp_path / "cli-workspace")
    result = cli("audit", "verify", "--as", AUDITOR, *where, env=env)
    assert result.code == 6, result


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def test_cli_audit_verify_exits_6_naming_the_first_broken_event(
    store: Store, chain: list[StoredEvent], tmp_path: Path
) -> None:
    where, env = cli_target(store, tmp_path / "cli-workspace")

    intact = cli("audit", "verify", "--as", AUDITOR, *where, env=env)
    assert intact.code == 0, intact
    assert f"audit chain intact: {len(chain)} events" in intact.out

    target = a_decision(chain, 7)
    edited = {**target.payload, "taxpayer_tin": "800999999"}
    sql(
        store,
        "UPDATE audit_events SET payload = :p WHERE seq = :s",
        p=canonical_json(edited),
        s=target.seq,
    )

    result = cli("audit", "verify", "--as", AUDITOR, *where, env=env)
    assert result.code == 6, result
    assert f"audit chain broken at event {target.seq}:" in result.err
    assert "Traceback" not in result.out + result.err

    denied = cli("audit", "verify", "--as", OFFICER, *where, env=env)
    assert denied.code == 4, denied
