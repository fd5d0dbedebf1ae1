"""REQ-31: the chain's canonical form, composed from a payload already canonical.

An append serialises each payload once and composes the event's canonical
text around it; that text must be exactly `AuditEvent.canonical()`, the rule
an outside party re-checks an exported chain with.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matchgate.audit.chain import AuditEvent, canonical_event, canonical_json, chain_hash, link_hash

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(min_value=0, max_value=10**12),
    at=texts,
    actor=texts,
    action=texts,
    batch_id=st.none() | texts,
    decision_id=st.none() | texts,
    payload=st.dictionaries(texts, values, max_size=5),
)
def test_req31_the_composed_canonical_text_is_the_events_canonical_form(
    seq: int,
    at: str,
    actor: str,
    action: str,
    batch_id: str | None,
    decision_id: str | None,
    payload: dict[str, object],
) -> None:
    event = AuditEvent(seq, at, actor, action, batch_id, decision_id, payload)
    composed = canonical_event(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        batch_id=batch_id,
        decision_id=decision_id,
        payload_json=canonical_json(payload),
    )
    assert composed == event.canonical()
    assert chain_hash("0" * 64, composed) == link_hash("0" * 64, event)
