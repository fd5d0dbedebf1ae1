"""Stage 2, standardise: which given names are variants of one another.

In: one folded given name (``PEPE``, ``JOSEPH``, ``BOB``).
Out: its *keys*, a sorted tuple of canonical names it stands for. Two given names
are variants iff their key sets intersect; ``names.given_name_agreement`` relies on
exactly that, so the keys of one name can be computed once per row and compared
cheaply across many candidate pairs.

Two sources feed the keys:

* the English nickname table of the ``nicknames`` package, one hop only
  (``BOB`` -> ``ROBERT``; ``ROBERT`` keys only itself), and
* ``matchgate/data/given_name_variants.csv``, curated for this project: Spanish
  diminutives (``PACO`` -> ``FRANCISCO``) and anglicised forms
  (``FRANCISCO`` -> ``FRANCIS``). The curated edges are followed to their end, so
  ``PACO`` keys ``FRANCISCO`` and ``FRANCIS``, and meets ``FRAN`` (-> ``FRANCIS``).

Every edge points from the less to the more canonical form and never back. That
keeps the relation from chaining across people: ``BETO`` is a diminutive of both
``ROBERTO`` and ``ALBERTO``, so it fits both, yet ``ROBERTO`` and ``ALBERTO`` share
no key. Gendered pairs (``JUAN``/``JUANA``, ``MARIA``/``MARIO``,
``JOSE``/``JOSEFINA``) have separate keys; the tests lock that in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache, lru_cache

from nicknames import NickNamer

from matchgate.standardise.spellings import SPELLINGS_FILE
from matchgate.standardise.text import data_rows, fold

__all__ = ["VARIANTS_FILE", "given_name_keys", "is_known_given_name", "variant_edges"]

VARIANTS_FILE = "given_name_variants.csv"

# Pairs in the nicknames package where the "nickname" is really another person's
# full name, mostly of the other sex (LOUISE listed as a nickname of LOUIS). Taken
# at face value they would make LUIS and LUISA variants through LOUIS/LOUISE, or
# PEDRO and PATRICIO through PETER/PATRICK. (nickname, canonical) pairs to drop:
_NICKNAME_EXCLUSIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("ANDREW", "ANDREA"),
        ("ALEXANDER", "ALEXANDRIA"),
        ("EDWIN", "EDWINA"),
        ("EMILY", "EMIL"),
        ("ERNEST", "ERNESTINE"),
        ("ERNESTINE", "EARNEST"),
        ("FREDERICK", "FREDERICA"),
        ("HANNAH", "SUSAN"),
        ("HANNAH", "SUSANNAH"),
        ("LOUISE", "LOUIS"),
        ("MICAH", "MICHAEL"),
        ("PETER", "PATRICK"),
        ("WILLIAM", "WILMA"),
    }
)

_KINDS = frozenset({"diminutive", "anglicised"})


def given_name_keys(given: str) -> tuple[str, ...]:
    """Return the sorted canonical keys of a folded given name; ``()`` for ``""``.

    The name itself is always one of its keys, so equal names are variants too.
    """
    if not given:
        return ()
    return _keys(given)


@lru_cache(maxsize=16384)
def _keys(given: str) -> tuple[str, ...]:
    # Given names repeat heavily across a master file, hence the cache.
    curated, nicknames = _lookups()
    keys = {given}
    pending = [given]
    while pending:
        for target in curated.get(pending.pop(), ()):
            if target not in keys:
                keys.add(target)
                pending.append(target)
    keys.update(nicknames.get(given, ()))
    return tuple(sorted(keys))


@cache
def _lookups() -> tuple[Mapping[str, frozenset[str]], Mapping[str, frozenset[str]]]:
    """Build both lookups on first use (never at import), then keep them."""
    curated = _group(variant_edges(data_rows(VARIANTS_FILE)))
    namer = NickNamer()
    nickname_edges = (
        (fold(nickname), fold(canonical))
        for nickname, canonicals in namer.canonical_lookup.items()
        for canonical in canonicals
    )
    nicknames = _group(
        (nickname, canonical)
        for nickname, canonical in nickname_edges
        if nickname and canonical and (nickname, canonical) not in _NICKNAME_EXCLUSIONS
    )
    return curated, nicknames


def is_known_given_name(given: str) -> bool:
    """Whether a folded given name is a name the name tables know (the nicknames
    package, the curated variants, the recorded spellings): a real name, not a slip."""
    return given in _known_names()


@cache
def _known_names() -> frozenset[str]:
    curated, nicknames = _lookups()
    names = set(curated) | set(nicknames)
    for targets in (*curated.values(), *nicknames.values()):
        names.update(targets)
    names.update(fold(row.get("spelling")) for row in data_rows(SPELLINGS_FILE))
    return frozenset(names)


def variant_edges(rows: Iterable[Mapping[str, str]]) -> list[tuple[str, str]]:
    """Turn curated ``name,variant,kind`` rows into (from, to) key edges.

    A diminutive points at its full name (PACO -> FRANCISCO); a full name points
    at its anglicised form (FRANCISCO -> FRANCIS). Raises ValueError on an unknown
    kind or a blank cell, so a typo in the data file fails the tests, not a batch.
    """
    edges: list[tuple[str, str]] = []
    for row in rows:
        name, variant, kind = fold(row.get("name")), fold(row.get("variant")), row.get("kind")
        if not name or not variant or kind not in _KINDS:
            raise ValueError(f"bad given-name variant row: {dict(row)!r}")
        edges.append((variant, name) if kind == "diminutive" else (name, variant))
    return edges


def _group(edges: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    grouped: dict[str, set[str]] = {}
    for source, target in edges:
        if source != target:
            grouped.setdefault(source, set()).add(target)
    return {source: frozenset(targets) for source, targets in grouped.items()}
