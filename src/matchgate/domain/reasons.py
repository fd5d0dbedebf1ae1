"""The one list of reason codes for REJECTED requests (FORMATS.md §3), and words for every code.

Two vocabularies, each with one table of words a person reads beside the
code: the reason codes of REJECTED rows (`REASON_MEANINGS`, as FORMATS.md
§3 words them) and the reasons a request is held for review
(`REVIEW_REASON_WORDS`, custodian-internal). A new code gets its line in
its table; a test checks that none is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from matchgate.domain.outcomes import ReviewReason


class ReasonCode(StrEnum):
    """Why a request was REJECTED. The value is the code written in responses."""

    NAME_MISSING = "R01"
    ADDRESS_NOT_STREET = "R02"
    STATUTE_NOT_COVERED = "R03"
    REASON_MISSING = "R04"
    TAX_PERIODS_INVALID = "R05"
    DUPLICATE_REQUEST_ID = "R06"
    MALFORMED_FIELD = "R07"
    ENVELOPE_INVALID = "R08"
    QUOTA_EXCEEDED = "R09"
    REQUIRED_FIELD_MISSING = "R10"

    @property
    def meaning(self) -> str:
        return REASON_MEANINGS[self]


REASON_MEANINGS: dict[ReasonCode, str] = {
    ReasonCode.NAME_MISSING: "name missing (first or last)",
    ReasonCode.ADDRESS_NOT_STREET: "address missing or not a real street address",
    ReasonCode.STATUTE_NOT_COVERED: "statute missing or not covered by the agreement",
    ReasonCode.REASON_MISSING: "reason missing or empty",
    ReasonCode.TAX_PERIODS_INVALID: "tax periods missing, malformed, or outside the window",
    ReasonCode.DUPLICATE_REQUEST_ID: "duplicate request_id within the batch",
    ReasonCode.MALFORMED_FIELD: "malformed field",
    ReasonCode.ENVELOPE_INVALID: "the batch envelope is invalid",
    ReasonCode.QUOTA_EXCEEDED: "the agreement's request quota is exceeded",
    ReasonCode.REQUIRED_FIELD_MISSING: "a field the agreement requires is missing",
}


#: Why a request is held for a disclosure officer, as the officer reads it.
REVIEW_REASON_WORDS: Mapping[ReviewReason, str] = MappingProxyType(
    {
        ReviewReason.CLOSE_SECOND_CANDIDATE: (
            "another taxpayer fits the request nearly as well (a close second candidate)"
        ),
        ReviewReason.UNCERTAIN_SCORE: (
            "the match probability is below the agreement's threshold for certainty"
        ),
        ReviewReason.BOILERPLATE_REASON: (
            "the stated reason is boilerplate, shared by many requests of the batch"
        ),
        ReviewReason.CASE_NUMBER_REUSED: (
            "the case number is on more rows than the agreement allows for one case"
        ),
        ReviewReason.OFFICIAL_VOLUME: (
            "the requesting official asked about more people this year than the agreement allows"
        ),
        ReviewReason.FUZZY_GIVEN_NAME: (
            "the given name fits only as a variant or misspelling, and no date of birth, "
            "TIN or exact address corroborates it"
        ),
        ReviewReason.FUZZY_SURNAME: (
            "the surname fits only as a variant or misspelling, and no date of birth, "
            "TIN or exact address corroborates it"
        ),
        ReviewReason.FUZZY_NAME_ORDER: (
            "the given name and surname fit only in the other order, and nothing corroborates it"
        ),
    }
)


def review_reason_words(reason: ReviewReason | str) -> str:
    """A review reason in words; a code without words (say, from a newer store) as itself."""
    try:
        return REVIEW_REASON_WORDS[ReviewReason(reason)]
    except (ValueError, KeyError):
        return str(reason)


def join_codes(codes: Iterable[ReasonCode]) -> str:
    """Codes as they appear in a response: unique, ascending, `;`-joined."""
    return ";".join(sorted({c.value for c in codes}))


def split_codes(joined: str | None) -> tuple[ReasonCode, ...]:
    """The codes `join_codes` joined, ascending (`()` for an empty or missing text)."""
    return tuple(ReasonCode(code) for code in (joined or "").split(";") if code)
