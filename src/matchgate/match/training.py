"""Stage 3 (match): how a model is trained, whichever engine runs the training.

In: nothing but settings. Out: the rules both engines train by, so that a
model trained on DuckDB or on Spark is the same model up to the engine's
arithmetic: the size of the training sample and of the u sample, the floor
under every m-probability, the blocking rules of EM over past requests, and
how such a model records where its m-probabilities came from. The engines
(`match/engine.py`, `match/spark/scoring.py`) run Splink; this module runs
nothing.
"""

from __future__ import annotations

from typing import Any

from splink import block_on

from matchgate.match.model import MatchModel, make_model
from matchgate.match.settings import COMPARISON_COLUMNS, UNIQUE_ID

#: After EM on the master file, no non-null level may be "impossible" for a
#: true match: the master is cleaner than requests (the same person's name
#: never varies across their own records), so levels that EM never saw among
#: matches (a nickname, one surname of two, a typo) get this floor before
#: renormalising: each kind of requester variation is taken to occur in at
#: least one genuine request in twenty (TIGTA: "lack of uniformity").
M_PROBABILITY_FLOOR = 0.05

#: Training uses every address row (one per taxpayer per tax year), so that
#: pairs of one taxpayer's rows show how often the same person's address
#: agrees across filings, of a fixed sample of taxpayers: EM's pairs, and so
#: the time training takes, do not grow with the master file. The sample is
#: the taxpayers first by the MD5 of their TIN, and a row's id is its number
#: in the file, so the same files give the same sample, the same ids and
#: (Splink's samples depend on both) the same model every time.
TRAINING_TAXPAYERS = 40_000
#: Record pairs drawn at random (seeded) to estimate the u-probabilities.
U_SAMPLE_PAIRS = 2_000_000

#: The training sample's address columns; the rest of the comparison columns are the person's.
TRAINING_ADDRESS_COLUMNS = ("house_number", "street_name", "zip5", "city", "state")
TRAINING_PERSON_COLUMNS = tuple(
    c for c in COMPARISON_COLUMNS if c not in (*TRAINING_ADDRESS_COLUMNS, UNIQUE_ID)
)

#: The least u-probability a level keeps (see `floor_m_probabilities`).
U_PROBABILITY_FLOOR = 1e-6


def floor_m_probabilities(settings: dict[str, Any], floor: float) -> None:
    """Raise every non-null level's m to at least `floor` (then renormalise) and its u
    to at least `U_PROBABILITY_FLOOR`, in place."""
    for comparison in settings["comparisons"]:
        # Levels never seen among random pairs (no u) keep Splink's neutral weight.
        levels = [
            level
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level") and "u_probability" in level
        ]
        if not levels:
            continue
        for level in levels:
            # A level never seen among sampled non-matches is rare, not impossible.
            level["u_probability"] = max(float(level["u_probability"]), U_PROBABILITY_FLOOR)
        floored = [max(float(level.get("m_probability", 0.0)), floor) for level in levels]
        total = sum(floored)
        for level, m in zip(levels, floored, strict=True):
            level["m_probability"] = m / total


#: EM over requests of past batches scored against the master file sees the
#: noise the master file cannot show (a requester's typo, a transliteration,
#: a nickname, a prior address): its pairs are those the match stage itself
#: considers, blocked on the address (which leaves the name, DOB and TIN
#: comparisons to estimate) and on the TIN given (which leaves the name, DOB
#: and address comparisons). u-probabilities stay those of the master file:
#: random pairs of records are the same non-matches whoever wrote a request.
REQUEST_TRAINING_BLOCKING_RULES = (block_on("house_number", "zip5"), block_on("tin"))


def request_training_settings(model: MatchModel, taxpayers: int) -> dict[str, Any]:
    """`model`'s settings as EM over requests x master records runs them: a link, with
    the prior of one taxpayer among all (a request names one person)."""
    settings = dict(model.settings)
    settings["link_type"] = "link_only"
    settings["probability_two_random_records_match"] = 1.0 / max(taxpayers, 2)
    return settings


def finish_request_training(
    model: MatchModel,
    trained: dict[str, Any],
    *,
    provenance: dict[str, Any],
    floor: float | None,
) -> MatchModel:
    """The model EM over requests gave (`trained`, DuckDB-rendered), made a model again:
    the link type and prior of `model`, the floor, and where its m-probabilities came from.
    One place for both engines, so a model trained on either says the same about itself."""
    trained = dict(trained)
    trained["link_type"] = model.settings.get("link_type", "dedupe_only")
    trained["probability_two_random_records_match"] = model.settings.get(
        "probability_two_random_records_match", trained["probability_two_random_records_match"]
    )
    if floor is not None:
        floor_m_probabilities(trained, floor)
    metadata = {
        **{k: v for k, v in model.metadata.items() if k != "m_probability_floor"},
        "m_probability_floor": floor,
        "m_trained_on": {
            "source": "past_batches",
            "base_model": model.version,
            "blocking_rules": [
                "house_number, zip5 (address blocked)",
                "tin (the TIN given)",
            ],
            **provenance,
        },
    }
    return make_model(trained, metadata)
