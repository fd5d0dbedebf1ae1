"""Names: standardisation and the three agreements, as tables of examples.

All names are synthetic: common given names and surnames, never a real record.
"""

from __future__ import annotations

import pytest

from matchgate.standardise.given_names import given_name_keys, variant_edges
from matchgate.standardise.names import (
    NameAgreement,
    StandardName,
    SurnameAgreement,
    given_name_agreement,
    standardise_name,
    standardise_suffix,
    suffix_conflict,
    surname_agreement,
)
from matchgate.standardise.text import data_rows, fold


def name(first: str | None, last: str | None = "GARCIA", middle: str | None = None,
         suffix: str | None = None) -> StandardName:  # fmt: skip
    return standardise_name(first, middle, last, suffix)


# --- standardise_name ---------------------------------------------------------------

# (first, middle, last, suffix) -> (given, middle, surname_tokens, suffix)
STANDARDISED = [
    (("José", None, "Hernández-López", None), ("JOSE", "", ("HERNANDEZ", "LOPEZ"), "")),
    (("Maria Guadalupe", "", "de la Cruz", None), ("MARIA", "GUADALUPE", ("DELACRUZ",), "")),
    (("Juan", "Carlos", "Hernandez de la Cruz", ""),
     ("JUAN", "CARLOS", ("HERNANDEZ", "DELACRUZ"), "")),
    (("Maria Guadalupe", "Ana", "Lopez", None), ("MARIA", "GUADALUPE ANA", ("LOPEZ",), "")),
    (("Ana", None, "Garcia y Lopez", None), ("ANA", "", ("GARCIA", "LOPEZ"), "")),
    (("Pedro", None, "van der Berg", None), ("PEDRO", "", ("VANDERBERG",), "")),
    (("Mary", None, "St. John", None), ("MARY", "", ("STJOHN",), "")),
    (("Mary", None, "Saint John", None), ("MARY", "", ("STJOHN",), "")),
    (("Luis", None, "O'Brien", None), ("LUIS", "", ("OBRIEN",), "")),
    (("Jean-Paul", None, "Dos Santos", None), ("JEAN", "PAUL", ("DOSSANTOS",), "")),
    (("Jose", None, "Garcia", "Jr."), ("JOSE", "", ("GARCIA",), "JR")),
    (("Jose", None, "Garcia", "Junior"), ("JOSE", "", ("GARCIA",), "JR")),
    (("Jose", None, "Garcia", "Senior"), ("JOSE", "", ("GARCIA",), "SR")),
    (("Jose", None, "Garcia", "2nd"), ("JOSE", "", ("GARCIA",), "II")),
    (("Jose", None, "Garcia", "III"), ("JOSE", "", ("GARCIA",), "III")),
    (("Jose", None, "Garcia", "ESQ"), ("JOSE", "", ("GARCIA",), "")),
    (("Jose", None, "Garcia Jr.", None), ("JOSE", "", ("GARCIA",), "JR")),
    (("Jose", None, "Garcia III", ""), ("JOSE", "", ("GARCIA",), "III")),
    (("Jose", None, "Garcia 3rd", None), ("JOSE", "", ("GARCIA",), "III")),
    (("Jose", None, "Garcia IV", None), ("JOSE", "", ("GARCIA",), "IV")),
    (("Jose Jr", None, "Garcia", None), ("JOSE", "", ("GARCIA",), "JR")),
    (("Jose", None, "Garcia Jr", "SR"), ("JOSE", "", ("GARCIA",), "SR")),
    (("Jose", None, "Garcia V", None), ("JOSE", "", ("GARCIA", "V"), "")),
    (("Jose", None, "Jr", None), ("JOSE", "", ("JR",), "")),
    (("J.", "R.", "Garcia", None), ("J", "R", ("GARCIA",), "")),
    ((None, None, None, None), ("", "", (), "")),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "expected"), STANDARDISED)
def test_standardise_name(
    fields: tuple[str | None, str | None, str | None, str | None],
    expected: tuple[str, str, tuple[str, ...], str],
) -> None:
    first, middle, last, suffix = fields
    result = standardise_name(first, middle, last, suffix)
    assert (result.given, result.middle, result.surname_tokens, result.suffix) == expected
    assert result.surname == " ".join(expected[2])


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("JOSÉ", "PEÑA"), ("JOSE", "PENA")),
        (("ANA", "HERNANDEZ-LOPEZ"), ("ANA", "HERNANDEZ LOPEZ")),
        (("ANA", "DE LA CRUZ"), ("ANA", "DELACRUZ")),
        (("ANA", "GARCIA Y LOPEZ"), ("ANA", "GARCIA LOPEZ")),
    ],
)
def test_written_differently_standardises_equal(
    left: tuple[str, str], right: tuple[str, str]
) -> None:
    assert name(left[0], left[1]) == name(right[0], right[1])


@pytest.mark.parametrize(
    ("written", "standard"),
    [("JR", "JR"), ("jr.", "JR"), ("J.R.", "JR"), ("Sr", "SR"), ("II", "II"), ("3RD", "III"),
     ("iv", "IV"), ("V", "V"), ("MD", ""), ("", ""), (None, "")],
)  # fmt: skip
def test_standardise_suffix(written: str | None, standard: str) -> None:
    assert standardise_suffix(written) == standard


# --- given names --------------------------------------------------------------------

GIVEN = [
    ("JOSE", "JOSE", NameAgreement.EXACT),
    ("JOSÉ", "JOSE", NameAgreement.EXACT),
    ("PEPE", "JOSE", NameAgreement.VARIANT),
    ("JOE", "JOSE", NameAgreement.VARIANT),
    ("JOSEPH", "JOSE", NameAgreement.VARIANT),
    ("PEPE", "JOSEPH", NameAgreement.VARIANT),
    ("PACO", "FRANCISCO", NameAgreement.VARIANT),
    ("PANCHO", "FRANK", NameAgreement.VARIANT),
    ("FRANCIS", "FRANCISCO", NameAgreement.VARIANT),
    ("LUPE", "GUADALUPE", NameAgreement.VARIANT),
    ("LUPITA", "GUADALUPE", NameAgreement.VARIANT),
    ("JOHN", "JUAN", NameAgreement.VARIANT),
    ("JUANITO", "JOHN", NameAgreement.VARIANT),
    ("JANE", "JUANA", NameAgreement.VARIANT),
    ("JUANITA", "JUANA", NameAgreement.VARIANT),
    ("MARY", "MARIA", NameAgreement.VARIANT),
    ("MOLLY", "MARIA", NameAgreement.VARIANT),
    ("WILLIAM", "GUILLERMO", NameAgreement.VARIANT),
    ("MEMO", "GUILLERMO", NameAgreement.VARIANT),
    ("BILL", "GUILLERMO", NameAgreement.VARIANT),
    ("BETO", "ROBERTO", NameAgreement.VARIANT),
    ("BETO", "ALBERTO", NameAgreement.VARIANT),
    ("BOB", "ROBERTO", NameAgreement.VARIANT),
    ("KIKE", "HENRY", NameAgreement.VARIANT),
    ("CHUY", "JESUS", NameAgreement.VARIANT),
    ("NACHO", "IGNACIO", NameAgreement.VARIANT),
    ("ALEX", "ALEJANDRO", NameAgreement.VARIANT),
    ("ALEJO", "ALEJANDRO", NameAgreement.VARIANT),
    ("MANNY", "MANUEL", NameAgreement.VARIANT),
    ("MANOLO", "MANUEL", NameAgreement.VARIANT),
    ("RAFA", "RAFAEL", NameAgreement.VARIANT),
    ("RALPH", "RAFAEL", NameAgreement.VARIANT),
    ("TOÑO", "ANTONIO", NameAgreement.VARIANT),
    ("TONY", "ANTONIO", NameAgreement.VARIANT),
    ("ANTHONY", "ANTONIO", NameAgreement.VARIANT),
    ("PETER", "PEDRO", NameAgreement.VARIANT),
    ("PAUL", "PABLO", NameAgreement.VARIANT),
    ("MICHAEL", "MIGUEL", NameAgreement.VARIANT),
    ("MIKE", "MIGUEL", NameAgreement.VARIANT),
    ("CHARLES", "CARLOS", NameAgreement.VARIANT),
    ("LOUIS", "LUIS", NameAgreement.VARIANT),
    ("GEORGE", "JORGE", NameAgreement.VARIANT),
    ("RICHARD", "RICARDO", NameAgreement.VARIANT),
    ("RICKY", "RICARDO", NameAgreement.VARIANT),
    ("EDWARD", "EDUARDO", NameAgreement.VARIANT),
    ("LALO", "EDUARDO", NameAgreement.VARIANT),
    ("NANDO", "FERNANDO", NameAgreement.VARIANT),
    ("JAMES", "SANTIAGO", NameAgreement.VARIANT),
    ("JIM", "SANTIAGO", NameAgreement.VARIANT),
    ("LOLA", "DOLORES", NameAgreement.VARIANT),
    ("CONCHA", "CONCEPCION", NameAgreement.VARIANT),
    ("CONCHITA", "CONCEPCION", NameAgreement.VARIANT),
    ("CHAYO", "ROSARIO", NameAgreement.VARIANT),
    ("ELIZABETH", "ISABEL", NameAgreement.VARIANT),
    ("BETH", "ISABEL", NameAgreement.VARIANT),
    ("CATHERINE", "CATALINA", NameAgreement.VARIANT),
    ("TERE", "THERESA", NameAgreement.VARIANT),
    ("TERESA", "THERESA", NameAgreement.VARIANT),
    ("ANN", "ANA", NameAgreement.VARIANT),
    ("ANNA", "ANA", NameAgreement.VARIANT),
    ("ANNE", "ANA", NameAgreement.VARIANT),
    ("MARGARET", "MARGARITA", NameAgreement.VARIANT),
    ("PEGGY", "MARGARITA", NameAgreement.VARIANT),
    ("J", "JOSE", NameAgreement.INITIAL),
    ("JOSE", "J", NameAgreement.INITIAL),
    ("J", "J", NameAgreement.EXACT),
    ("M", "JOSE", NameAgreement.NONE),
    ("JUAN", "JUANA", NameAgreement.FUZZY),
    ("MARIA", "MARIO", NameAgreement.FUZZY),
    ("JOSE", "JOSEFINA", NameAgreement.FUZZY),
    ("FRANCISCO", "FRANCISCA", NameAgreement.FUZZY),
    ("MARTA", "MARIA", NameAgreement.FUZZY),
    ("ROBERTO", "ALBERTO", NameAgreement.NONE),
    ("PEDRO", "PABLO", NameAgreement.NONE),
    ("DIEGO", "SANTIAGO", NameAgreement.NONE),
    ("", "JOSE", NameAgreement.NONE),
    ("JOSE", None, NameAgreement.NONE),
]


@pytest.mark.parametrize(("requested", "filed", "agreement"), GIVEN)
def test_given_name_agreement(requested: str, filed: str | None, agreement: NameAgreement) -> None:
    assert given_name_agreement(name(requested), name(filed)) is agreement


def test_request_given_name_equal_to_filed_middle_name_is_not_a_match() -> None:
    filed = name("MARIA GUADALUPE", "LOPEZ")
    assert given_name_agreement(name("GUADALUPE", "LOPEZ"), filed) is NameAgreement.NONE
    assert given_name_agreement(name("LUPE", "LOPEZ"), filed) is NameAgreement.NONE
    assert given_name_agreement(name("MARIA", "LOPEZ"), filed) is NameAgreement.EXACT


# Different people whose names look alike: they must never share a variant key.
DISTINCT_PEOPLE = [
    ("JUAN", "JUANA"),
    ("JUANITO", "JUANITA"),
    ("MARIA", "MARIO"),
    ("JOSE", "JOSEFINA"),
    ("FRANCISCO", "FRANCISCA"),
    ("LUIS", "LUISA"),
    ("ANTONIO", "ANTONIA"),
    ("ALEJANDRO", "ALEJANDRA"),
    ("ROBERTO", "ALBERTO"),
    ("PEDRO", "PATRICK"),
    ("SANTIAGO", "DIEGO"),
    ("JOHN", "JANE"),
]


@pytest.mark.parametrize(("left", "right"), DISTINCT_PEOPLE)
def test_distinct_names_share_no_variant_key(left: str, right: str) -> None:
    assert set(given_name_keys(left)).isdisjoint(given_name_keys(right))


@pytest.mark.parametrize(
    ("given", "must_include"),
    [
        ("JOSE", {"JOSE", "JOSEPH"}),
        ("PEPE", {"PEPE", "JOSE", "JOSEPH"}),
        ("BOB", {"BOB", "ROBERT"}),
        ("ROBERT", {"ROBERT"}),
        ("ZELTRANDO", {"ZELTRANDO"}),
        # Issue 8: the English form of a French, Spanish or Slavic name (JEAN for JOHN).
        ("JEAN", {"JEAN", "JOHN"}),
        ("ROGELIO", {"ROGELIO", "ROGER"}),
        ("DANILO", {"DANILO", "DANIEL"}),
        ("YURI", {"YURI", "GEORGE"}),
    ],
)
def test_given_name_keys_include_the_name_and_what_it_stands_for(
    given: str, must_include: set[str]
) -> None:
    keys = given_name_keys(given)
    assert must_include <= set(keys)
    assert list(keys) == sorted(keys)
    assert name(given).given_keys == keys


def test_no_given_name_has_no_keys() -> None:
    assert given_name_keys("") == ()


def test_shipped_variant_table_is_valid_and_large_enough() -> None:
    rows = list(data_rows("given_name_variants.csv"))
    edges = variant_edges(rows)
    assert len(edges) >= 60
    assert all(source == fold(source) and target == fold(target) for source, target in edges)


@pytest.mark.parametrize(
    "row",
    [
        {"name": "JOSE", "variant": "PEPE", "kind": "nickname"},
        {"name": "", "variant": "PEPE", "kind": "diminutive"},
        {"name": "JOSE", "variant": " ", "kind": "anglicised"},
    ],
)
def test_bad_variant_rows_are_refused(row: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="bad given-name variant row"):
        variant_edges([row])


# --- surnames -----------------------------------------------------------------------

SURNAMES = [
    ("HERNANDEZ LOPEZ", "HERNANDEZ-LOPEZ", SurnameAgreement.EXACT),
    ("DE LA CRUZ", "DELACRUZ", SurnameAgreement.EXACT),
    ("HERNANDEZLOPEZ", "HERNANDEZ LOPEZ", SurnameAgreement.EXACT),
    ("MC DONALD", "MCDONALD", SurnameAgreement.EXACT),
    ("GARCIA Y LOPEZ", "GARCIA LOPEZ", SurnameAgreement.EXACT),
    ("PEÑA", "PENA", SurnameAgreement.EXACT),
    ("HERNANDEZ", "HERNANDEZ LOPEZ", SurnameAgreement.PARTIAL),
    ("LOPEZ", "HERNANDEZ LOPEZ", SurnameAgreement.PARTIAL),
    ("HERNANDEZ LOPEZ", "HERNANDEZ", SurnameAgreement.PARTIAL),
    ("DE LA CRUZ", "HERNANDEZ DE LA CRUZ", SurnameAgreement.PARTIAL),
    ("LOPEZ HERNANDEZ", "HERNANDEZ LOPEZ", SurnameAgreement.PARTIAL),
    ("HERNANDES", "HERNANDEZ", SurnameAgreement.FUZZY),
    ("HERNANDEZ GARCIA", "HERNANDEZ LOPEZ", SurnameAgreement.FUZZY),
    ("GARCIA", "GARZA", SurnameAgreement.NONE),
    ("LI", "LEE", SurnameAgreement.NONE),
    ("GARCIA", "", SurnameAgreement.NONE),
]


@pytest.mark.parametrize(("requested", "filed", "agreement"), SURNAMES)
def test_surname_agreement(requested: str, filed: str, agreement: SurnameAgreement) -> None:
    assert surname_agreement(name("ANA", requested), name("ANA", filed)) is agreement


@pytest.mark.parametrize(
    ("requested", "filed", "agreement"),
    [
        (("HERNANDEZ", "JOSE"), ("JOSE", "HERNANDEZ"), SurnameAgreement.SWAPPED),
        (("HERNANDEZ", "JOSE"), ("JOSE", "HERNANDEZ LOPEZ"), SurnameAgreement.SWAPPED),
        (("HERNANDEZ LOPEZ", "JOSE"), ("JOSE", "HERNANDEZ LOPEZ"), SurnameAgreement.SWAPPED),
        (("HERNANDEZ", "JOSE"), ("JUAN", "HERNANDEZ"), SurnameAgreement.NONE),
        (("LOPEZ", "JOSE"), ("JOSE", "HERNANDEZ"), SurnameAgreement.NONE),
    ],
)
def test_swapped_first_and_last_names(
    requested: tuple[str, str], filed: tuple[str, str], agreement: SurnameAgreement
) -> None:
    assert surname_agreement(name(*requested), name(*filed)) is agreement


# --- suffixes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "filed", "conflict"),
    [
        ("JR", "SR", True),
        ("III", "II", True),
        ("JR", "", False),
        ("", "SR", False),
        ("", "", False),
        ("JR", "JR.", False),
        ("JUNIOR", "JR", False),
        ("2ND", "II", False),
        ("ESQ", "JR", False),
    ],
)
def test_suffix_conflict(requested: str, filed: str, conflict: bool) -> None:
    assert suffix_conflict(name("ANA", suffix=requested), name("ANA", suffix=filed)) is conflict


def test_suffix_in_last_name_conflicts_like_the_suffix_field() -> None:
    assert suffix_conflict(name("JOSE", "GARCIA JR"), name("JOSE", "GARCIA", suffix="SR"))
