"""A signed head kept elsewhere proves the chain's tail (audit anchor / verify --anchor)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matchgate.audit.anchor import AnchorMismatch, new_key
from matchgate.workflow.auditing import AnchorCheck, anchor_audit, verify_audit
from matchgate.workflow.store import Store

from .flow import AUDITOR, cli, cli_ok, cli_target, run_standard, sql, stored_events


def check(document: bytes, key: bytes) -> AnchorCheck:
    return AnchorCheck(document, "anchor.json", key, "anchor.key")


def test_a_rewritten_tail_is_caught_against_the_anchor(store: Store, tmp_path: Path) -> None:
    run_standard(store, tmp_path)
    private, public = new_key()
    document = anchor_audit(store, private, key_source="anchor.key", actor=AUDITOR)
    anchored = json.loads(document)
    assert anchored["seq"] == len(stored_events(store)) - 1  # the anchoring is itself recorded
    assert stored_events(store)[-1].action == "audit_anchored"

    intact = verify_audit(store, actor=AUDITOR, anchor=check(document, public))
    assert intact.first_break is None and intact.tampered_record is None

    # An intruder drops the last events and moves the head back: the chain
    # itself is consistent again, only a head kept elsewhere can tell.
    keep = anchored["seq"] - 3
    events = stored_events(store)
    sql(store, "DELETE FROM audit_events WHERE seq > :s", s=keep)
    sql(store, "UPDATE audit_head SET seq = :s, hash = :h", s=keep, h=events[keep - 1].hash)
    assert verify_audit(store, actor=AUDITOR).first_break is None
    report = verify_audit(store, actor=AUDITOR, anchor=check(document, public))
    assert report.first_break is not None
    assert report.first_break.seq == anchored["seq"]
    assert "truncated" in report.first_break.problem


def test_an_altered_anchor_or_another_key_is_refused(store: Store, tmp_path: Path) -> None:
    run_standard(store, tmp_path)
    private, public = new_key()
    document = anchor_audit(store, private, key_source="anchor.key", actor=AUDITOR)
    moved = json.loads(document)
    moved["seq"] -= 1
    with pytest.raises(AnchorMismatch):
        verify_audit(store, actor=AUDITOR, anchor=check(json.dumps(moved).encode(), public))
    _, other_public = new_key()
    with pytest.raises(AnchorMismatch):
        verify_audit(store, actor=AUDITOR, anchor=check(document, other_public))


def test_cli_anchor_round_trip_and_the_key_stays_outside_the_workspace(
    store: Store, tmp_path: Path
) -> None:
    run_standard(store, tmp_path / "batch")
    where, env = cli_target(store, tmp_path / "cli")
    home = Path(where[1])
    inside = cli("audit", "keygen", "--out", home / "anchor.key", *where, env=env)
    assert inside.code == 2 and "outside the workspace" in inside.err

    keys = tmp_path / "keys"
    keys.mkdir()
    key = keys / "anchor.key"
    cli_ok("audit", "keygen", "--out", key, *where, env=env)
    assert key.stat().st_mode & 0o777 == 0o600
    again = cli("audit", "keygen", "--out", key, *where, env=env)
    assert again.code == 2 and "never overwritten" in again.err

    anchor = tmp_path / "anchor.json"
    cli_ok(
        "audit",
        "anchor",
        "--out",
        anchor,
        "--as",
        AUDITOR,
        *where,
        env={**env, "MATCHGATE_ANCHOR_KEY": str(key)},
    )
    public = keys / "anchor.key.pub"
    cli_ok("audit", "verify", "--anchor", anchor, "--key", public, "--as", AUDITOR, *where, env=env)

    events = stored_events(store)
    sql(store, "DELETE FROM audit_events WHERE seq > :s", s=len(events) - 4)
    sql(store, "UPDATE audit_head SET seq = :s, hash = :h", s=len(events) - 4, h=events[-5].hash)
    result = cli(
        "audit", "verify", "--anchor", anchor, "--key", public, "--as", AUDITOR, *where, env=env
    )
    assert result.code == 6, result
    assert "anchored head" in result.err
