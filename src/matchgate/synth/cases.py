"""Request builders for every non-REJECTED category (synth stage, pure).

In: a `World` and the person, pair or address a case is built around.
Out: a `Planned` row with its truth, or None when that candidate cannot
carry the case (the caller then tries another candidate).

Categories (truth `category` -> `expected`):
- genuine_current / genuine_prior / genuine_no_lka / namesake_city -> VERIFIABLE:
  the named person is on file, the address given is one of theirs (the
  LKA, an older one, or any one for a person without LKA), written with
  the noise FORMATS.md §4 says must still match. If the request's name
  also fits another person on file at that address, the correct TIN is
  added, so VERIFIABLE rows are always unique.
  A share of genuine requests write the name under one variant kind
  (synth.variants: transliteration, typo, particle, order swap, compound
  given name, anglicised); truth `name_variant` names the kind.
- not_on_file, address_not_on_file, borrowed_tin, dob_conflict,
  relative_not_on_file -> NOT_VERIFIABLE (the answer must be NO_MATCH).
- relative_variant_not_on_file (ELIZABETH MARTIN asked where LISA MARTIN is
  on file at that address: a relative the custodian has never seen) and
  near_name_not_on_file (DANIEL asked where DANIELA is on file there: another
  real person one letter away) -> NOT_VERIFIABLE: the named person is not on
  file, so VERIFIED would disclose someone else's address; a human may look
  (PENDING_REVIEW), nothing may go out automatically. Neither gives a TIN;
  both give the person's own DOB (never a resident's) as often as any request
  gives one (`SynthConfig.dob_share`): the requester does not know that the
  name it writes is a variant of a filer's, so it writes as it does for anyone.
  Without the DOB they are the hard trap (only the household's address links
  the names); with it, the DOB conflicts with the resident's.
- jr_sr_same_address, twins_same_address -> AMBIGUOUS (PENDING_REVIEW or
  NO_MATCH, never VERIFIED).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

from matchgate.standardise.spellings import same_name_spelling
from matchgate.synth import names_pool as npool
from matchgate.synth.namefit import clearly_other, fold, jaro_winkler, surname_units
from matchgate.synth.noise import request_address, request_name, request_tin
from matchgate.synth.variants import write_variant
from matchgate.synth.world import AMBIGUOUS, NOT_VERIFIABLE, VERIFIABLE, Planned, World, name_group

# Share of genuine requests whose name is written under one variant kind. The
# 2,400 name-variant requests of a 20,000-row exam (~18% of its genuine rows)
# set the scale; bench/accuracy.py reports every kind on its own.
VARIANT_SHARE = 0.18
_NICKNAME_GROUPS = npool.nickname_groups()


def _named(w: World, p: int, tags: list[str], *, full_noise: bool) -> dict[str, str]:
    pop = w.pop
    return request_name(
        pop.first[p],
        pop.middle[p],
        pop.last[p],
        pop.suffix[p],
        w.rng,
        tags,
        full_noise=full_noise,
    )


def verifiable(w: World, p: int, aid: int, category: str, *, full_noise: bool = True) -> Planned:
    """A genuine request about p at address `aid` (one of p's addresses on file)."""
    rng, pop = w.rng, w.pop
    tags: list[str] = []
    written = None
    if full_noise and rng.random() < VARIANT_SHARE:
        written = write_variant(
            pop.first[p], pop.middle[p], pop.last[p], pop.group[p], pop.sex[p], rng, tags
        )
    if written is None:
        fields = _named(w, p, tags, full_noise=full_noise)
    else:
        fields = request_name(
            written.first, written.middle, written.last, pop.suffix[p], rng, tags, full_noise=False
        )
        fields["aliases"] = written.aliases
    fields.update(request_address(w.book.items[aid], rng, tags, full_noise=full_noise))
    fields["dob"] = fields["tin"] = ""
    if pop.dob[p] and rng.random() < w.dob_share:
        fields["dob"] = pop.dob[p]
        tags.append("dob_given")
    elif not pop.dob[p] and rng.random() < 0.1:
        fields["dob"] = w.random_dob()  # a DOB given conflicts only with a different one on file
        tags.append("dob_not_on_file")
    if category != "namesake_city" and rng.random() < 0.25:
        fields["tin"] = request_tin(pop.tin[p], rng, tags)
        tags.append("tin_given")
    if (
        w.residents_fitting(aid, fields["first_name"], fields["last_name"], skip=p)
        and not fields["tin"]
    ):
        fields["tin"] = request_tin(pop.tin[p], rng, tags)
        tags.append("tin_added_for_uniqueness")
    if w.filings.lka_aid[p] < 0:
        tags.append("no_lka")
    elif w.only_w7_or_info(p, aid):
        tags.append("address_from_w7_or_info_return")
    return Planned(
        w.paperwork(fields),
        category,
        VERIFIABLE,
        true_tin=pop.tin[p],
        address_match=w.address_match(p, aid),
        name_group=name_group(pop.group[p], pop.last[p]),
        variants=tags,
        address_id=aid,
        name_variant=written.kind if written else "",
    )


def ambiguous_pair(w: World, pair: tuple[int, int], category: str) -> Planned | None:
    """Name one of two look-alike people sharing an address, with no TIN or suffix
    (and for JR/SR no DOB) to tell them apart."""
    a, b = pair
    shared = [x for x in w.filings.person_aids[a] if x in w.filings.person_aids[b]]
    if not shared:
        return None
    rng, pop = w.rng, w.pop
    aid = rng.choice(shared)
    target = rng.choice(pair)
    tags: list[str] = []
    fields = request_name(pop.first[target], "", pop.last[target], "", rng, tags, full_noise=False)
    if len(w.residents_fitting(aid, fields["first_name"], fields["last_name"])) < 2:
        return None
    fields.update(request_address(w.book.items[aid], rng, tags, full_noise=False))
    fields["tin"] = ""
    # Twins share a DOB, so giving it does not separate them; JR/SR get none.
    fields["dob"] = pop.dob[target] if category.startswith("twins") and rng.random() < 0.4 else ""
    if fields["dob"]:
        tags.append("dob_given")
    return Planned(
        w.paperwork(fields),
        category,
        AMBIGUOUS,
        true_tin=pop.tin[target],
        name_group=name_group(pop.group[target], pop.last[target]),
        variants=tags,
        address_id=aid,
    )


def not_on_file(w: World, city_hint: int) -> Planned:
    """Someone the custodian never saw: an invented name at an address nobody has on file,
    or (1 in 3) at an address on file where the name clearly fits no resident."""
    rng, names = w.rng, w.names
    group = names.group()
    sex = rng.choice("MF")
    first, last = names.given(group, sex), names.surname(group)
    tags: list[str] = []
    aid = -1
    if w.book.items and rng.random() < 1 / 3:
        # Kept plain (no nickname, no swap) so the check below holds for what is written.
        aid = rng.randrange(len(w.book.items))
        fields = request_name(first, "", last, "", rng, tags, full_noise=False)
        residents = w.filings.residents.get(aid, [])
        pop = w.pop
        if residents and all(
            clearly_other(fields["first_name"], pop.first[q], pop.middle[q]) for q in residents
        ):
            tags.append("address_on_file_for_others")
        else:
            aid = -1
    if aid < 0:
        tags = []
        middle = names.middle_for(group, sex, first)
        fields = request_name(first, middle, last, "", rng, tags, full_noise=True)
    addr = w.book.items[aid] if aid >= 0 else w.book.unused_like(city_hint)
    fields.update(request_address(addr, rng, tags, full_noise=False))
    fields["dob"] = w.random_dob() if rng.random() < w.dob_share else ""
    fields["tin"] = request_tin(w.spare_tin(), rng, tags) if rng.random() < 0.2 else ""
    if fields["tin"]:
        tags.append("tin_not_on_file")
    return Planned(
        w.paperwork(fields),
        "not_on_file",
        NOT_VERIFIABLE,
        name_group=name_group(group, last),
        variants=tags,
        address_id=aid,
    )


def address_not_on_file(w: World, p: int) -> Planned | None:
    """p is on file, but the address given is none of p's: a new place (moved where the
    custodian never saw) or another household's address where p's name fits nobody."""
    rng, pop = w.rng, w.pop
    aids = w.filings.person_aids[p]
    if not aids:
        return None
    tags: list[str] = []
    fields = _named(w, p, tags, full_noise=True)
    aid = -1
    if rng.random() < 0.25:
        aid = rng.randrange(len(w.book.items))
        if aid in aids or w.residents_fitting(aid, fields["first_name"], fields["last_name"]):
            aid = -1
        else:
            tags.append("other_household_address")
    city = w.book.items[rng.choice(aids)].city
    addr = w.book.items[aid] if aid >= 0 else w.book.unused_like(city)
    fields.update(request_address(addr, rng, tags, full_noise=False))
    fields["dob"] = pop.dob[p] if rng.random() < w.dob_share else ""
    fields["tin"] = ""
    if rng.random() < 0.4:  # REQ-17: name and TIN match, address does not -> NO_MATCH
        fields["tin"] = request_tin(pop.tin[p], rng, tags)
        tags.append("tin_given")
    return Planned(
        w.paperwork(fields),
        "address_not_on_file",
        NOT_VERIFIABLE,
        true_tin=pop.tin[p],
        name_group=name_group(pop.group[p], pop.last[p]),
        variants=tags,
        address_id=aid,
    )


def _unique_at(w: World, p: int, aid: int, tags: list[str]) -> dict[str, str] | None:
    """Request name and address for p at aid, or None if the name also fits someone else there."""
    fields = _named(w, p, tags, full_noise=True)
    if w.residents_fitting(aid, fields["first_name"], fields["last_name"], skip=p):
        return None
    fields.update(request_address(w.book.items[aid], w.rng, tags, full_noise=True))
    return fields


def borrowed_tin(w: World, p: int) -> Planned | None:
    """p's own name and address, with the TIN of another person on file at that address."""
    rng, pop = w.rng, w.pop
    for aid in w.filings.person_aids[p]:
        others = [q for q in w.filings.residents[aid] if q != p]
        if not others:
            continue
        tags: list[str] = []
        fields = _unique_at(w, p, aid, tags)
        if fields is None:
            return None
        q = rng.choice(others)
        fields["tin"] = request_tin(pop.tin[q], rng, tags)
        fields["dob"] = pop.dob[p] if rng.random() < 0.3 else ""
        return Planned(
            w.paperwork(fields),
            "borrowed_tin",
            NOT_VERIFIABLE,
            true_tin=pop.tin[p],
            name_group=name_group(pop.group[p], pop.last[p]),
            variants=tags,
            address_id=aid,
        )
    return None


def dob_conflict(w: World, p: int) -> Planned | None:
    """p's name and address with a DOB that differs from the one on file."""
    rng, pop = w.rng, w.pop
    if not pop.dob[p] or not w.filings.person_aids[p]:
        return None
    aid = rng.choice(w.filings.person_aids[p])
    tags: list[str] = []
    fields = _unique_at(w, p, aid, tags)
    if fields is None:
        return None
    filed = dt.date.fromisoformat(pop.dob[p])
    shift = rng.choice((-1, 1)) * rng.randint(2, 15)
    fields["dob"] = dt.date(filed.year + shift, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
    fields["tin"] = ""
    return Planned(
        w.paperwork(fields),
        "dob_conflict",
        NOT_VERIFIABLE,
        true_tin=pop.tin[p],
        name_group=name_group(pop.group[p], pop.last[p]),
        variants=tags,
        address_id=aid,
    )


def relative_not_on_file(w: World, aid: int) -> Planned | None:
    """A relative's name (a resident's surname, a given name clearly no resident's) at
    an address on file: the named person is not on file there."""
    rng, pop = w.rng, w.pop
    residents = w.filings.residents.get(aid)
    if not residents:
        return None
    r = rng.choice(residents)
    group = pop.group[r]
    for _ in range(20):
        first = w.names.given(group, rng.choice("MF"))
        if all(clearly_other(first, pop.first[q], pop.middle[q]) for q in residents):
            break
    else:
        return None
    last = surname_units(pop.last[r])[0] if rng.random() < 0.5 else pop.last[r]
    tags: list[str] = []
    fields = request_name(first, "", last, "", rng, tags, full_noise=False)
    fields.update(request_address(w.book.items[aid], rng, tags, full_noise=True))
    fields["dob"] = w.random_dob() if rng.random() < w.dob_share else ""
    fields["tin"] = ""
    return Planned(
        w.paperwork(fields),
        "relative_not_on_file",
        NOT_VERIFIABLE,
        name_group=name_group(group, last),
        variants=tags,
        address_id=aid,
    )


def namesake_city(w: World, p: int, aid: int) -> Planned:
    """A genuine request about p at `aid`, where someone else with p's first and last
    name has an address in the same city (not this one): only the address separates them."""
    return verifiable(w, p, aid, "namesake_city", full_noise=False)


def _given(name: str) -> str:
    words = fold(name).replace("-", " ").split()
    return words[0] if words else ""


@cache
def _near_names() -> dict[str, tuple[str, ...]]:
    """Given names of the pools that another pool name is one letter or a close
    spelling away from, while being a different name (not a nickname or a recorded
    spelling of it): DANIEL / DANIELA, MARIO / MARIA, JULIO / JULIA, ANA / ANNA."""
    names = sorted({_given(n) for pools in npool.POOLS for pool in pools[:2] for n in pool})
    out: dict[str, list[str]] = {}
    for a in names:
        for b in names:
            if a >= b or a[0] != b[0] or same_name_spelling(a, b):
                continue
            ga, gb = _NICKNAME_GROUPS.get(a, frozenset()), _NICKNAME_GROUPS.get(b, frozenset())
            if ga & gb or a in gb or b in ga or _same_across_languages(a, b):
                continue
            if _one_edit(a, b) or (min(len(a), len(b)) >= 5 and jaro_winkler(a, b) >= 0.93):
                out.setdefault(a, []).append(b)
                out.setdefault(b, []).append(a)
    return {k: tuple(v) for k, v in out.items()}


def _same_across_languages(a: str, b: str) -> bool:
    """TOMAS / THOMAS, JOSE / JOSEPH: one name in two languages, not two names."""
    english = npool.ANGLICISED
    return english.get(a) == b or english.get(b) == a or a.replace("H", "") == b.replace("H", "")


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _trap(w: World, aid: int, category: str, pick_name: Callable[[str], str]) -> Planned | None:
    rng, pop = w.rng, w.pop
    residents = w.filings.residents.get(aid)
    if not residents:
        return None
    r = rng.choice(residents)
    first = pick_name(_given(pop.first[r]))
    if not first or any(first in fold(pop.first[q]).split() for q in residents):
        return None
    tags: list[str] = []
    fields = request_name(first, "", pop.last[r], "", rng, tags, full_noise=False)
    fields.update(request_address(w.book.items[aid], rng, tags, full_noise=False))
    fields["dob"] = fields["tin"] = ""
    return Planned(
        w.paperwork(fields),
        category,
        NOT_VERIFIABLE,
        name_group=name_group(pop.group[r]),
        variants=tags,
        address_id=aid,
    )


def relative_variant_not_on_file(w: World, aid: int) -> Planned | None:
    """A relative not on file, named by a form that a variant list links to a resident's
    given name (ELIZABETH where LISA is filed), with no TIN (see the module docstring)."""

    def pick(filed: str) -> str:
        linked = sorted(
            n
            for n, groups in _NICKNAME_GROUPS.items()
            if n != filed and (groups & _NICKNAME_GROUPS.get(filed, frozenset()) or filed in groups)
        )
        return w.rng.choice(linked) if linked else ""

    return _with_own_dob(w, aid, _trap(w, aid, "relative_variant_not_on_file", pick))


def near_name_not_on_file(w: World, aid: int) -> Planned | None:
    """Another real person not on file whose given name is a different name one letter
    or so from a resident's (DANIEL where DANIELA is filed), with that surname."""

    def pick(filed: str) -> str:
        near = _near_names().get(filed)
        if not near:
            return ""
        return w.rng.choice(near)

    return _with_own_dob(w, aid, _trap(w, aid, "near_name_not_on_file", pick))


def _with_own_dob(w: World, aid: int, planned: Planned | None) -> Planned | None:
    """A requester gives this person's own DOB as often as anyone's: one that is no
    resident's (a resident's DOB would make the person a twin, a case of its own)."""
    if planned is None or w.rng.random() >= w.dob_share:
        return planned
    taken = {w.pop.dob[q] for q in w.filings.residents.get(aid, ())}
    dob = w.random_dob()
    while dob in taken:
        dob = w.random_dob()
    planned.fields["dob"] = dob
    planned.variants.append("dob_given")
    return planned
