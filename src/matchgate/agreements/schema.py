"""The agreement document: what a requesting agency may ask for and what the custodian may answer.

In: a mapping parsed from an agreement YAML file (see ``builtin/`` for the
reference). Out: a frozen :class:`Agreement` that intake validation, the
decision policy and disclosure read; none of them hard-codes a rule that
belongs here (DESIGN.md "Agreements"). Pure: the loader does the file I/O.

Every agreement carries a ``content_hash`` so that each decision and audit
event can name exactly which rules it was made under.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from matchgate.agreements.statutes import normalise_statute

__all__ = [
    "DISCLOSABLE_FIELDS",
    "REQUIRABLE_FIELDS",
    "Agreement",
    "MatchPolicy",
    "agreement_json_schema",
]

# The only taxpayer fields a response may ever carry (FORMATS.md §3).
DisclosableField = Literal["lka_street", "lka_city", "lka_state", "lka_zip"]
DISCLOSABLE_FIELDS: tuple[str, ...] = ("lka_street", "lka_city", "lka_state", "lka_zip")

# Request columns an agreement may make mandatory (R10). The statutory columns
# (names, address, tax periods, statute, reason) are always required and have
# their own codes, so they are not listed here.
RequirableField = Literal[
    "request_id",
    "case_number",
    "removal_order_date",
    "removal_order_number",
    "middle_name",
    "name_suffix",
    "aliases",
    "dob",
    "tin",
]
REQUIRABLE_FIELDS: tuple[str, ...] = get_args(RequirableField)

#: Optional keys added later: absent from `document()` while unset (see there).
_ADDED_KEYS = ("case_number_max_rows", "official_max_rows_per_year")

_TITLE_26 = 26  # the Internal Revenue Code: 6103(i)(2) is for *non-tax* criminal statutes


def _check_statute(text: str) -> str:
    """An allowed statute must be a U.S. Code citation outside Title 26."""
    parsed = normalise_statute(text)
    if parsed is None:
        raise ValueError(f"{text!r} is not a U.S. Code citation")
    if parsed.title == _TITLE_26:
        raise ValueError(
            f"{text!r} is in Title 26; 6103(i)(2) covers only non-tax criminal statutes"
        )
    return text


class _Strict(BaseModel):
    # Unknown keys are errors: a misspelt "acept_po_box" must not silently
    # fall back to a default in a legal document. (Types are checked strictly
    # by the JSON Schema in the loader; the model itself stays lax so that
    # YAML lists become tuples.)
    model_config = ConfigDict(frozen=True, extra="forbid")


class MatchPolicy(_Strict):
    """How certain an identification must be before anything may be disclosed."""

    min_match_probability: float = Field(gt=0.0, le=1.0)
    # Match-weight bits the winning taxpayer must lead every other candidate
    # whose name fits the request by; closer than that is a close call.
    runner_up_margin_weight: float = Field(ge=0.0)
    require_address_on_file: bool = True
    # Two taxpayers who both fit the request fully (a JR/SR pair, same-name
    # relatives at one address) with nothing given to tell them apart: an
    # officer has no more to go on than the matcher, so by default this is
    # NO_MATCH (the requester may resubmit with a DOB, TIN or suffix).
    indistinguishable_outcome: Literal["NO_MATCH", "PENDING_REVIEW"] = "NO_MATCH"


class Agreement(_Strict):
    """One disclosure agreement, as loaded (frozen; compare by ``content_hash``)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    suspended: bool = False
    signatory_titles: tuple[str, ...] = Field(min_length=1)
    statutes: tuple[Annotated[str, AfterValidator(_check_statute)], ...] = Field(min_length=1)
    # The window is S - N <= Y <= S, S = year of the envelope's submitted_at.
    tax_period_years_back: int = Field(ge=0, le=100)
    required_fields: tuple[RequirableField, ...]
    accept_po_box: bool
    accept_rural_route: bool
    # Never true in a lawful agreement (FORMATS.md §2: a ZIP code alone is not an
    # address). It exists to model the 2025 rules, so that remediation can show
    # what they disclosed.
    accept_zip_only_address: bool = False
    quota_per_batch: int | None = Field(ge=1)
    boilerplate_reason_max_share: float = Field(gt=0.0, le=1.0)
    boilerplate_reason_min_rows: int = Field(ge=1)
    # REQ-41: more rows than this under one case number go to review (None: no limit).
    case_number_max_rows: int | None = Field(default=None, ge=1)
    # REQ-41: rows per requesting official per calendar year beyond this go to review.
    official_max_rows_per_year: int | None = Field(default=None, ge=1)
    match: MatchPolicy
    # Empty = the agreement only confirms (VERIFIED) and discloses nothing.
    disclose: tuple[DisclosableField, ...]
    review_required: bool
    two_person_release: bool

    @field_validator("signatory_titles")
    @classmethod
    def _titles_not_blank(cls, titles: tuple[str, ...]) -> tuple[str, ...]:
        for index, title in enumerate(titles):
            if not title.strip():
                raise ValueError(f"entry {index} is empty")
        return titles

    @field_validator("required_fields", "disclose")
    @classmethod
    def _no_repeats(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(names)) != len(names):
            raise ValueError("lists a field twice")
        return names

    def document(self) -> dict[str, Any]:
        """The agreement as a JSON-ready mapping (defaults filled in), the input of the hash.

        Keys added after agreements were first stored are left out while they
        hold their default, so that an agreement that does not use them keeps
        the hash (and its batches the decision ids) it always had.
        """
        document = self.model_dump(mode="json")
        for key in _ADDED_KEYS:
            if document.get(key) is None:
                document.pop(key, None)
        return document

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`document`.

        Canonical = sorted keys, no whitespace, UTF-8 without escaping. Two
        files that differ only in comments, key order or spelled-out defaults
        hash the same; any change to a rule changes the hash.
        """
        canonical = json.dumps(
            self.document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def signatory_allowed(self, title: str | None) -> bool:
        """True when ``title`` is one of the signatory titles (case and spacing ignored)."""
        if title is None:
            return False
        wanted = _title_key(title)
        return any(_title_key(t) == wanted for t in self.signatory_titles)


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def agreement_json_schema() -> dict[str, Any]:
    """The JSON Schema an agreement file must satisfy (generated from :class:`Agreement`).

    The loader checks a file against it first so that errors name the key at
    fault; statute parsing and other semantic checks are left to the model.
    """
    return Agreement.model_json_schema(mode="validation")
