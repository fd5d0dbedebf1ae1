"""Statute citations: parse a U.S. Code citation and decide whether an agreement covers it.

In: the ``statute`` cell of a request (free text such as ``8 usc §1326(a)``)
and the agreement's list of allowed statutes (as written in the agreement).
Out: a :class:`ParsedStatute` (title, section, subsection chain) and a yes/no
for R03. Pure.

Coverage rule (FORMATS.md §4): an allowed entry with subsections covers that
subsection and its sub-parts (``1253(a)(1)`` covers ``1253(a)(1)(A)`` but not
bare ``1253`` nor ``1253(a)``); an entry without subsections covers the whole
section (``1326`` covers ``1326(a)``). The title must be equal. Anything that
does not parse as a U.S. Code citation is not covered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ParsedStatute", "normalise_statute", "statute_covered"]

# One pattern for the spellings requesters actually write: "8 U.S.C. 1253(a)(1)",
# "8 USC 1253(a)(1)", "8 U S C § 1253 (a) (1)", "8 United States Code section 1326".
# The section sign may be doubled (§§) or spelled out; dots and spaces are noise.
_CITATION = re.compile(
    r"""
    ^\s*
    (?:TITLE\s+)?(?P<title>[0-9]{1,3})\s*,?\s*
    (?:U\s*\.?\s*S\s*\.?\s*C\s*\.?(?:\s*A\s*\.?)?|UNITED\s+STATES\s+CODE(?:\s+ANNOTATED)?)
    \s*,?\s*
    (?:§{1,2}|SECTIONS?\b|SECS?\b\.?)?\s*
    (?P<section>[0-9]+[A-Z]{0,2}(?:-[0-9]+[A-Z]?)?)\b
    (?P<subsections>(?:\s*\(\s*[A-Z0-9]{1,6}\s*\))*)
    \s*\.?\s*$
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SUBSECTION = re.compile(r"\(\s*([A-Za-z0-9]+)\s*\)")


@dataclass(frozen=True)
class ParsedStatute:
    """A U.S. Code citation: ``title`` U.S.C. ``section`` ``(sub)(sub)...``.

    ``section`` is upper-cased (``1324A``); subsections keep the case written,
    because ``(A)`` and ``(a)`` name different levels in the Code's outline.
    """

    title: int
    section: str
    subsections: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        """The citation in one spelling: ``8 U.S.C. 1253(a)(1)``."""
        subs = "".join(f"({s})" for s in self.subsections)
        return f"{self.title} U.S.C. {self.section}{subs}"

    def covers(self, other: ParsedStatute) -> bool:
        """True when this (allowed) citation covers ``other`` (a requested one)."""
        if self.title != other.title or self.section != other.section:
            return False
        depth = len(self.subsections)
        if len(other.subsections) < depth:
            return False
        # Case-insensitive per position: a requester writing (A) for (a) at the
        # subsection level means the same provision; positions never mix levels.
        mine = tuple(s.casefold() for s in self.subsections)
        theirs = tuple(s.casefold() for s in other.subsections[:depth])
        return mine == theirs


# A batch repeats a handful of spellings thousands of times, and every row is
# checked against the same allowed list: parse each distinct string once.
@lru_cache(maxsize=4096)
def normalise_statute(text: str | None) -> ParsedStatute | None:
    """Parse a U.S. Code citation, or None when the text is empty or not one.

    ``"8 U.S.C. § 1253(a)(1)"`` -> ``ParsedStatute(8, "1253", ("a", "1"))``;
    ``"INA 243"`` and other non-U.S.C. references -> ``None``.
    """
    if text is None:
        return None
    # \s in the pattern also matches the non-breaking spaces that text pasted
    # from word processors carries around "§".
    match = _CITATION.match(text)
    if match is None:
        return None
    subsections = tuple(_SUBSECTION.findall(match.group("subsections")))
    return ParsedStatute(
        title=int(match.group("title")),
        section=match.group("section").upper(),
        subsections=subsections,
    )


def statute_covered(requested: str | None, allowed: Sequence[str]) -> bool:
    """True when the requested citation is covered by one of the allowed citations.

    ``allowed`` holds citations as written in the agreement; an entry that
    does not parse covers nothing (the agreement schema rejects such entries).
    """
    wanted = normalise_statute(requested)
    if wanted is None:
        return False
    for entry in allowed:
        parsed = normalise_statute(entry)
        if parsed is not None and parsed.covers(wanted):
            return True
    return False
