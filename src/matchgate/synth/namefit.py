"""Does a name written in a request fit a person on file? (synth stage, pure)

The generator uses this to label its own requests conservatively, never to
decide outcomes the way the matcher does:
- `fits` is deliberately generous (case, accents, hyphens, particles,
  nicknames, anglicised forms, one of two surnames, a middle name used as
  the given name, similar spellings, one typing slip, recorded spellings).
  A genuine request whose name also fits a second person at the given
  address is made unambiguous by adding the TIN, and AMBIGUOUS cases are
  built from pairs that fit.
- `clearly_other` is deliberately strict: a request planted as "name fits
  nobody at that address" uses a given name that clearly differs from every
  resident's (no fit, different initial, Jaro-Winkler below 0.7).

In: names as filed or as written in a request. Out: booleans.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from matchgate.standardise.spellings import same_name_spelling
from matchgate.synth.names_pool import ANGLICISED, nickname_groups

# Surname particles: kept with their surname as one unit (DE LA CRUZ), dropped
# when comparing bare tokens (CRUZ); the joined unit (DELACRUZ) is compared too.
PARTICLES = frozenset(
    {"DE", "LA", "DEL", "LOS", "LAS", "Y", "VAN", "VON", "DA", "DOS", "DI", "DER", "ST", "SAINT"}
)
_GROUPS = nickname_groups()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Upper case, accents removed, apostrophes and periods dropped, other marks -> space."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch) or ch in "'.’":
            continue
        out.append(ch if ch.isalnum() else " ")
    return " ".join("".join(out).split())


@lru_cache(maxsize=65536)
def strip_accents(text: str) -> str:
    """The same text without combining marks (JOSÉ -> JOSE, MUÑOZ -> MUNOZ)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


@lru_cache(maxsize=262144)
def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings (1.0 = equal), prefix scale 0.1, up to 4 chars."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if la == 0 or lb == 0:
        return 0.0
    window = max(max(la, lb) // 2 - 1, 0)
    a_hit = [False] * la
    b_hit = [False] * lb
    matches = 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(lb, i + window + 1)):
            if not b_hit[j] and b[j] == ch:
                a_hit[i] = b_hit[j] = True
                matches += 1
                break
    if matches == 0:
        return 0.0
    b_seq = [b[j] for j in range(lb) if b_hit[j]]
    transpositions = sum(a[i] != b_seq[k] for k, i in enumerate(i for i in range(la) if a_hit[i]))
    m = float(matches)
    jaro = (m / la + m / lb + (m - transpositions / 2) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _forms(name: str) -> set[str]:
    """A given name's comparable forms: whole, each token, and without spaces."""
    f = fold(name)
    if not f:
        return set()
    return {f, f.replace(" ", ""), *f.split()}


def surname_units(last: str) -> list[str]:
    """The surnames in a filed last name, particles kept with theirs.

    "VALDEZ DE LA CRUZ" -> ["VALDEZ", "DE LA CRUZ"]; "GARCIA-LOPEZ" -> ["GARCIA", "LOPEZ"].
    """
    units: list[str] = []
    pending: list[str] = []
    for tok in last.replace("-", " ").split():
        if fold(tok) in PARTICLES:
            pending.append(tok)
            continue
        units.append(" ".join([*pending, tok]))
        pending = []
    if pending:
        units.append(" ".join(pending))
    return units


def _one_edit(x: str, y: str) -> bool:
    if abs(len(x) - len(y)) > 1 or min(len(x), len(y)) < 3:
        return False
    if len(x) == len(y):
        diff = [i for i in range(len(x)) if x[i] != y[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]]
        )
    short, long_ = (x, y) if len(x) < len(y) else (y, x)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _spelled_alike(x: str, y: str) -> bool:
    """One slip apart (an edit or two letters swapped) or recorded spellings of one name."""
    return _one_edit(x, y) or same_name_spelling(x, y)


def _given_pair_fits(x: str, y: str) -> bool:
    if x == y or jaro_winkler(x, y) >= 0.8 or _spelled_alike(x, y):
        return True
    if ANGLICISED.get(x) == y or ANGLICISED.get(y) == x:
        return True
    gx, gy = _GROUPS.get(x), _GROUPS.get(y)
    return bool(gx and gy and gx & gy) or bool(gx and y in gx) or bool(gy and x in gy)


def given_fits(given: str, first: str, middle: str) -> bool:
    """Whether a requested given name could denote a person filed as first/middle."""
    req = _forms(given)
    filed = _forms(first) | _forms(middle)
    return any(_given_pair_fits(x, y) for x in req for y in filed)


def _surname_forms(last: str) -> set[str]:
    f = fold(last)
    if not f:
        return set()
    tokens = [t for t in f.split() if t not in PARTICLES]
    units = [u.replace(" ", "") for u in surname_units(f)]
    return {f.replace(" ", ""), *tokens, *units}


def surname_fits(req_last: str, filed_last: str) -> bool:
    """Whether a requested surname could denote a filed last name (token-wise, particles folded)."""
    req = _surname_forms(req_last)
    filed = _surname_forms(filed_last)
    return any(
        x == y or jaro_winkler(x, y) >= 0.85 or _spelled_alike(x, y) for x in req for y in filed
    )


def fits(req_first: str, req_last: str, first: str, middle: str, last: str) -> bool:
    """Whether a requested (first, last) could denote the filed person, in either order."""
    if given_fits(req_first, first, middle) and surname_fits(req_last, last):
        return True
    return given_fits(req_last, first, middle) and surname_fits(req_first, last)


def clearly_other(req_first: str, first: str, middle: str) -> bool:
    """Whether a requested given name is clearly not this filed person's given or middle name."""
    if given_fits(req_first, first, middle):
        return False
    req = _forms(req_first)
    filed = _forms(first) | _forms(middle)
    return all(x[0] != y[0] and jaro_winkler(x, y) < 0.7 for x in req for y in filed)
