"""Stage 3 (match): the Splink model specification, versioned.

In: nothing (pure description). Out: a Splink `SettingsCreator` whose
comparisons read the standardised comparison columns that both sides of a
match carry (see `COMPARISON_COLUMNS`): a request on the left, an address-
history record of the master file on the right.

The comparisons mirror the evidence a disclosure officer weighs: the given
name (with nicknames, Spanish diminutives and anglicised forms as a level of
their own), the surnames (two-surname names cut to one, particles, order
swaps), the date of birth (with transposition tolerance), the TIN, the
street address and the ZIP code. Term-frequency adjustments make a common
surname weak evidence. Custom levels are written in DuckDB SQL and carry
`base_dialect_str="duckdb"` so Splink translates them for Spark.
"""

from __future__ import annotations

from typing import Any, Literal

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import And, CustomRule
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_library import CustomComparison

# Bumped whenever the comparisons change meaning; recorded in every model.
SETTINGS_VERSION = "2"

UNIQUE_ID = "uid"

#: Columns both sides of a comparison carry, produced by standardisation.
COMPARISON_COLUMNS: tuple[str, ...] = (
    UNIQUE_ID,
    "given",
    "given_keys",
    "surname",
    "surname_compact",
    "surname_tokens",
    "suffix",
    "dob",
    "tin",
    "house_number",
    "street_name",
    "zip5",
    "city",
    "state",
)


def _duck(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str="duckdb")


def given_name_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="given",
        comparison_description="Given name: exact, variant, order swap, initial, fuzzy",
        comparison_levels=[
            cll.NullLevel("given"),
            cll.ExactMatchLevel("given", term_frequency_adjustments=True),
            cll.ArrayIntersectLevel("given_keys", min_intersection=1).configure(
                label_for_charts="Nickname, diminutive or anglicised form"
            ),
            _duck(
                "list_contains(surname_tokens_r, given_l) "
                "AND list_contains(surname_tokens_l, given_r)",
                "Given and surname swapped",
            ),
            _duck(
                "(length(given_l) = 1 OR length(given_r) = 1) "
                "AND substr(given_l, 1, 1) = substr(given_r, 1, 1)",
                "Initial agrees",
            ),
            cll.JaroWinklerLevel("given", 0.92),
            cll.JaroWinklerLevel("given", 0.80),
            cll.ElseLevel(),
        ],
    )


def surname_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="surname",
        comparison_description="Surnames: exact, written together, one of two, swap, fuzzy",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
            cll.ExactMatchLevel("surname_compact").configure(
                label_for_charts="Equal when written together"
            ),
            cll.ArrayIntersectLevel("surname_tokens", min_intersection=1).configure(
                label_for_charts="One surname in common"
            ),
            _duck(
                "list_contains(surname_tokens_r, given_l) "
                "AND list_contains(surname_tokens_l, given_r)",
                "Given and surname swapped",
            ),
            cll.JaroWinklerLevel("surname", 0.92),
            cll.ElseLevel(),
        ],
    )


def dob_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="dob",
        comparison_description="Date of birth: exact, transposed, same year",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.DamerauLevenshteinLevel("dob", 1).configure(
                label_for_charts="One digit or a transposition apart"
            ),
            _duck(
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
                "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                "Month and day swapped",
            ),
            _duck("substr(dob_l, 1, 4) = substr(dob_r, 1, 4)", "Same year"),
            cll.ElseLevel(),
        ],
    )


def tin_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="tin",
        comparison_description="TIN",
        comparison_levels=[
            cll.NullLevel("tin"),
            cll.ExactMatchLevel("tin"),
            cll.ElseLevel(),
        ],
    )


def street_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="street",
        comparison_description="House number and street name",
        comparison_levels=[
            _duck(
                "house_number_l IS NULL OR house_number_r IS NULL "
                "OR street_name_l IS NULL OR street_name_r IS NULL",
                "Null",
            ).configure(is_null_level=True),
            _duck(
                "house_number_l = house_number_r AND street_name_l = street_name_r",
                "Number and street equal",
            ),
            _duck(
                "house_number_l = house_number_r "
                "AND damerau_levenshtein(street_name_l, street_name_r) <= 1",
                "Number equal, street one edit apart",
            ),
            _duck("house_number_l = house_number_r", "Number equal"),
            _duck("street_name_l = street_name_r", "Street equal, number differs"),
            cll.ElseLevel(),
        ],
    )


def zip_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="zip5",
        comparison_description="ZIP5",
        comparison_levels=[
            cll.NullLevel("zip5"),
            cll.ExactMatchLevel("zip5"),
            _duck("substr(zip5_l, 1, 3) = substr(zip5_r, 1, 3)", "Same ZIP3"),
            cll.ElseLevel(),
        ],
    )


def city_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="city",
        comparison_description="City and state",
        comparison_levels=[
            _duck("city_l IS NULL OR city_r IS NULL", "Null").configure(is_null_level=True),
            _duck("city_l = city_r AND state_l = state_r", "City and state equal"),
            _duck("state_l = state_r", "Same state"),
            cll.ElseLevel(),
        ],
    )


#: Candidate generation for requests against the master. Every taxpayer whose
#: address could match the address given (FORMATS.md §4: equal house number and
#: equal ZIP5 when both sides give one, otherwise equal city and state) is
#: generated, plus every record with the TIN given, so that a borrowed TIN is
#: seen as the conflict it is. City and state block only where a side has no
#: ZIP5: where both have one and they differ, the address cannot match, and a
#: city's every resident at the same house number would be scored (their
#: number grows with the city; at national scale, hundreds per request).
PREDICT_BLOCKING_RULES: list[Any] = [
    block_on("house_number", "zip5"),
    And(block_on("house_number", "city", "state"), CustomRule("l.zip5 IS NULL OR r.zip5 IS NULL")),
    block_on("tin"),
]

#: Training sessions over the master file's address rows (EM). Each session
#: blocks on columns whose parameters it then cannot estimate, so together they
#: cover every comparison. Pairs blocked on the address are deliberately not
#: used: they are mostly household members, whom EM would take for matches.
TRAINING_BLOCKING_RULES: list[Any] = [
    block_on("given", "surname"),
    block_on("dob"),
]


def build_settings(
    probability_two_random_records_match: float,
    *,
    link_type: Literal["dedupe_only", "link_only"] = "dedupe_only",
) -> SettingsCreator:
    """The Splink settings for matchgate's comparisons (untrained).

    The master file is trained as `dedupe_only` (pairs of its own records);
    `link_only` serves two-table evaluations such as FEBRL4.
    """
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name=UNIQUE_ID,
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=[
            given_name_comparison(),
            surname_comparison(),
            dob_comparison(),
            tin_comparison(),
            street_comparison(),
            zip_comparison(),
            city_comparison(),
        ],
        blocking_rules_to_generate_predictions=PREDICT_BLOCKING_RULES,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        max_iterations=20,
        em_convergence=0.001,
    )
