"""Controls over a decision that are not about identity: holds and plausibility (pure).

In: the policy's decision on one request, whether the identified taxpayer is
under a disclosure hold, and the plausibility findings on the request's row.
Out: the decision the batch keeps.

- REQ-23, 6103(i)(6): a taxpayer under a disclosure hold (a confidential
  informant, a tax investigation it would impair) is NO_MATCH to the
  requester, whatever matched; the response looks like any NO_MATCH, and the
  decision is marked `held` so the hold is in the audit record.
- REQ-41: a case number on more rows than the agreement allows, or a
  requesting official asking about more people than the agreement allows in
  a year, makes "personally and directly engaged" implausible: such a row is
  never VERIFIED automatically; it goes to a disclosure officer.

`plausibility_rows` finds those rows; `apply_controls` is the one place the
rules change a decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from matchgate.decide.policy import Decision
from matchgate.domain.outcomes import Outcome, ReviewReason


def plausibility_rows(
    case_numbers: Sequence[str | None],
    valid: Sequence[bool],
    *,
    case_number_max_rows: int | None,
    official_max_rows: int | None,
    official_prior_rows: int,
) -> dict[int, tuple[ReviewReason, ...]]:
    """REQ-41: the valid rows to hold, with why.

    A case number (trimmed, case-folded) used on more than
    `case_number_max_rows` valid rows holds all of them. When the official's
    valid rows this year (`official_prior_rows` from earlier batches, then
    this batch's in file order) pass `official_max_rows`, the rows past the
    limit are held.
    """
    found: dict[int, list[ReviewReason]] = {}
    keys = {i: (case or "").strip().casefold() for i, case in enumerate(case_numbers) if valid[i]}
    if case_number_max_rows is not None:
        counts = Counter(key for key in keys.values() if key)
        for i, key in keys.items():
            if key and counts[key] > case_number_max_rows:
                found.setdefault(i, []).append(ReviewReason.CASE_NUMBER_REUSED)
    if official_max_rows is not None:
        seen = official_prior_rows
        for i in sorted(keys):
            seen += 1
            if seen > official_max_rows:
                found.setdefault(i, []).append(ReviewReason.OFFICIAL_VOLUME)
    return {i: tuple(reasons) for i, reasons in found.items()}


def apply_controls(
    decision: Decision, *, held: bool, plausibility: tuple[ReviewReason, ...] = ()
) -> Decision:
    """The decision after the hold (REQ-23) and plausibility (REQ-41) controls."""
    if held and decision.outcome in (Outcome.VERIFIED, Outcome.PENDING_REVIEW):
        return replace(
            decision, outcome=Outcome.NO_MATCH, address_match=None, review_reasons=(), held=True
        )
    if plausibility and decision.outcome in (Outcome.VERIFIED, Outcome.PENDING_REVIEW):
        reasons = tuple(dict.fromkeys((*decision.review_reasons, *plausibility)))
        return replace(decision, outcome=Outcome.PENDING_REVIEW, review_reasons=reasons)
    return decision
