"""Stage 2, standardise: how a name written differently may still be the filed name.

In: two ``StandardName`` values (the request's, a filed taxpayer's) whose
given name or surname did not agree exactly or as a known variant. Out: the
*kind* of fuzzy fit, or None:

- ``spelling``: recorded spellings of one name (name_spellings.csv:
  MOHAMMED / MUHAMMAD, CHEUNG / ZHANG);
- ``phonetic``: the same Metaphone key (the ``jellyfish`` implementation),
  both names of three letters or more (FATIMAH / FATIMA);
- ``typo``: one edit, counting two swapped neighbours as one (optimal string
  alignment distance 1; GUADAUPE, SMTH, RIIVERA), both of three letters or more;
  and in a given name, a letter dropped from a three-letter name (AA for ANA,
  RJ for RAJ): the shortest names lose a letter as often as any, and what is
  left is rarely anybody's name (the decide stage checks that it is nobody's);
- ``compound_part``: the request's given name is the filed second given name
  (GUADALUPE for MARIA GUADALUPE);
- ``compound_variant``: it is a variant-list form of the filed second given
  name (LUPE for MARIA GUADALUPE, JOE for RONALDO JOSE): a link through a
  variant list, like LISA for ELIZABETH;
- ``particle``: the surnames agree once particles glued to a surname are
  taken off (CRUZ for DELACRUZ).

The decide stage uses the kind to choose what must corroborate the fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import jellyfish

from matchgate.standardise.given_names import given_name_keys
from matchgate.standardise.names import StandardName
from matchgate.standardise.spellings import same_name_spelling

__all__ = ["given_name_fuzz", "surname_fuzz", "swapped_fuzz"]

SPELLING = "spelling"
PHONETIC = "phonetic"
TYPO = "typo"
COMPOUND_PART = "compound_part"
COMPOUND_VARIANT = "compound_variant"
PARTICLE = "particle"
ORDER_SWAP = "order_swap"

_MIN_FUZZY_LENGTH = 3
# Particles as names.py glues them to the surname they introduce (DELACRUZ),
# longest first so that DER is taken off before DE.
_GLUED_PARTICLES = tuple(
    sorted(
        ("DELOS", "DELAS", "DELA", "DEL", "DE", "LA", "LOS", "LAS", "VAN", "DER", "VON", "DA",
         "DOS", "DI", "ST"),
        key=len,
        reverse=True,
    )
)  # fmt: skip


@lru_cache(maxsize=65536)
def _metaphone(token: str) -> str:
    return str(jellyfish.metaphone(token))


@lru_cache(maxsize=262144)
def _token_fuzz(left: str, right: str) -> str | None:
    # Name pairs repeat heavily across a batch's candidates, hence the cache.
    if left == right or not left or not right:
        return None
    if same_name_spelling(left, right):
        return SPELLING
    if min(len(left), len(right)) < _MIN_FUZZY_LENGTH:
        return None
    if jellyfish.damerau_levenshtein_distance(left, right) <= 1 and _osa_one(left, right):
        return TYPO
    if left[0] == right[0] and _metaphone(left) == _metaphone(right):
        return PHONETIC
    return None


def _osa_one(left: str, right: str) -> bool:
    """Optimal string alignment distance 1 (Damerau-Levenshtein can be lower)."""
    if abs(len(left) - len(right)) > 1:
        return False
    if len(left) == len(right):
        diff = [i for i in range(len(left)) if left[i] != right[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and left[diff[0]] == right[diff[1]]
            and left[diff[1]] == right[diff[0]]
        )
    return True


def given_name_fuzz(request: StandardName, filed: StandardName) -> str | None:
    """The fuzzy kind by which the request's given name may be the filed one, or None."""
    mine, theirs = request.given, filed.given
    if not mine or not theirs or len(mine) == 1 or len(theirs) == 1:
        return None
    second = filed.middle.split()[0] if filed.middle else ""
    keys = set(request.given_keys)
    if len(second) > 1 and mine == second:
        return COMPOUND_PART
    if len(second) > 1 and not keys.isdisjoint(given_name_keys(second)):
        return COMPOUND_VARIANT
    if len(mine) == _MIN_FUZZY_LENGTH - 1 and len(theirs) == _MIN_FUZZY_LENGTH:
        dropped = any(theirs[:i] + theirs[i + 1 :] == mine for i in range(len(theirs)))
        return TYPO if dropped else None
    return _token_fuzz(mine, theirs)


@lru_cache(maxsize=65536)
def _strip_particles(token: str) -> str:
    for particle in _GLUED_PARTICLES:
        if token.startswith(particle) and len(token) - len(particle) >= _MIN_FUZZY_LENGTH:
            return _strip_particles(token[len(particle) :])
    return token


def _tokens_fuzz(mine: Sequence[str], theirs: Sequence[str]) -> str | None:
    """Every request token equals or fuzzily fits a distinct filed token, one at least fuzzily."""
    if not mine or not theirs:
        return None
    remaining = list(theirs)
    kinds: list[str] = []
    for token in mine:
        if token in remaining:
            remaining.remove(token)
            continue
        found = None
        for other in remaining:
            kind = _token_fuzz(token, other)
            if kind is not None:
                found = (other, kind)
                break
        if found is None:
            return None
        remaining.remove(found[0])
        kinds.append(found[1])
    if not kinds:
        return None
    for kind in (TYPO, PHONETIC, SPELLING):  # the weakest kind present names the fit
        if kind in kinds:
            return kind
    return None


def surname_fuzz(request: StandardName, filed: StandardName) -> str | None:
    """The fuzzy kind by which the request's surname may be the filed one, or None."""
    mine, theirs = request.surname_tokens, filed.surname_tokens
    if not mine or not theirs:
        return None
    bare_mine = tuple(_strip_particles(t) for t in mine)
    bare_theirs = tuple(_strip_particles(t) for t in theirs)
    if (bare_mine, bare_theirs) != (tuple(mine), tuple(theirs)) and (
        set(bare_mine) <= set(bare_theirs) or set(bare_theirs) <= set(bare_mine)
    ):
        return PARTICLE
    return _tokens_fuzz(mine, theirs) or _tokens_fuzz(bare_mine, bare_theirs)


def swapped_fuzz(request: StandardName, filed: StandardName) -> str | None:
    """ORDER_SWAP when given and family name are exchanged and each is equal to, a variant
    of, or a fuzzy fit of the other's filed part; otherwise None."""
    if not request.given or not request.surname_tokens or not filed.given:
        return None
    as_surname, as_given = request.given, request.surname_tokens[0]
    surname_ok = as_surname in filed.surname_tokens or bool(
        _tokens_fuzz((as_surname,), filed.surname_tokens)
    )
    if not surname_ok:  # most candidates scored: other people at the address
        return None
    given_ok = (
        as_given == filed.given
        or not set(given_name_keys(as_given)).isdisjoint(filed.given_keys)
        or _token_fuzz(as_given, filed.given) is not None
    )
    return ORDER_SWAP if given_ok else None
