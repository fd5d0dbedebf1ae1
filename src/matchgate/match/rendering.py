"""Stage 3 (match): a trained model rendered for the engine that scores it.

In: a trained model's Splink settings (whatever dialect trained it) and the
SQL dialect of the engine that will use them. Out: the settings of
`match/settings.py` as Splink writes them for that dialect, carrying the
trained parameters (each level's m and u probabilities and the prior).

A Splink model JSON is backend-specific: its comparison levels are SQL in the
dialect that trained it (DuckDB's quoting and functions cannot be read by
Spark). So matchgate keeps a model as its parameters over the comparisons
of `build_settings`, and renders the SQL for each engine from Splink's
comparison library: the same comparisons, the same parameters, whichever
engine scores. Models are stored rendered for DuckDB (the default engine),
whichever engine trained them.
"""

from __future__ import annotations

from typing import Any, Literal

from matchgate.errors import ModelError
from matchgate.match.settings import build_settings

Dialect = Literal["duckdb", "spark"]

#: What training estimates, per comparison level; everything else comes from the settings.
_LEVEL_PARAMETERS = ("m_probability", "u_probability")
#: Settings a caller may have set for scoring or training, kept as given.
_MODEL_PARAMETERS = ("probability_two_random_records_match",)


def render_settings(trained: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """`trained`'s parameters over matchgate's comparisons, as Splink settings for `dialect`.

    The comparisons must be those of `build_settings` level for level (the
    same labels in the same order); a model of other comparisons is a
    ModelError, never silently re-mapped.
    """
    prior = float(trained.get("probability_two_random_records_match", 1e-4))
    rendered = build_settings(prior, link_type=trained.get("link_type", "dedupe_only"))
    settings = rendered.create_settings_dict(dialect)
    comparisons = trained.get("comparisons", [])
    if len(comparisons) != len(settings["comparisons"]):
        raise ModelError("the model's comparisons are not this version's: train it again")
    for given, target in zip(comparisons, settings["comparisons"], strict=True):
        levels = given.get("comparison_levels", [])
        if given.get("output_column_name") != target["output_column_name"] or len(levels) != len(
            target["comparison_levels"]
        ):
            raise ModelError(
                f"the model's comparison {given.get('output_column_name')!r} is not this "
                "version's: train it again"
            )
        for level, into in zip(levels, target["comparison_levels"], strict=True):
            if level.get("label_for_charts") != into.get("label_for_charts"):
                raise ModelError(
                    f"the model's levels of {target['output_column_name']!r} are not this "
                    "version's: train it again"
                )
            for name in _LEVEL_PARAMETERS:
                if name in level:
                    into[name] = level[name]
    for name in _MODEL_PARAMETERS:
        if name in trained:
            settings[name] = trained[name]
    settings.pop("linker_uid", None)
    return settings
