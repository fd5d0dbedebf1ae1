"""Address history and the addresses table (synth stage, pure).

In: a `Population` (with TINs), an `AddressBook` and a `random.Random`.
Out: `Filings`, the rows of the FORMATS.md §1 addresses table in file order
(tax year ascending, then taxpayer) with the physical address id behind each
row, each taxpayer's last known address (LKA) computed by `lka_rows`
exactly as FORMATS.md §1 defines it, and who is on file at each address.

What the history contains, and why (each is a case the matcher must get
right): households move 0-2 times in 2019-2024, and some members move out
on their own; people skip years, start filing late or stop; a
CHANGE_OF_ADDRESS row in the year before a move ties with that year's
RETURN (the COA wins the LKA); amended returns repeat a year with another
address (the later file row wins); INFO_RETURN and W7 rows add addresses
that count for matching but never set the LKA, including newer addresses
of people who stopped filing; some taxpayers have only W7/INFO_RETURN rows
(no LKA) and a few have no address row at all.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from matchgate.synth.address import STYLE_WEIGHTS, AddressBook, render_street
from matchgate.synth.places import CITIES
from matchgate.synth.population import Population

RETURN = "RETURN"
COA = "CHANGE_OF_ADDRESS"
W7 = "W7"
INFO = "INFO_RETURN"
FIRST_YEAR, LAST_YEAR = 2019, 2024
_N_YEARS = LAST_YEAR - FIRST_YEAR + 1
_STYLE_CUM = tuple(sum(STYLE_WEIGHTS[: i + 1]) for i in range(len(STYLE_WEIGHTS)))
_CITY_CUM = tuple(
    sum(c.w_hispanic + c.w_asian + c.w_other for c in CITIES[: i + 1]) for i in range(len(CITIES))
)

K = TypeVar("K", bound=Hashable)


def lka_rows(keys: Sequence[K], years: Sequence[int], sources: Sequence[str]) -> dict[K, int]:
    """Index of each taxpayer's LKA row (FORMATS.md §1); taxpayers without one are absent.

    The RETURN or CHANGE_OF_ADDRESS row with the greatest tax_year; in a tie
    CHANGE_OF_ADDRESS wins; still tied (same year and source), the later row.
    """
    best: dict[K, tuple[int, int, int]] = {}
    for i, (key, year, source) in enumerate(zip(keys, years, sources, strict=True)):
        if source != RETURN and source != COA:
            continue
        rank = (year, 1 if source == COA else 0, i)
        cur = best.get(key)
        if cur is None or rank > cur:
            best[key] = rank
    return {k: v[2] for k, v in best.items()}


@dataclass
class Filings:
    """The addresses table as columns (file order) plus per-person address facts."""

    person: list[int] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    aid: list[int] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    street: list[str] = field(default_factory=list)
    city: list[str] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    zip: list[str] = field(default_factory=list)
    lka_aid: list[int] = field(default_factory=list)  # per person; -1 = no LKA
    person_aids: list[list[int]] = field(default_factory=list)  # distinct, per person
    return_aids: list[list[int]] = field(default_factory=list)  # those with RETURN/COA rows
    residents: dict[int, list[int]] = field(default_factory=dict)  # aid -> people on file there


class _History:
    """Draws each taxpayer's rows; keeps LKA and address facts as it goes (one pass)."""

    def __init__(self, book: AddressBook, rng: random.Random, n_people: int) -> None:
        self.book = book
        self.rng = rng
        # Per year: (person, address id, source, (street, city, state, zip) as written).
        self.by_year: list[list[tuple[int, int, str, tuple[str, str, str, str]]]] = [
            [] for _ in range(_N_YEARS)
        ]
        self.lka_aid = [-1] * n_people
        self.person_aids: list[list[int]] = [[] for _ in range(n_people)]
        self.return_aids: list[list[int]] = [[] for _ in range(n_people)]
        self.residents: dict[int, list[int]] = {}

    def nearby(self, aid: int) -> int:
        """A new address, usually in the same city as `aid`."""
        city = self.book.items[aid].city
        if self.rng.random() < 0.15:
            city = bisect(_CITY_CUM, self.rng.random() * _CITY_CUM[-1])
        return self.book.new(city)

    def household_years(self, city: int) -> list[int]:
        """Address id per year for a household: 1-3 addresses, moves in 2020-2024."""
        rng = self.rng
        seq = [self.book.new(city)] * _N_YEARS
        r = rng.random()
        starts = [] if r < 0.55 else [rng.randint(1, _N_YEARS - 1)]
        if r >= 0.88:
            other = rng.randint(1, _N_YEARS - 2)
            starts.append(other if other < starts[0] else other + 1)
        for start in sorted(starts):
            new = self.nearby(seq[start - 1])
            for i in range(start, _N_YEARS):
                seq[i] = new
        return seq

    def person(self, p: int, years: list[int], itin: bool, alone: bool) -> None:
        """Draw p's rows as (year index, address id, source) in p's own file order."""
        rand = self.rng.random  # hot loop: ~200k people x 6 years
        randint = self.rng.randint
        if rand() < 0.004:
            return  # on file without any address row
        if not alone and rand() < 0.12:  # moves out of the household
            new, start = self.nearby(years[0]), randint(1, _N_YEARS - 1)
            years = years[:start] + [new] * (_N_YEARS - start)
        no_return = rand() < (0.15 if itin else 0.015)
        start = 0 if rand() < 0.85 else randint(1, 4)
        stop = _N_YEARS - 1 if rand() >= 0.06 else randint(start, _N_YEARS - 2)
        p_file = 0.75 if itin else 0.88
        p_info = 0.6 if no_return else 0.12
        amended = randint(start, stop) if rand() < 0.01 else -1
        mine: list[tuple[int, int, str]] = []
        add = mine.append
        for i in range(start, stop + 1):
            here = years[i]
            if not no_return and (rand() < p_file or (i == stop and not mine)):
                add((i, here, RETURN))
                if i == amended:
                    add((i, self.nearby(here), RETURN))
            if not no_return and i + 1 < _N_YEARS and years[i + 1] != here and rand() < 0.3:
                add((i, years[i + 1], COA))  # ties the RETURN of year i; COA wins
            if rand() < p_info:
                r = rand()
                info = (
                    here if r < 0.7 or i == 0 else years[i - 1] if r < 0.85 else self.nearby(here)
                )
                add((i, info, INFO))
            if itin and i == start and rand() < 0.8:
                add((i, here if rand() < 0.85 else self.nearby(here), W7))
        if stop < _N_YEARS - 1 and rand() < 0.5:
            # Stopped filing, moved; only payors report the new address (never the LKA).
            new = self.nearby(years[stop])
            for i in range(stop + 1, _N_YEARS):
                if rand() < 0.6:
                    add((i, new, INFO))
        if not mine:
            add((start, years[start], INFO))
        self._record(p, mine)

    def _record(self, p: int, mine: list[tuple[int, int, str]]) -> None:
        """File p's rows and derive p's LKA exactly as `lka_rows` would from the table:
        p's rows within one year keep their order in the file, so ">=" on (year, COA)
        lets the later row win a full tie."""
        by_year, residents = self.by_year, self.residents
        aids, capable = self.person_aids[p], self.return_aids[p]
        best, lka = (-1, False), -1
        # A taxpayer writes an address the same way each year; payors write it their way.
        written: dict[int, tuple[str, str, str, str]] = {}
        for i, aid, source in mine:
            key = 2 * aid + (source == INFO)
            cells = written.get(key)
            if cells is None:
                cells = written[key] = _render_row(self.book, aid, self.rng)
            by_year[i].append((p, aid, source, cells))
            if aid not in aids:
                aids.append(aid)
                residents.setdefault(aid, []).append(p)
            if source in (RETURN, COA):
                rank = (i, source == COA)
                if rank >= best:
                    best, lka = rank, aid
                if aid not in capable:
                    capable.append(aid)
        self.lka_aid[p] = lka


def build_filings(pop: Population, book: AddressBook, rng: random.Random) -> Filings:
    """Address rows for every taxpayer, in file order, with LKA and residents computed."""
    hist = _History(book, rng, len(pop))
    for hh, members in enumerate(pop.hh_members):
        years = hist.household_years(pop.hh_city[hh])
        for p in members:
            hist.person(p, years, pop.tin_type[p] == "ITIN", len(members) == 1)
    rows = [row for year_rows in hist.by_year for row in year_rows]
    return Filings(
        person=[r[0] for r in rows],
        year=[FIRST_YEAR + offset for offset, yr in enumerate(hist.by_year) for _ in yr],
        aid=[r[1] for r in rows],
        source=[r[2] for r in rows],
        street=[r[3][0] for r in rows],
        city=[r[3][1] for r in rows],
        state=[r[3][2] for r in rows],
        zip=[r[3][3] for r in rows],
        lka_aid=hist.lka_aid,
        person_aids=hist.person_aids,
        return_aids=hist.return_aids,
        residents=hist.residents,
    )


def _render_row(book: AddressBook, aid: int, rng: random.Random) -> tuple[str, str, str, str]:
    addr = book.items[aid]
    city = CITIES[addr.city]
    rand = rng.random
    style = bisect(_STYLE_CUM, rand() * _STYLE_CUM[-1])
    city_name = city.name if rand() < 0.92 else city.name.title()
    zip_code = f"{addr.zip5}-{addr.plus4}" if rand() < 0.25 else addr.zip5
    return render_street(addr, style), city_name, city.state, zip_code
