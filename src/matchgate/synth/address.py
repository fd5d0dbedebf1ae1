"""Physical addresses and how people write them (synth stage, pure).

In: a `random.Random` and city indexes into `places.CITIES`. Out:
`Address` records held in an `AddressBook` (ids are list positions), and
street lines rendered in one of several filing styles ("842 East 1700
South", "1234 N. Main St., #5", "w123n4567 main st", ...).

One `Address` is one physical place. The book guarantees that no two
addresses share (city, house number, street name), so whatever style or
unit omission a request uses, it can only match the address it was
rendered from (the street list has no two names one edit apart either).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple, TypeVar

from matchgate.synth.places import (
    CITIES,
    DIRECTIONAL_WORDS,
    NUMBERED_STREETS,
    ORDINAL_WORDS,
    QUEENS_STREETS,
    STREET_NAMES,
    SUFFIX_WEIGHTS,
    SUFFIX_WORDS,
)

T = TypeVar("T")

# Filing styles of a street line.
USPS, FULL, MIXED, PUNCT, LOWER, FULL_UPPER = range(6)
STYLE_WEIGHTS = (34, 14, 26, 10, 4, 12)

_SUFFIXES = tuple(SUFFIX_WORDS)
_SUFFIX_CUM = tuple(sum(SUFFIX_WEIGHTS[: i + 1]) for i in range(len(SUFFIX_WEIGHTS)))
_STREET_SET = frozenset(STREET_NAMES)
_LETTERS = "ABCDEFGHIJKLMNOPRSTUVWY"
_PERPENDICULAR = {"N": "EW", "S": "EW", "E": "NS", "W": "NS"}


class Address(NamedTuple):
    """One physical address, components in USPS (Pub 28) canonical form."""

    number: str  # "842", "W123N4567", "123-45", "123 1/2"
    predir: str  # "", "N", ... (directional before the name)
    name: str  # "MAIN", "1700", "37TH", "SANTA FE"
    suffix: str  # "", "ST", "AVE", ...
    postdir: str  # "", "S", "NW", ...
    unit_type: str  # "", "APT", "UNIT"
    unit: str  # "", "5", "12B"
    city: int  # index into CITIES
    zip5: str
    plus4: str  # always known here; rows and requests decide whether to show it


class AddressBook:
    """Allocates distinct addresses; `items[i]` is address id i."""

    def __init__(self, rng: random.Random) -> None:
        self.items: list[Address] = []
        self._rng = rng
        self._keys: set[tuple[int, str, str]] = set()

    def new(self, city: int) -> int:
        """A fresh address in `city` that shares (number, street name) with no other; its id."""
        while True:
            addr = _draw(self._rng, city)
            key = (city, addr.number, addr.name)
            if key not in self._keys:
                self._keys.add(key)
                self.items.append(addr)
                return len(self.items) - 1

    def unused_like(self, city: int) -> Address:
        """An address in `city` that is on file for nobody (not added to the book)."""
        while True:
            addr = _draw(self._rng, city)
            if (city, addr.number, addr.name) not in self._keys:
                return addr


def _house_number(rand: Callable[[], float]) -> str:
    # Log-uniform: most house numbers have 3-4 digits, some 2 or 5.
    return str(int(10 ** (0.9 + 3.5 * rand())))


def _draw(rng: random.Random, city: int) -> Address:
    # rng.random() with int() instead of randint/choice: ~200k addresses per
    # large run, and randint costs several times more.
    rand = rng.random

    def ri(lo: int, hi: int) -> int:
        return lo + int(rand() * (hi - lo + 1))

    def pick(seq: Sequence[T]) -> T:
        return seq[int(rand() * len(seq))]

    c = CITIES[city]
    zip5 = f"{c.zip3}{ri(c.lo, c.hi):02d}"
    plus4 = f"{ri(1, 9999):04d}"
    unit_type, unit = "", ""
    if rand() < 0.18:
        unit_type = "APT" if rand() < 0.8 else "UNIT"
        r = rand()
        unit = (
            str(ri(1, 40))
            if r < 0.7
            else f"{ri(1, 30)}{pick('ABCD')}"
            if r < 0.9
            else pick("ABCDEF")
        )
    form = c.form
    if form == "grid" and rand() < 0.6:
        # Utah grid: 842 E 1700 S (numeric street name, both directionals).
        predir = pick("NSEW")
        return Address(
            str(ri(10, 98) * 10 + ri(0, 9)),
            predir,
            str(ri(1, 98) * 100),
            "",
            pick(_PERPENDICULAR[predir]),
            unit_type,
            unit,
            city,
            zip5,
            plus4,
        )
    if form == "queens" and rand() < 0.85:
        name, suffix = pick(QUEENS_STREETS)
        number = f"{ri(30, 250)}-{ri(1, 99):02d}"
        return Address(number, "", name, suffix, "", unit_type, unit, city, zip5, plus4)
    if form == "wi" and rand() < 0.5:
        # Waukesha County grid numbers: W123N4567 or N84W15787.
        number = (
            f"W{ri(100, 399)}N{ri(1000, 9999)}"
            if rand() < 0.6
            else f"N{ri(10, 99)}W{ri(10000, 29999)}"
        )
    else:
        number = _house_number(rand)
        if rand() < 0.006:
            number += " 1/2"
    name = pick(NUMBERED_STREETS) if rand() < 0.14 else pick(STREET_NAMES)
    # Grid numbers (W123N4567) already carry the directions.
    predir = pick("NSEW") if rand() < 0.15 and number[0].isdigit() else ""
    postdir = pick(("NW", "NE", "SE", "SW")) if rand() < 0.03 else ""
    suffix = _SUFFIXES[bisect(_SUFFIX_CUM, rand() * _SUFFIX_CUM[-1])]
    return Address(number, predir, name, suffix, postdir, unit_type, unit, city, zip5, plus4)


def _cap(word: str) -> str:
    """Title-case one word without touching digits' neighbours (37TH -> 37th, not 37Th)."""
    if not word or not word[0].isalpha():
        return word.lower()
    return word[0] + word[1:].lower()


@lru_cache(maxsize=8192)
def _title(text: str) -> str:
    return " ".join(_cap(w) for w in text.split(" "))


def render_street(addr: Address, style: int, *, unit: bool = True) -> str:
    """The street line of `addr` written in `style`; `unit=False` omits the unit."""
    number = addr.number
    parts: list[str] = [number if style != LOWER else number.lower()]
    full = style in (FULL, FULL_UPPER)
    if addr.predir:
        parts.append(_dir(addr.predir, style))
    name = addr.name
    if full and name in ORDINAL_WORDS:
        name = ORDINAL_WORDS[name].upper()
    parts.append(_word(name, style))
    if addr.suffix:
        sfx = SUFFIX_WORDS[addr.suffix].upper() if full else addr.suffix
        parts.append(_word(sfx, style) + ("." if style == PUNCT and sfx != "WAY" else ""))
    if addr.postdir:
        parts.append(_dir(addr.postdir, style))
    if unit and addr.unit:
        if style == PUNCT:
            parts[-1] += ","
            parts.append(f"#{addr.unit}" if addr.unit_type == "APT" else f"Unit {addr.unit}")
        else:
            utype = "APARTMENT" if full and addr.unit_type == "APT" else addr.unit_type
            parts.append(f"{_word(utype, style)} {addr.unit}")
    return " ".join(parts)


def _dir(d: str, style: int) -> str:
    if style in (FULL, FULL_UPPER):
        return _word(DIRECTIONAL_WORDS[d].upper(), style)
    if style == LOWER:
        return d.lower()
    # Abbreviated directionals stay upper case (Nw would read as a word).
    return d + "." if style == PUNCT and len(d) == 1 else d


def _word(text: str, style: int) -> str:
    if style in (USPS, FULL_UPPER):
        return text
    if style == LOWER:
        return text.lower()
    return _title(text)


def typo(name: str, rng: random.Random) -> str | None:
    """One edit (substitute, delete or insert a letter, never the first) in a street
    name of six or more letters; None when the name is unsuitable. The result is
    never another listed street name."""
    if len(name) < 6 or not name.isalpha() or name not in _STREET_SET:
        return None
    for _ in range(10):
        pos = rng.randint(1, len(name) - 1)
        op = rng.random()
        if op < 0.6:
            new = name[:pos] + rng.choice(_LETTERS) + name[pos + 1 :]
        elif op < 0.8:
            new = name[:pos] + name[pos + 1 :]
        else:
            new = name[:pos] + rng.choice(_LETTERS) + name[pos:]
        if new != name and new not in _STREET_SET:
            return new
    return None
