"""Stage 2, standardise: the text primitives every other standardiser builds on.

In: raw strings as they arrive in request batches and the master file (any case,
accents, punctuation, stray whitespace, ``None`` for a missing cell).
Out: folded ASCII upper-case text, plus the two string similarities the name and
address rules are written in (Levenshtein distance, Jaro-Winkler similarity) and
a reader for the curated CSV tables shipped in ``matchgate/data``.

``fold`` is deliberately conservative: it keeps ``/`` (``1/2``, ``N/A``) and ``-``
(``123-45``, ``HERNANDEZ-LOPEZ``) because whether a hyphen separates words is a
field-specific decision (a surname hyphen does, a Queens house number's does not).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from importlib import resources

from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler, Levenshtein

__all__ = [
    "ORDINAL_WORDS",
    "TENS",
    "TENS_ORDINALS",
    "data_rows",
    "fold",
    "jaro_winkler",
    "levenshtein",
    "numeric_ordinal",
    "ordinal",
    "split_hyphens",
    "within_one_edit",
]

# Apostrophes join the letters around them (O'BRIEN -> OBRIEN, DON'T -> DONT):
# requesters and filers write the same name with and without them. The typographic
# variants are listed too in case a caller hands us text anyascii has not seen.
_APOSTROPHES = re.compile(r"['`´‘’ʼ]")
# Everything that is not a letter, digit, slash or hyphen separates words.
_SEPARATORS = re.compile(r"[^A-Z0-9/\-]+")


def fold(value: str | None) -> str:
    """Fold text to the comparison alphabet: ASCII, upper case, single spaces.

    ``None`` and blank text give ``""``. Accents are transliterated (JOSÉ -> JOSE,
    NUÑEZ -> NUNEZ, STRAßE -> STRASSE), apostrophes vanish without leaving a gap,
    every other character except ``/`` and ``-`` becomes a space, and runs of
    spaces collapse.
    """
    if value is None:
        return ""
    text = value if value.isascii() else anyascii(value)
    text = _APOSTROPHES.sub("", text.upper())
    return " ".join(_SEPARATORS.sub(" ", text).split())


def split_hyphens(folded: str) -> str:
    """Treat hyphens as word breaks in already-folded text (HERNANDEZ-LOPEZ)."""
    if "-" not in folded:
        return folded
    return " ".join(folded.replace("-", " ").split())


# Ordinal words in order, so that a word's index + 1 is its number.
ORDINAL_WORDS = (
    "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH",
    "TENTH", "ELEVENTH", "TWELFTH", "THIRTEENTH", "FOURTEENTH", "FIFTEENTH", "SIXTEENTH",
    "SEVENTEENTH", "EIGHTEENTH", "NINETEENTH",
)  # fmt: skip
TENS = ("TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY")
TENS_ORDINALS = tuple(tens[:-1] + "IETH" for tens in TENS)  # TWENTY -> TWENTIETH
_ORDINAL_SUFFIXES = {1: "ST", 2: "ND", 3: "RD"}


def ordinal(number: int) -> str:
    """Write a non-negative number as a numeric ordinal: 1 -> 1ST, 12 -> 12TH, 23 -> 23RD."""
    teen = number % 100 in (11, 12, 13)
    suffix = "TH" if teen else _ORDINAL_SUFFIXES.get(number % 10, "TH")
    return f"{number}{suffix}"


def numeric_ordinal(words: str) -> str | None:
    """The numeric ordinal of an ordinal written in words, else None.

    Covers FIRST to NINETY-NINTH in folded text, compounds written with a space
    or hyphen (TWENTY FIRST, TWENTY-FIRST -> 21ST). Street names use it so that
    THIRD AVE and 3RD AVE standardise alike.
    """
    parts = words.replace("-", " ").split()
    if len(parts) == 1:
        if parts[0] in ORDINAL_WORDS:
            return ordinal(ORDINAL_WORDS.index(parts[0]) + 1)
        if parts[0] in TENS_ORDINALS:
            return ordinal(10 * (TENS_ORDINALS.index(parts[0]) + 2))
    elif len(parts) == 2 and parts[0] in TENS and parts[1] in ORDINAL_WORDS[:9]:
        tens = 10 * (TENS.index(parts[0]) + 2)
        return ordinal(tens + ORDINAL_WORDS.index(parts[1]) + 1)
    return None


def levenshtein(left: str, right: str) -> int:
    """Number of single-character insertions, deletions or substitutions."""
    return int(Levenshtein.distance(left, right))


def within_one_edit(left: str, right: str) -> bool:
    """True when the two strings are equal or one edit apart."""
    # score_cutoff lets rapidfuzz stop as soon as the distance exceeds 1.
    return int(Levenshtein.distance(left, right, score_cutoff=1)) <= 1


def jaro_winkler(left: str, right: str) -> float:
    """Jaro-Winkler similarity in [0, 1]; 1.0 means identical."""
    return float(JaroWinkler.similarity(left, right))


def data_rows(filename: str) -> Iterator[dict[str, str]]:
    """Yield the rows of a CSV table shipped in ``matchgate/data`` as dicts.

    The only reading this stage does: package data, located through
    importlib.resources so it works from a wheel or a zip as well as a checkout.
    Blank lines and lines starting with ``#`` are skipped so tables can carry
    comments about where their entries come from.
    """
    text = resources.files("matchgate").joinpath("data", filename).read_text(encoding="utf-8")
    lines = (line for line in io.StringIO(text) if line.strip() and not line.startswith("#"))
    for row in csv.DictReader(lines):
        yield {key: (cell or "").strip() for key, cell in row.items()}
