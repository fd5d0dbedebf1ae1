"""Scoring a batch's decisions against synthetic ground truth.

In: the decided rows of a batch (custodian-side: they know which taxpayer
was identified) and a `truth.csv` from `matchgate synth`. Out: an
`AccuracyReport` with the numbers the product is judged by:

- compliance violations: a request that should be REJECTED was not;
- wrongful disclosures: VERIFIED for a request that is not verifiable
  (wrong person, address not on file, conflict, or a close call that only a
  human may settle), i.e. an address went out that the law does not allow;
- recall: verifiable requests VERIFIED with the right taxpayer;
- the review load (PENDING_REVIEW share) and reason-code agreement;
- per name variant kind (truth `name_variant`: transliteration, typo_given,
  ..., "none" for names written plainly): the share of verifiable requests
  VERIFIED with the right taxpayer, and the share sent to review;
- per name group: recall, false-match rate, and the ratio of the worst
  group's recall to the best group's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from matchgate.domain.outcomes import Outcome
from matchgate.pipeline import DecidedRequest

EXPECTED_REJECTED = "REJECTED"
EXPECTED_VERIFIABLE = "VERIFIABLE"
EXPECTED_NOT_VERIFIABLE = "NOT_VERIFIABLE"
EXPECTED_AMBIGUOUS = "AMBIGUOUS"


@dataclass
class GroupRates:
    requests: int = 0
    not_verifiable: int = 0
    wrongful_disclosures: int = 0
    verifiable: int = 0
    missed: int = 0

    @property
    def false_positive_rate(self) -> float:
        """Wrongful disclosures per request that must not be VERIFIED."""
        return self.wrongful_disclosures / self.not_verifiable if self.not_verifiable else 0.0

    @property
    def false_negative_rate(self) -> float:
        """Verifiable requests not VERIFIED with the right taxpayer."""
        return self.missed / self.verifiable if self.verifiable else 0.0

    @property
    def recall(self) -> float:
        return 1.0 - self.false_negative_rate


@dataclass
class KindRates:
    """Verifiable requests whose name is written under one variant kind."""

    requests: int = 0
    correct: int = 0
    review: int = 0

    @property
    def correct_rate(self) -> float:
        return self.correct / self.requests if self.requests else 1.0


@dataclass
class AccuracyReport:
    requests: int
    compliance_violations: int
    wrongful_disclosures: int
    verifiable: int
    verified_correctly: int
    recall: float
    pending_review: int
    review_rate: float
    reason_code_mismatches: int
    address_match_errors: int
    outcomes: dict[str, int]
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    #: REQ-25: error rates per name group (e.g. compound Hispanic surnames,
    #: high-frequency East Asian surnames), from the truth's `name_group`.
    by_group: dict[str, GroupRates] = field(default_factory=dict)
    by_variant: dict[str, KindRates] = field(default_factory=dict)
    wrongful_examples: list[dict[str, str]] = field(default_factory=list)

    @property
    def group_recall_ratio(self) -> float:
        """Worst name group's recall over the best group's (1.0 = every group alike)."""
        recalls = [g.recall for g in self.by_group.values() if g.verifiable]
        best = max(recalls, default=0.0)
        return min(recalls) / best if best else 1.0

    def as_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["by_group"] = {
            name: {
                **asdict(rates),
                "recall": round(rates.recall, 6),
                "false_positive_rate": round(rates.false_positive_rate, 6),
                "false_negative_rate": round(rates.false_negative_rate, 6),
            }
            for name, rates in self.by_group.items()
        }
        result["by_variant"] = {
            name: {**asdict(rates), "correct_rate": round(rates.correct_rate, 6)}
            for name, rates in self.by_variant.items()
        }
        result["group_recall_ratio"] = round(self.group_recall_ratio, 6)
        return result

    def groups_over_false_positive_rate(self, threshold: float) -> list[str]:
        """Name groups whose false-positive rate exceeds `threshold` (REQ-25 gate)."""
        return sorted(
            name for name, rates in self.by_group.items() if rates.false_positive_rate > threshold
        )


def score_batch(
    rows: Sequence[DecidedRequest], truth: Sequence[Mapping[str, str]]
) -> AccuracyReport:
    """Compare decided rows (in batch order) with truth rows keyed by request_id.

    Rows are paired by position, since duplicate request ids (R06) share an id.
    """
    if len(rows) != len(truth):
        raise ValueError(f"{len(rows)} decided rows but {len(truth)} truth rows")
    outcomes: Counter[str] = Counter()
    by_category: dict[str, Counter[str]] = {}
    violations = wrongful = verifiable = correct = review = 0
    code_mismatches = address_errors = 0
    examples: list[dict[str, str]] = []
    groups: dict[str, GroupRates] = {}
    kinds: dict[str, KindRates] = {}
    for row, expected in zip(rows, truth, strict=True):
        outcome = row.outcome
        outcomes[outcome.value] += 1
        category = expected.get("category", "")
        by_category.setdefault(category, Counter())[outcome.value] += 1
        kind = expected["expected"]
        true_tin = expected.get("true_tin") or ""
        identified = row.decision.tin if row.decision else None
        if outcome is Outcome.PENDING_REVIEW:
            review += 1
        if kind == EXPECTED_REJECTED:
            if outcome is not Outcome.REJECTED:
                violations += 1
            elif row.response.reason_codes != expected.get("expected_codes", ""):
                code_mismatches += 1
            continue
        group = groups.setdefault(expected.get("name_group") or "ALL", GroupRates())
        group.requests += 1
        if kind != EXPECTED_VERIFIABLE:
            group.not_verifiable += 1
        if outcome is Outcome.VERIFIED and (kind != EXPECTED_VERIFIABLE or identified != true_tin):
            wrongful += 1
            group.wrongful_disclosures += 1
            if len(examples) < 20:
                examples.append({"request_id": row.request_id, "category": category})
        if kind == EXPECTED_VERIFIABLE:
            verifiable += 1
            group.verifiable += 1
            rates = kinds.setdefault(expected.get("name_variant") or "none", KindRates())
            rates.requests += 1
            rates.correct += outcome is Outcome.VERIFIED and identified == true_tin
            rates.review += outcome is Outcome.PENDING_REVIEW
            if not (outcome is Outcome.VERIFIED and identified == true_tin):
                group.missed += 1
            if outcome is Outcome.VERIFIED and identified == true_tin:
                correct += 1
                if row.response.address_match != expected.get("expected_address_match", ""):
                    address_errors += 1
    total = len(rows)
    return AccuracyReport(
        requests=total,
        compliance_violations=violations,
        wrongful_disclosures=wrongful,
        verifiable=verifiable,
        verified_correctly=correct,
        recall=correct / verifiable if verifiable else 1.0,
        pending_review=review,
        review_rate=review / total if total else 0.0,
        reason_code_mismatches=code_mismatches,
        address_match_errors=address_errors,
        outcomes=dict(outcomes),
        by_category={k: dict(v) for k, v in sorted(by_category.items())},
        wrongful_examples=examples,
        by_group=dict(sorted(groups.items())),
        by_variant=dict(sorted(kinds.items())),
    )
