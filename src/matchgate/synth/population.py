"""Invented taxpayers grouped in households (synth stage, pure).

In: a target number of taxpayers and a `random.Random`. Out: a `Population`
with one column list per taxpayer attribute (names as filed, DOB, name
group), the households (members and home city) and the planted hard pairs:
JR/SR father and son (same given name, same address), twins (same DOB,
similar given names), and namesakes (same first and last name in one city,
different households). TINs are assigned separately (`tins.assign_tins`).

Name conventions follow US filing practice in eleven name groups
(names_pool.GROUP_LABELS): Hispanic households lead (two surnames, particles,
accents as filed), Korean, Chinese and Vietnamese surnames cluster heavily,
Filipino and Haitian filers often carry two-part given names; names are
Zipf-weighted within each pool.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from matchgate.synth import names_pool as npool
from matchgate.synth.namefit import strip_accents
from matchgate.synth.places import CITIES

_KINDS = ("single", "couple", "family", "jr_sr", "twins", "siblings", "roommates")
_KIND_CUM = (36, 60, 80, 85, 88, 94, 100)
_GROUP_CUM = tuple(sum(npool.GROUP_MIX[: i + 1]) for i in range(len(npool.GROUP_MIX)))
# Share of filers with a two-part given name filed as their first name.
_COMPOUND_SHARE = {npool.HISPANIC: 0.08, npool.FILIPINO: 0.2, npool.HAITIAN: 0.2}
_NO_SUFFIX_GROUPS = frozenset(
    {npool.VIETNAMESE, npool.KOREAN, npool.CHINESE, npool.ARABIC, npool.SOUTH_ASIAN}
)
# Share of wives filing under their own surname, by group (others: 0.15).
_WIFE_OWN_SURNAME = {
    npool.HISPANIC: 0.65, npool.KOREAN: 0.9, npool.VIETNAMESE: 0.8, npool.CHINESE: 0.6,
    npool.ARABIC: 0.5,
}  # fmt: skip
_NAMESAKE_SHARE = 0.06  # single households that copy a same-city person's first+last name


def _cum(values: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for v in values:
        total += v
        out.append(total)
    return out


def _zipf(n: int, s: float, offset: int) -> list[float]:
    """Cumulative Zipf-like weights 1/(rank+offset)^s: the offset keeps the top
    name near its real share (GARCIA ~4% of Hispanic filers, not 20%)."""
    return _cum([1.0 / (i + offset) ** s for i in range(n)])


@dataclass
class Population:
    """Taxpayers as parallel columns (index = person id) plus household structure."""

    first: list[str] = field(default_factory=list)
    middle: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    suffix: list[str] = field(default_factory=list)
    dob: list[str] = field(default_factory=list)  # "" when not on file
    group: list[int] = field(default_factory=list)  # names_pool group code
    sex: list[str] = field(default_factory=list)  # "M" / "F"
    household: list[int] = field(default_factory=list)
    hh_members: list[list[int]] = field(default_factory=list)
    hh_city: list[int] = field(default_factory=list)
    jr_sr_pairs: list[tuple[int, int]] = field(default_factory=list)  # (father, son)
    twin_pairs: list[tuple[int, int]] = field(default_factory=list)
    tin: list[str] = field(default_factory=list)
    tin_type: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.first)


class NameDrawer:
    """Draws invented names and birth dates from the pools (also used for people not on file)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools: dict[tuple[int, str], tuple[tuple[str, ...], list[float]]] = {}
        for g, (male, female, surnames, _, _) in enumerate(npool.POOLS):
            (gs, go), (ss, so) = npool.ZIPF[g]
            self.pools[(g, "M")] = (male, _zipf(len(male), gs, go))
            self.pools[(g, "F")] = (female, _zipf(len(female), gs, go))
            self.pools[(g, "S")] = (surnames, _zipf(len(surnames), ss, so))

    def group(self) -> int:
        """A name group drawn with the household mix (names_pool.GROUP_MIX)."""
        return bisect(_GROUP_CUM, self.rng.random() * _GROUP_CUM[-1])

    def pick(self, group: int, kind: str) -> str:
        """A Zipf-weighted entry of pool (group, kind); kind is "M", "F" or "S" (surname)."""
        pool, cum = self.pools[(group, kind)]
        return pool[bisect(cum, self.rng.random() * cum[-1])]

    def given(self, group: int, sex: str) -> str:
        r = self.rng.random()
        if r < _COMPOUND_SHARE.get(group, 0.0):
            return self.rng.choice(npool.POOLS[group][3 if sex == "M" else 4])
        return self.pick(group, sex)

    def middle_for(self, group: int, sex: str, first: str) -> str:
        r = self.rng.random()
        if group in (npool.KOREAN, npool.CHINESE):
            return ""
        if group == npool.VIETNAMESE:
            if r >= 0.25:
                return ""
            return self.rng.choice(
                npool.ASIAN_MIDDLE_MALE if sex == "M" else npool.ASIAN_MIDDLE_FEMALE
            )
        if r >= {npool.HISPANIC: 0.22, npool.ANGLO: 0.55, npool.FILIPINO: 0.4}.get(group, 0.2):
            return ""
        m = self.pick(group, sex)
        if m == first or m in first.split():
            return ""
        # Some filers give only the middle initial.
        return m[0] if group == npool.ANGLO and self.rng.random() < 0.2 else m

    def surname(self, group: int) -> str:
        """A filed last name for a person heading a new line (not inheriting one)."""
        p = self.pick(group, "S")
        if group != npool.HISPANIC:
            return p
        r = self.rng.random()
        if r < 0.44:
            m = self.pick(group, "S")
            if m != p:
                return f"{p}-{m}" if r < 0.04 else f"{p} {m}"
        return p

    def dob(self, year: int) -> str:
        if self.rng.random() < 0.06:
            return ""
        return dt.date.fromordinal(
            dt.date(year, 1, 1).toordinal() + self.rng.randint(0, 364)
        ).isoformat()


class _Builder:
    """Builds one Population; one instance per `build_population` call."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = NameDrawer(rng)
        self.pop = Population()
        self.city_people: list[list[int]] = [[] for _ in CITIES]
        by_region = [
            _cum([c.w_hispanic for c in CITIES]),
            _cum([c.w_asian for c in CITIES]),
            _cum([c.w_other for c in CITIES]),
        ]
        self.city_cum = [by_region[region] for region in npool.REGION]

    # -- people and households ---------------------------------------------------------

    def add(
        self,
        hh: int,
        group: int,
        first: str,
        middle: str,
        last: str,
        suffix: str,
        dob: str,
        sex: str = "",
    ) -> int:
        """Append one person; accents are kept as filed only by some filers."""
        keep = self.rng.random() < (0.35 if group == npool.HISPANIC else 0.5)
        if not keep:
            first, middle, last = strip_accents(first), strip_accents(middle), strip_accents(last)
        p = self.pop
        pid = len(p.first)
        p.first.append(first)
        p.middle.append(middle)
        p.last.append(last)
        p.suffix.append(suffix)
        p.dob.append(dob)
        p.group.append(group)
        p.sex.append(sex or self._sex_of(group, first))
        p.household.append(hh)
        p.hh_members[hh].append(pid)
        self.city_people[p.hh_city[hh]].append(pid)
        return pid

    @staticmethod
    def _sex_of(group: int, first: str) -> str:
        pools = npool.POOLS[group]
        return "M" if first in pools[0] or first in pools[3] else "F"

    def person(self, hh: int, group: int, sex: str, last: str, year: int, suffix: str = "") -> int:
        first = self.names.given(group, sex)
        may_have_suffix = sex == "M" and group not in _NO_SUFFIX_GROUPS
        if not suffix and may_have_suffix and self.rng.random() < 0.02:
            suffix = self.rng.choice(npool.SUFFIXES_SINGLE[:3])
        return self.add(
            hh,
            group,
            first,
            self.names.middle_for(group, sex, first),
            last,
            suffix,
            self.names.dob(year),
            sex,
        )

    def household(self) -> None:
        rng = self.rng
        group = self.names.group()
        kind = _KINDS[bisect(_KIND_CUM, rng.random() * _KIND_CUM[-1])]
        hh = len(self.pop.hh_members)
        self.pop.hh_members.append([])
        cum = self.city_cum[group]
        self.pop.hh_city.append(bisect(cum, rng.random() * cum[-1]))
        base = rng.randint(1948, 1992)
        sex = rng.choice("MF")
        if kind == "single":
            if rng.random() < _NAMESAKE_SHARE and self._namesake(hh, base):
                return
            self.person(hh, group, sex, self.names.surname(group), base)
        elif kind in ("couple", "family"):
            self._couple(hh, group, base, children=kind == "family")
        elif kind == "jr_sr":
            self._jr_sr(hh, group, base)
        elif kind == "twins":
            self._twins(hh, group, base)
        elif kind == "siblings":
            last = self.names.surname(group)
            for _ in range(rng.randint(2, 3)):
                self.person(hh, group, rng.choice("MF"), last, base + rng.randint(0, 8))
        else:  # unrelated roommates, each with their own name group
            for _ in range(rng.randint(2, 3)):
                g = self.names.group()
                self.person(hh, g, rng.choice("MF"), self.names.surname(g), rng.randint(1960, 2003))

    def _namesake(self, hh: int, year: int) -> bool:
        """Copy first and last name of an earlier same-city person (another household)."""
        same_city = self.city_people[self.pop.hh_city[hh]]
        if not same_city:
            return False
        other = self.rng.choice(same_city)
        p = self.pop
        dob = self.names.dob(year)
        if dob and dob == p.dob[other]:
            dob = self.names.dob(year + 3)
        self.add(hh, p.group[other], p.first[other], "", p.last[other], "", dob, p.sex[other])
        return True

    def _couple(self, hh: int, group: int, year: int, *, children: bool) -> None:
        rng = self.rng
        husband_last = self.names.surname(group)
        self.person(hh, group, "M", husband_last, year)
        own = self.names.surname(group)
        paternal = husband_last.replace("-", " ").split(" ")[0]
        if group == npool.HISPANIC:
            wife_last = own if rng.random() < 0.65 else paternal
        elif group in _WIFE_OWN_SURNAME:
            wife_last = own if rng.random() < _WIFE_OWN_SURNAME[group] else husband_last
        else:
            r = rng.random()
            wife_last = husband_last if r < 0.75 else own if r < 0.9 else f"{husband_last}-{own}"
        wife_year = year + rng.randint(-3, 6)
        self.person(hh, group, "F", wife_last, wife_year)
        if not children:
            return
        mother_first = wife_last.replace("-", " ").split(" ")[0]
        for _ in range(rng.randint(1, 3)):
            last = paternal
            if group == npool.HISPANIC and rng.random() < 0.55 and mother_first != paternal:
                last = f"{paternal} {mother_first}"
            elif group != npool.HISPANIC:
                last = husband_last
            self.person(
                hh, group, rng.choice("MF"), last, min(wife_year + rng.randint(18, 34), 2005)
            )

    def _jr_sr(self, hh: int, group: int, year: int) -> None:
        rng = self.rng
        last = self.names.surname(group)
        first = self.names.given(group, "M")
        senior, junior = (
            ("II", "III") if rng.random() < 0.1 else ("SR" if rng.random() < 0.55 else "", "JR")
        )
        middle = self.names.middle_for(group, "M", first)
        father = self.add(hh, group, first, middle, last, senior, self.names.dob(year), "M")
        son_middle = middle if rng.random() < 0.5 else self.names.middle_for(group, "M", first)
        son_year = min(year + rng.randint(20, 38), 2005)
        son = self.add(hh, group, first, son_middle, last, junior, self.names.dob(son_year), "M")
        self.pop.jr_sr_pairs.append((father, son))
        if rng.random() < 0.5:
            self.person(hh, group, "F", last.split(" ")[0], year + rng.randint(-2, 5))

    def _twins(self, hh: int, group: int, year: int) -> None:
        rng = self.rng
        pairs = {
            npool.HISPANIC: npool.TWIN_PAIRS_HISPANIC,
            npool.FILIPINO: npool.TWIN_PAIRS_HISPANIC,
            npool.KOREAN: npool.TWIN_PAIRS_ASIAN,
            npool.VIETNAMESE: npool.TWIN_PAIRS_ASIAN,
            npool.ARABIC: npool.TWIN_PAIRS_ARABIC,
        }.get(group, npool.TWIN_PAIRS_OTHER)
        a, b = rng.choice(pairs)
        if rng.random() < 0.5:
            a, b = b, a
        last = self.names.surname(group)
        if rng.random() < 0.5:
            self.person(hh, group, rng.choice("MF"), last, year)
        kids_year = min(year + rng.randint(19, 32), 2005)
        dob = self.names.dob(kids_year) or self.names.dob(
            kids_year
        )  # twins share a DOB; rarely empty
        t1 = self.add(hh, group, a, "", last, "", dob)
        t2 = self.add(hh, group, b, "", last, "", dob)
        self.pop.twin_pairs.append((t1, t2))


def build_population(n: int, rng: random.Random) -> Population:
    """About `n` invented taxpayers (exactly n: the last household is trimmed) in households."""
    b = _Builder(rng)
    while len(b.pop) < n:
        b.household()
    pop = b.pop
    if len(pop) > n:
        _trim(pop, n)
    return pop


def _trim(pop: Population, n: int) -> None:
    """Drop people beyond the first n (only the last household can be affected)."""
    columns = (pop.first, pop.middle, pop.last, pop.suffix, pop.dob, pop.group, pop.sex)
    for col in (*columns, pop.household):
        del col[n:]
    last_hh = pop.household[-1]
    pop.hh_members[last_hh] = [m for m in pop.hh_members[last_hh] if m < n]
    del pop.hh_members[last_hh + 1 :]
    del pop.hh_city[last_hh + 1 :]
    pop.jr_sr_pairs = [(a, b) for a, b in pop.jr_sr_pairs if b < n]
    pop.twin_pairs = [(a, b) for a, b in pop.twin_pairs if b < n]
