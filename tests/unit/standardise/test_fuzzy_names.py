"""Fuzzy name fits: which kind of difference, if any, links a written name to a filed one."""

from __future__ import annotations

import pytest

from matchgate.standardise.fuzzy_names import given_name_fuzz, surname_fuzz, swapped_fuzz
from matchgate.standardise.names import standardise_name


def name(first: str, last: str, middle: str = "") -> object:
    return standardise_name(first, middle, last, None)


@pytest.mark.parametrize(
    ("written", "filed", "kind"),
    [
        ("MUHAMMAD", "MOHAMMED", "spelling"),  # recorded spellings of one name
        ("FATIMAH", "FATIMA", "spelling"),
        ("GUADAUPE", "GUADALUPE", "typo"),  # a letter dropped
        ("JOESPH", "JOSEPH", "typo"),  # two letters swapped
        ("JORE", "JOSE", "typo"),  # a letter replaced
        ("MARCOS", "MARIA", None),
        ("GUADALUPE", "MARIA GUADALUPE", "compound_part"),
        ("LUPE", "MARIA GUADALUPE", "compound_variant"),  # the second name's diminutive
        ("JUAN", "PEDRO", None),
        ("AA", "ANA", "typo"),  # a letter dropped from a three-letter name
        ("RJ", "RAJ", "typo"),
        ("AL", "ALIA", None),  # two letters short: not one slip
        ("AX", "ALI", None),  # a letter replaced as well as one dropped
        ("LI", "LEI", "typo"),  # a slip by its letters; whether it is one, the policy says
    ],
)
def test_given_name_fuzz(written: str, filed: str, kind: str | None) -> None:
    assert given_name_fuzz(name(written, "X"), name(filed, "X")) == kind  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("written", "filed", "kind"),
    [
        ("SMTH", "SMITH", "typo"),
        ("RIIVERA MORENO", "RIVERA MORENO", "typo"),
        ("CHEUNG", "ZHANG", "spelling"),
        ("CRUZ", "DE LA CRUZ", "particle"),  # the particle dropped
        ("BERG", "VAN DER BERG", "particle"),
        ("WANG", "HUANG", None),  # WONG writes both, but they are two names
        ("GARCIA", "LOPEZ", None),
    ],
)
def test_surname_fuzz(written: str, filed: str, kind: str | None) -> None:
    assert surname_fuzz(name("ANA", written), name("ANA", filed)) == kind  # type: ignore[arg-type]


def test_an_order_swap_of_spelling_variants_still_fits() -> None:
    written, filed = name("CHEUNG", "WEI"), name("WEI", "ZHANG")
    assert swapped_fuzz(written, filed) == "order_swap"  # type: ignore[arg-type]
    assert swapped_fuzz(name("LOPEZ", "WEI"), filed) is None  # type: ignore[arg-type]
