"""Stage 2, standardise: personal names, and how well two of them agree.

In: first, middle, last name and suffix as written in a request or filed with the
tax agency (any case, accents, hyphens, particles, a JR tucked into the last name).
Out: a ``StandardName`` whose parts compare directly, and three pure comparisons
(given name, surname, suffix) that the match stage turns into evidence and the
decide stage into conflicts. FORMATS.md §4: a request giving one of two filed
surnames, a nickname or an anglicised given name is a name *variant*, not a miss;
a suffix only conflicts with a different non-empty suffix.

Surnames: hyphens separate (HERNANDEZ-LOPEZ == HERNANDEZ LOPEZ); particles glue
to the word they introduce (DE LA CRUZ -> DELACRUZ, so it equals DELACRUZ); a
conjunction Y between two surnames is dropped (GARCIA Y LOPEZ -> GARCIA LOPEZ).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from matchgate.standardise.given_names import given_name_keys
from matchgate.standardise.text import fold, jaro_winkler, split_hyphens, within_one_edit

__all__ = [
    "NameAgreement",
    "StandardName",
    "SurnameAgreement",
    "given_name_agreement",
    "standardise_aliases",
    "standardise_name",
    "suffix_conflict",
    "surname_agreement",
]

# Words that introduce a surname rather than being one. MC/MAC are not here: they
# are written joined far more often than apart, and the joined-token comparison in
# surname_agreement already equates MC DONALD with MCDONALD. LE and DO are left out
# on purpose: they are common Vietnamese surnames in their own right.
_PARTICLES = frozenset(
    {"DE", "DEL", "LA", "LAS", "LOS", "DA", "DOS", "DI", "VAN", "VON", "DER", "ST"}
)
_CONJUNCTIONS = frozenset({"Y"})
_SAINT = {"SAINT": "ST"}

# Generational suffixes only: they tell a father from a son. Professional ones
# (ESQ, MD, PHD) say nothing about identity and standardise to "".
_SUFFIXES = {
    "JR": "JR",
    "JUNIOR": "JR",
    "JNR": "JR",
    "SR": "SR",
    "SENIOR": "SR",
    "SNR": "SR",
    "II": "II",
    "2ND": "II",
    "III": "III",
    "3RD": "III",
    "IV": "IV",
    "4TH": "IV",
    "V": "V",
    "5TH": "V",
}
# Trailing tokens of a name field that are taken as its suffix. V is not: a last
# token V is far more often a middle initial typed in the wrong box.
_NAME_TRAILING_SUFFIXES = frozenset(_SUFFIXES) - {"V", "5TH", "JNR", "SNR"}

_FUZZY_GIVEN_JARO_WINKLER = 0.88
_FUZZY_GIVEN_MIN_LEVENSHTEIN_LENGTH = 4
_FUZZY_SURNAME_JARO_WINKLER = 0.92
_FUZZY_SURNAME_MIN_LENGTH = 5


@dataclass(frozen=True, slots=True)
class StandardName:
    """A person's name in comparable parts; every field is folded text, never None.

    ``given`` is the first word of the first name; further words of the first name
    lead ``middle``. ``given_keys`` are the canonical names ``given`` may stand for
    (see given_names.py). ``surname_tokens`` are the surname's words after
    hyphen splitting, particle gluing and conjunction dropping; ``surname`` joins
    them with single spaces. ``suffix`` is one of JR, SR, II, III, IV, V or "".
    """

    given: str
    given_keys: tuple[str, ...]
    middle: str
    surname: str
    surname_tokens: tuple[str, ...]
    suffix: str


class NameAgreement(IntEnum):
    """How well two given names agree; a larger value is stronger evidence."""

    NONE = 0
    FUZZY = 1
    INITIAL = 2
    VARIANT = 3
    EXACT = 4


class SurnameAgreement(IntEnum):
    """How well two surnames agree; a larger value is stronger evidence.

    SWAPPED means the request has the first and last names the wrong way round
    *and* both halves match exactly, so callers treat a SWAPPED pair's given names
    as agreeing EXACTLY without comparing them again.
    """

    NONE = 0
    FUZZY = 1
    SWAPPED = 2
    PARTIAL = 3
    EXACT = 4


def standardise_name(
    first: str | None, middle: str | None, last: str | None, suffix: str | None
) -> StandardName:
    """Standardise one person's name fields.

    A suffix comes from the suffix field when it holds a generational suffix,
    otherwise from a trailing JR/SR/II/III/IV (or JUNIOR, 2ND, ...) word of the
    last name, then of the first name. Such a trailing word is removed from the
    name whichever way the suffix was set: it is never part of the surname.
    """
    first_words = split_hyphens(fold(first)).split()
    last_words = split_hyphens(fold(last)).split()
    last_words, last_suffix = _take_trailing_suffix(last_words)
    first_words, first_suffix = _take_trailing_suffix(first_words)
    surname_tokens = _surname_tokens(last_words)
    middle_words = first_words[1:] + split_hyphens(fold(middle)).split()
    given = first_words[0] if first_words else ""
    return StandardName(
        given=given,
        given_keys=given_name_keys(given),
        middle=" ".join(middle_words),
        surname=" ".join(surname_tokens),
        surname_tokens=surname_tokens,
        suffix=standardise_suffix(suffix) or last_suffix or first_suffix,
    )


def standardise_suffix(value: str | None) -> str:
    """Map a suffix field to JR, SR, II, III, IV or V; anything else gives ""."""
    return _SUFFIXES.get(fold(value).replace(" ", ""), "")


def _take_trailing_suffix(words: list[str]) -> tuple[list[str], str]:
    # Only strip when a name remains: a last name that is just "JR" stays a name.
    if len(words) > 1 and words[-1] in _NAME_TRAILING_SUFFIXES:
        return words[:-1], _SUFFIXES[words[-1]]
    return words, ""


def _surname_tokens(words: list[str]) -> tuple[str, ...]:
    tokens: list[str] = []
    prefix = ""
    # SAINT JOHN and ST JOHN are one surname; the short form then glues as a particle.
    words = [_SAINT.get(word, word) for word in words]
    for position, word in enumerate(words):
        is_last = position == len(words) - 1
        if word in _CONJUNCTIONS and tokens and not is_last and not prefix:
            continue
        if word in _PARTICLES and not is_last:
            prefix += word
            continue
        tokens.append(prefix + word)
        prefix = ""
    return tuple(tokens)


def given_name_agreement(request: StandardName, filed: StandardName) -> NameAgreement:
    """Compare the request's given name with the filed given name.

    Only the filed *given* name counts: a request whose first name is the filed
    middle name (GUADALUPE for MARIA GUADALUPE) does not agree on the given name.
    FUZZY catches typing slips (JUAN/JUANA, MARIA/MARIO are FUZZY, never VARIANT).
    """
    mine, theirs = request.given, filed.given
    if not mine or not theirs:
        return NameAgreement.NONE
    if mine == theirs or _joined_given(request) == theirs or mine == _joined_given(filed):
        return NameAgreement.EXACT
    if len(mine) == 1 or len(theirs) == 1:
        return NameAgreement.INITIAL if mine[0] == theirs[0] else NameAgreement.NONE
    if not set(request.given_keys).isdisjoint(filed.given_keys):
        return NameAgreement.VARIANT
    if jaro_winkler(mine, theirs) >= _FUZZY_GIVEN_JARO_WINKLER:
        return NameAgreement.FUZZY
    shortest = min(len(mine), len(theirs))
    if shortest >= _FUZZY_GIVEN_MIN_LEVENSHTEIN_LENGTH and within_one_edit(mine, theirs):
        return NameAgreement.FUZZY
    return NameAgreement.NONE


def _joined_given(name: StandardName) -> str:
    # A two-part given name written as one word on the other side: SEO-YEON
    # (given SEO, middle YEON) against SEOYEON, MARIA JOSE against MARIAJOSE.
    middle = name.middle.split()
    return name.given + middle[0] if middle else name.given


def surname_agreement(request: StandardName, filed: StandardName) -> SurnameAgreement:
    """Compare surnames, strongest finding first.

    EXACT: same tokens, or the same letters once spaces are dropped (DELACRUZ vs
    DE LA CRUZ, HERNANDEZLOPEZ vs HERNANDEZ LOPEZ). PARTIAL: one side's tokens are
    a proper subset of the other's (HERNANDEZ for HERNANDEZ LOPEZ), or the same
    tokens in another order. SWAPPED: the request's first and last names are the
    filed last and first names (see SurnameAgreement). FUZZY: some pair of tokens
    of five letters or more has Jaro-Winkler similarity >= 0.92.
    """
    mine, theirs = request.surname_tokens, filed.surname_tokens
    if not mine or not theirs:
        return SurnameAgreement.NONE
    if mine == theirs or "".join(mine) == "".join(theirs):
        return SurnameAgreement.EXACT
    my_set, their_set = set(mine), set(theirs)
    if my_set <= their_set or their_set <= my_set:
        return SurnameAgreement.PARTIAL
    if _swapped(request, filed):
        return SurnameAgreement.SWAPPED
    if any(_fuzzy_surname_token(left, right) for left in mine for right in theirs):
        return SurnameAgreement.FUZZY
    return SurnameAgreement.NONE


def _swapped(request: StandardName, filed: StandardName) -> bool:
    # Request HERNANDEZ / JOSE against filed JOSE / HERNANDEZ. The request's whole
    # first-name field is tried as well, for surnames written as several words.
    if not request.given or not filed.given:
        return False
    whole_first = (request.given + request.middle).replace(" ", "")
    filed_surname = "".join(filed.surname_tokens)
    given_is_surname = request.given in filed.surname_tokens or whole_first == filed_surname
    surname_is_given = bool(request.surname_tokens) and (
        "".join(request.surname_tokens) == filed.given
        or not set(given_name_keys(request.surname_tokens[0])).isdisjoint(filed.given_keys)
    )
    return given_is_surname and surname_is_given


def _fuzzy_surname_token(left: str, right: str) -> bool:
    if min(len(left), len(right)) < _FUZZY_SURNAME_MIN_LENGTH:
        return False
    return jaro_winkler(left, right) >= _FUZZY_SURNAME_JARO_WINKLER


def suffix_conflict(request: StandardName, filed: StandardName) -> bool:
    """True only when both sides give a suffix and they differ (JR vs SR)."""
    return bool(request.suffix) and bool(filed.suffix) and request.suffix != filed.suffix


def standardise_aliases(aliases: str | None) -> tuple[StandardName, ...]:
    """Standardise a request's `aliases` cell: `;`-separated full names, each read as
    given name(s) then surname as its last word (`JUAN PEREZ;JOHN PEREZ`)."""
    names: list[StandardName] = []
    for alias in (aliases or "").split(";"):
        words = alias.split()
        if len(words) >= 2:
            names.append(standardise_name(" ".join(words[:-1]), None, words[-1], None))
    return tuple(names)
