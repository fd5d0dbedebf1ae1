"""REQ-20 and REQ-21: what standardisation must make equal, and what it must not."""

from __future__ import annotations

import pytest

from matchgate.standardise.addresses import (
    StandardAddress,
    addresses_match,
    standardise_address,
)
from matchgate.standardise.names import (
    SurnameAgreement,
    given_name_agreement,
    standardise_name,
    surname_agreement,
)


def test_req20_accents_do_not_matter() -> None:
    assert standardise_name("JOSÉ", None, "MUÑOZ", None) == standardise_name(
        "JOSE", None, "MUNOZ", None
    )


@pytest.mark.parametrize(
    ("written", "filed"),
    [("HERNANDEZ-LOPEZ", "HERNANDEZ LOPEZ"), ("DE LA CRUZ", "DELACRUZ"), ("Del Rio", "DELRIO")],
)
def test_req20_surname_forms_are_equal(written: str, filed: str) -> None:
    request = standardise_name("ANA", None, written, None)
    on_file = standardise_name("ANA", None, filed, None)
    assert surname_agreement(request, on_file) is SurnameAgreement.EXACT


def test_req20_a_nickname_is_a_variant_not_a_mismatch() -> None:
    request, on_file = (
        standardise_name("PACO", None, "RUIZ", None),
        standardise_name("FRANCISCO", None, "RUIZ", None),
    )
    assert given_name_agreement(request, on_file) >= 3  # VARIANT or better


def address(
    street: str, city: str = "AUSTIN", state: str = "TX", zip_: str = "78701"
) -> StandardAddress:
    return standardise_address(street, city, state, zip_)


@pytest.mark.parametrize(
    ("given", "filed"),
    [
        (
            address("1234 North Main Street Apartment 5"),
            address("1234 N MAIN ST APT 5"),
        ),
        (address("1234 N MAIN ST", zip_="78701-1234"), address("1234 N MAIN ST", zip_="78701")),
        (address("1234 N MAIN ST"), address("1234 N MAIN ST APT 5")),  # unit on one side only
        (address("12 PARKWOOD DR"), address("12 PARKWOD DR")),  # one edit, name of 5+ letters
        (address("12 ELM ST", zip_=""), address("12 ELM ST", zip_="78701")),  # city + state decide
    ],
)
def test_req20_req21_these_addresses_match(given: StandardAddress, filed: StandardAddress) -> None:
    assert addresses_match(given, filed)


@pytest.mark.parametrize(
    ("given", "filed"),
    [
        (address("1235 N MAIN ST"), address("1234 N MAIN ST")),  # house number
        (address("12 MAIN ST"), address("12 MIAN ST")),  # an edit in a short name
        (address("12 ELM ST APT 5"), address("12 ELM ST APT 6")),  # both give a unit
        (address("12 ELM ST", zip_="78702"), address("12 ELM ST", zip_="78701")),  # ZIP5
        (address("12 ELM ST", city="DALLAS", zip_=""), address("12 ELM ST")),  # city
        (address("PO BOX 12"), address("PO BOX 12")),  # a box is not a residence
    ],
)
def test_req21_these_addresses_do_not_match(given: StandardAddress, filed: StandardAddress) -> None:
    assert not addresses_match(given, filed)
