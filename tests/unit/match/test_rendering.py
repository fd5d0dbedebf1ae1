"""A model is its parameters over matchgate's comparisons, rendered for each engine's SQL."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from matchgate.errors import ModelError
from matchgate.match.rendering import render_settings
from matchgate.match.settings import build_settings


def trained(dialect: str = "duckdb") -> dict[str, Any]:
    """Settings as Splink saves them after training: every level with its own m and u."""
    settings = build_settings(0.001).create_settings_dict(dialect)
    for c, comparison in enumerate(settings["comparisons"]):
        for n, level in enumerate(comparison["comparison_levels"]):
            if not level.get("is_null_level"):
                level["m_probability"] = 0.01 * (n + 1)
                level["u_probability"] = 0.001 * (c + 1) * (n + 1)
    settings["probability_two_random_records_match"] = 0.0042
    return settings


def parameters(settings: dict[str, Any]) -> list[tuple[object, object]]:
    return [
        (level.get("m_probability"), level.get("u_probability"))
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
    ]


def test_a_duckdb_model_renders_for_duckdb_as_it_was_saved() -> None:
    saved = trained("duckdb")
    rendered = render_settings(saved, "duckdb")
    saved.pop("linker_uid", None)
    assert rendered == saved


@pytest.mark.parametrize(("source", "target"), [("duckdb", "spark"), ("spark", "duckdb")])
def test_a_model_trained_on_one_engine_carries_its_parameters_to_the_other(
    source: str, target: str
) -> None:
    saved = trained(source)
    rendered = render_settings(saved, target)  # type: ignore[arg-type]
    assert parameters(rendered) == parameters(saved)
    assert rendered["probability_two_random_records_match"] == 0.0042
    # The SQL is the target's: Spark quotes with backticks, DuckDB with double quotes.
    conditions = " ".join(
        level["sql_condition"]
        for comparison in rendered["comparisons"]
        for level in comparison["comparison_levels"]
    )
    assert ("`" in conditions) == (target == "spark")
    assert ('"' in conditions) == (target == "duckdb")


def test_a_model_of_other_comparisons_is_refused_not_remapped() -> None:
    saved = trained()
    other = copy.deepcopy(saved)
    other["comparisons"][0]["comparison_levels"][2]["label_for_charts"] = "something else"
    with pytest.raises(ModelError):
        render_settings(other, "spark")
    fewer = copy.deepcopy(saved)
    fewer["comparisons"].pop()
    with pytest.raises(ModelError):
        render_settings(fewer, "spark")
