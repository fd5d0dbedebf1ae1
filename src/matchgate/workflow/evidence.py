"""A decision's evidence as stored with it (custodian-only, JSON-ready).

In: the decision policy's `Decision`. Out: a plain dict: the identified
taxpayer, Splink's score and field-level match weights, the runner-up, and
the deterministic assessment of every candidate. This is what a reviewing
officer sees and what an auditor replays; it never reaches a response.
"""

from __future__ import annotations

from typing import Any

from matchgate.decide.policy import Decision


def decision_evidence(decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {}
    return {
        "tin": decision.tin,
        "match_weight": decision.match_weight,
        "match_probability": decision.match_probability,
        "field_weights": dict(decision.field_weights),
        "runner_up_tin": decision.runner_up_tin,
        "runner_up_weight": decision.runner_up_weight,
        "review_reasons": [r.value for r in decision.review_reasons],
        "indistinguishable": decision.indistinguishable,
        "candidates": [
            {
                "tin": a.tin,
                "match_weight": c.match_weight,
                "match_probability": c.match_probability,
                "field_weights": dict(c.field_weights),
                "given": a.given.name,
                "surname": a.surname.name,
                "fit": a.fit,
                "dob_conflict": a.dob_conflict,
                "tin_conflict": a.tin_conflict,
                "suffix_conflict": a.suffix_conflict,
                "address_on_file": a.address_on_file,
            }
            for a, c in zip(decision.assessments, decision.candidates, strict=True)
        ],
    }
