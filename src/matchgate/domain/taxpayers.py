"""A taxpayer's records as filed, as a reviewing officer sees them (pure, custodian-only).

In: the master file's taxpayer row and address history for one TIN, read by
the match engine. Out: a `TaxpayerRecord` that the review queue shows beside
the request, and its JSON form (README "JSON output": `candidate_records`).
None of it ever reaches a response or a requester.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FiledAddress:
    """One row of a taxpayer's address history, as filed."""

    tax_year: int
    source: str
    street: str | None
    city: str | None
    state: str | None
    zip: str | None


@dataclass(frozen=True, slots=True)
class TaxpayerRecord:
    """A candidate taxpayer as filed: name, date of birth, address history (newest first)."""

    tin: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    name_suffix: str | None
    dob: str | None
    addresses: tuple[FiledAddress, ...] = ()

    def as_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["addresses"] = [asdict(a) for a in self.addresses]
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> TaxpayerRecord:
        """The record again from `as_json()` (a held item's candidates are kept so)."""
        addresses = tuple(FiledAddress(**a) for a in document.get("addresses", ()))
        fields = {k: v for k, v in document.items() if k != "addresses"}
        return cls(**fields, addresses=addresses)
