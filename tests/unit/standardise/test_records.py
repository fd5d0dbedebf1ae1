"""Whole tables of names: the bulk standardiser gives what `standardise_name` gives row by row.

Every name here is made up.
"""

from __future__ import annotations

import itertools

import pyarrow as pa

from matchgate.standardise.names import standardise_name
from matchgate.standardise.records import standardise_names
from matchgate.synth.generator import SynthConfig, generate

FIRST = [None, "", "ANA", "María José", "JOHN JR", "JUAN-CARLOS", "Ana Maria", "O'NEIL", "J", "III"]
MIDDLE = [None, "", "LUCIA", "DE LA", "Ann Marie", "JR"]
LAST = [None, "HERNÁNDEZ LÓPEZ", "DE LA CRUZ", "SMITH JR", "GARCIA Y LOPEZ", "VAN DER BERG",
        "ST JOHN", "KIM-LEE III", "Ruiz 2nd", "DI"]  # fmt: skip
SUFFIX = [None, "", "JR", "Sr.", "iii", "ESQ", "2ND"]


def row_by_row(rows: list[tuple[str | None, ...]]) -> list[dict[str, object]]:
    out = []
    for first, middle, last, suffix in rows:
        name = standardise_name(first, middle, last, suffix)
        out.append(
            {
                "given": name.given or None,
                "given_keys": list(name.given_keys),
                "middle": name.middle or None,
                "surname": name.surname or None,
                "surname_compact": name.surname.replace(" ", "") or None,
                "surname_tokens": list(name.surname_tokens),
                "suffix": name.suffix or None,
            }
        )
    return out


def bulk(rows: list[tuple[str | None, ...]]) -> list[dict[str, object]]:
    columns = ("first_name", "middle_name", "last_name", "name_suffix")
    table = pa.table(
        {c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(columns)}
    )
    result: list[dict[str, object]] = pa.table(standardise_names(table)).to_pylist()
    return result


def test_bulk_names_equal_row_by_row_names_for_every_combination_of_awkward_fields() -> None:
    rows = list(itertools.product(FIRST, MIDDLE, LAST, SUFFIX))
    assert bulk(rows) == row_by_row(rows)


def test_bulk_names_equal_row_by_row_names_on_a_synthetic_master_file() -> None:
    people = generate(SynthConfig(taxpayers=2000, requests=10, seed=4)).taxpayers
    rows = list(
        zip(*(people.column(c).to_pylist() for c in
              ("first_name", "middle_name", "last_name", "name_suffix")), strict=True)
    )  # fmt: skip
    assert bulk(rows) == row_by_row(rows)
