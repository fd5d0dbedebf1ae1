"""The audit chain's hash rule, as pure functions (stage 6: audit).

In: an event's fields. Out: its canonical bytes and its hash. Anyone can
re-check an exported chain with these two rules (README "Audit chain"):

- canonical form: the JSON object `{"seq", "at", "actor", "action",
  "batch_id", "decision_id", "payload"}` with keys sorted, no whitespace
  (separators `,` and `:`), non-ASCII characters kept (UTF-8);
- hash: `sha256(previous_hash_hex + canonical_json)` as lower-case hex, the
  previous hash of the first event being 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    at: str  # ISO 8601 UTC, as stored
    actor: str
    action: str
    batch_id: str | None
    decision_id: str | None
    payload: Mapping[str, Any]

    def canonical(self) -> str:
        return canonical_json(
            {
                "seq": self.seq,
                "at": self.at,
                "actor": self.actor,
                "action": self.action,
                "batch_id": self.batch_id,
                "decision_id": self.decision_id,
                "payload": self.payload,
            }
        )


def canonical_event(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    batch_id: str | None,
    decision_id: str | None,
    payload_json: str,
) -> str:
    """`AuditEvent.canonical()` of an event whose payload is already canonical JSON.

    The same text, key by key in sorted order, without serialising the payload
    a second time (an append stores the payload's canonical form and hashes the
    event's).
    """

    def text(value: str | None) -> str:
        return json.dumps(value, ensure_ascii=False)

    return (
        f'{{"action":{text(action)},"actor":{text(actor)},"at":{text(at)},'
        f'"batch_id":{text(batch_id)},"decision_id":{text(decision_id)},'
        f'"payload":{payload_json},"seq":{json.dumps(seq)}}}'
    )


def link_hash(previous_hash: str, event: AuditEvent) -> str:
    return chain_hash(previous_hash, event.canonical())


def chain_hash(previous_hash: str, canonical: str) -> str:
    """The hash of a link: the previous hash and the event's canonical text."""
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place the chain does not hold, and what is wrong there."""

    seq: int
    problem: str


def verify_chain(
    links: Iterable[tuple[AuditEvent, str, str]],
    *,
    start_hash: str = GENESIS_HASH,
    start_seq: int = 1,
) -> ChainBreak | None:
    """Check (event, stored previous hash, stored hash) triples in stored order.

    Detects an edited event (its hash no longer matches), a deleted or
    inserted event (a gap or repeat in the sequence, or a previous-hash that
    does not name the event before) and reordered events.
    """
    expected_previous, expected_seq = start_hash, start_seq
    for event, stored_previous, stored_hash in links:
        if event.seq != expected_seq:
            return ChainBreak(expected_seq, f"expected event {expected_seq}, found {event.seq}")
        if stored_previous != expected_previous:
            return ChainBreak(event.seq, "does not link to the event before it")
        if link_hash(stored_previous, event) != stored_hash:
            return ChainBreak(event.seq, "content does not match its hash (edited)")
        expected_previous, expected_seq = stored_hash, expected_seq + 1
    return None


def record_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a stored record's fields in canonical JSON.

    The chain carries this hash for every decision row (and the release event
    the response's own SHA-256), so an edit to a row the chain only points at
    is detected as surely as an edit to an event.
    """
    return hashlib.sha256(canonical_json(dict(fields)).encode("utf-8")).hexdigest()
