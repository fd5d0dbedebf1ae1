"""fold() and the other text primitives, as examples."""

from __future__ import annotations

import pytest

from matchgate.standardise.text import (
    data_rows,
    fold,
    jaro_winkler,
    levenshtein,
    numeric_ordinal,
    ordinal,
    split_hyphens,
    within_one_edit,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        (None, ""),
        ("", ""),
        ("   \t\n ", ""),
        ("José", "JOSE"),
        ("JOSÉ", "JOSE"),
        ("Núñez", "NUNEZ"),
        ("PEÑA", "PENA"),
        ("Straße", "STRASSE"),
        ("O'Brien", "OBRIEN"),
        ("O’Brien", "OBRIEN"),
        ("Don't Care", "DONT CARE"),
        ("  maria   guadalupe  ", "MARIA GUADALUPE"),
        ("Hernández-López", "HERNANDEZ-LOPEZ"),
        ("N/A", "N/A"),
        ("123 1/2 Main St.", "123 1/2 MAIN ST"),
        ("55 W. 3rd Ave., Unit #4B", "55 W 3RD AVE UNIT 4B"),
        ("Smith, Jr.", "SMITH JR"),
        ("(none)", "NONE"),
        ("Nguyễn", "NGUYEN"),
    ],
)
def test_fold(raw: str | None, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_equates_accented_and_plain_names() -> None:
    assert fold("JOSÉ") == fold("JOSE")


@pytest.mark.parametrize(
    ("folded", "split"),
    [
        ("HERNANDEZ-LOPEZ", "HERNANDEZ LOPEZ"),
        ("JEAN--PAUL", "JEAN PAUL"),
        ("-", ""),
        ("GARCIA", "GARCIA"),
    ],
)
def test_split_hyphens(folded: str, split: str) -> None:
    assert split_hyphens(folded) == split


@pytest.mark.parametrize(
    ("number", "written"),
    [(1, "1ST"), (2, "2ND"), (3, "3RD"), (4, "4TH"), (11, "11TH"), (12, "12TH"),
     (13, "13TH"), (21, "21ST"), (22, "22ND"), (101, "101ST"), (111, "111TH")],
)  # fmt: skip
def test_ordinal(number: int, written: str) -> None:
    assert ordinal(number) == written


@pytest.mark.parametrize(
    ("words", "numeric"),
    [
        ("FIRST", "1ST"),
        ("THIRD", "3RD"),
        ("TWELFTH", "12TH"),
        ("TWENTIETH", "20TH"),
        ("TWENTY FIRST", "21ST"),
        ("TWENTY-SECOND", "22ND"),
        ("NINETY NINTH", "99TH"),
        ("TWENTY", None),
        ("MAIN", None),
        ("FIRST AVE", None),
    ],
)
def test_numeric_ordinal(words: str, numeric: str | None) -> None:
    assert numeric_ordinal(words) == numeric


@pytest.mark.parametrize(
    ("left", "right", "distance", "one_edit"),
    [
        ("PARKWOOD", "PARKWOOD", 0, True),
        ("PARKWOOD", "PARKWOD", 1, True),
        ("MAIN", "MIAN", 2, False),
        ("JUAN", "JUANA", 1, True),
        ("", "A", 1, True),
    ],
)
def test_edit_distance(left: str, right: str, distance: int, one_edit: bool) -> None:
    assert levenshtein(left, right) == distance
    assert within_one_edit(left, right) is one_edit


@pytest.mark.parametrize(
    ("left", "right", "at_least", "below"),
    [
        ("MARTHA", "MARTHA", 1.0, 1.01),
        ("JUAN", "JUANA", 0.95, 0.97),
        ("MARIA", "MARIO", 0.9, 0.93),
        ("ANA", "PEDRO", 0.0, 0.5),
    ],
)
def test_jaro_winkler(left: str, right: str, at_least: float, below: float) -> None:
    assert at_least <= jaro_winkler(left, right) < below


@pytest.mark.parametrize(
    ("filename", "first_column"),
    [
        ("given_name_variants.csv", "name"),
        ("city_abbreviations.csv", "abbreviation"),
        ("usps_street_suffixes.csv", "written"),
    ],
)
def test_data_rows_skip_comments_and_strip_cells(filename: str, first_column: str) -> None:
    rows = list(data_rows(filename))
    assert rows
    assert all(not row[first_column].startswith("#") for row in rows)
    assert all(value == value.strip() for row in rows for value in row.values())
