"""Outcomes of a request and how a given address relates to the taxpayer's."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    REJECTED = "REJECTED"
    NO_MATCH = "NO_MATCH"
    VERIFIED = "VERIFIED"
    PENDING_REVIEW = "PENDING_REVIEW"


class AddressMatch(StrEnum):
    CURRENT = "CURRENT"  # the address given is the last known address
    PRIOR = "PRIOR"  # the address given is another address on file


class ReviewReason(StrEnum):
    """Why a request is held for a disclosure officer (custodian-internal)."""

    CLOSE_SECOND_CANDIDATE = "CLOSE_SECOND_CANDIDATE"
    BOILERPLATE_REASON = "BOILERPLATE_REASON"
    UNCERTAIN_SCORE = "UNCERTAIN_SCORE"
    #: REQ-41: the case number is on more rows than the agreement allows.
    CASE_NUMBER_REUSED = "CASE_NUMBER_REUSED"
    #: REQ-41: the requesting official asked about more people than the agreement allows.
    OFFICIAL_VOLUME = "OFFICIAL_VOLUME"
    #: The name fits only fuzzily and nothing given corroborates it (which part is fuzzy).
    FUZZY_GIVEN_NAME = "FUZZY_GIVEN_NAME"
    FUZZY_SURNAME = "FUZZY_SURNAME"
    FUZZY_NAME_ORDER = "FUZZY_NAME_ORDER"
