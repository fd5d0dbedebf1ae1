"""Stage 5 (disclose): what a response row may carry, as a pure function.

In: a request's outcome, reason codes, the identified taxpayer's last known
address (as filed) and the agreement's disclosure allow-list. Out: a
`ResponseRow` with exactly the FORMATS.md §3 columns. Nothing else about a
taxpayer can reach a response: there is no field for it. The address match
and the LKA appear only for VERIFIED; a NO_MATCH row is identical whatever
its cause; a REJECTED row carries its codes and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from matchgate.domain.outcomes import AddressMatch, Outcome
from matchgate.domain.reasons import ReasonCode, join_codes

#: The response columns, in contract order (FORMATS.md §3).
RESPONSE_COLUMNS: tuple[str, ...] = (
    "request_id",
    "batch_id",
    "outcome",
    "reason_codes",
    "address_match",
    "lka_street",
    "lka_city",
    "lka_state",
    "lka_zip",
    "decision_id",
)

LKA_FIELDS: tuple[str, ...] = ("lka_street", "lka_city", "lka_state", "lka_zip")


@dataclass(frozen=True, slots=True)
class LastKnownAddress:
    """The LKA as filed (custodian-side until a VERIFIED release)."""

    street: str
    city: str
    state: str
    zip: str

    def field(self, name: str) -> str:
        return {
            "lka_street": self.street,
            "lka_city": self.city,
            "lka_state": self.state,
            "lka_zip": self.zip,
        }[name]


@dataclass(frozen=True, slots=True)
class ResponseRow:
    request_id: str
    batch_id: str
    outcome: Outcome
    reason_codes: str
    address_match: str
    lka_street: str
    lka_city: str
    lka_state: str
    lka_zip: str
    decision_id: str

    def values(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, column)) for column in RESPONSE_COLUMNS)


def response_row(
    *,
    request_id: str,
    batch_id: str,
    decision_id: str,
    outcome: Outcome,
    reason_codes: Iterable[ReasonCode] = (),
    address_match: AddressMatch | None = None,
    lka: LastKnownAddress | None = None,
    disclose: Iterable[str] = (),
) -> ResponseRow:
    """The one place a response row is built: minimal by construction."""
    verified = outcome is Outcome.VERIFIED
    allowed = set(disclose) if verified and lka is not None else set()
    lka_values = {name: lka.field(name) if lka and name in allowed else "" for name in LKA_FIELDS}
    return ResponseRow(
        request_id=request_id,
        batch_id=batch_id,
        outcome=outcome,
        reason_codes=join_codes(reason_codes) if outcome is Outcome.REJECTED else "",
        address_match=address_match.value if verified and address_match else "",
        decision_id=decision_id,
        **lka_values,
    )
