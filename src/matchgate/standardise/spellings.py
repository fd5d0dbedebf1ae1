"""Stage 2, standardise: which spellings write one and the same name.

In: one folded name token (``MUHAMMAD``, ``CHEUNG``, ``SERHIY``).
Out: its *families*, the names it is a recognised spelling of, from
``matchgate/data/name_spellings.csv`` (romanisations and transliterations:
MOHAMMED / MUHAMMAD / MOHAMED, ZHANG / CHANG / CHEUNG, PARK / PAK / BAK).
Two tokens are spellings of one name iff their families intersect; a token in
no family has none (``()``), so it is a spelling of nothing but itself.

A spelling may belong to several families (WONG writes both WANG and HUANG),
and the relation does not chain: WANG and HUANG share no family.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from matchgate.standardise.text import data_rows, fold

__all__ = ["SPELLINGS_FILE", "family_members", "same_name_spelling", "spelling_families"]

SPELLINGS_FILE = "name_spellings.csv"


def spelling_families(token: str) -> tuple[str, ...]:
    """The sorted families of a folded token; ``()`` when it is in none."""
    return _tables()[0].get(token, ())


def same_name_spelling(left: str, right: str) -> bool:
    """Whether two different folded tokens are recorded spellings of one name."""
    if not left or not right or left == right:
        return False
    families = _tables()[0]
    return not set(families.get(left, ())).isdisjoint(families.get(right, ()))


def family_members(family: str) -> tuple[str, ...]:
    """Every spelling filed under one family (the family's own spelling first)."""
    return _tables()[1].get(family, ())


@cache
def _tables() -> tuple[Mapping[str, tuple[str, ...]], Mapping[str, tuple[str, ...]]]:
    by_token: dict[str, set[str]] = {}
    members: dict[str, list[str]] = {}
    for row in data_rows(SPELLINGS_FILE):
        family, spelling = fold(row.get("family")), fold(row.get("spelling"))
        if not family or not spelling or " " in spelling:
            raise ValueError(f"bad name spelling row: {dict(row)!r}")
        by_token.setdefault(spelling, set()).add(family)
        if spelling not in members.setdefault(family, []):
            members[family].append(spelling)
    return (
        {token: tuple(sorted(fams)) for token, fams in by_token.items()},
        {family: tuple(spellings) for family, spellings in members.items()},
    )
