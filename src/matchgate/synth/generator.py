"""Synthetic master files and request batches with ground truth (synth stage, pure).

In: a `SynthConfig` (sizes, seed, submission time, batch id). Out: `SynthData`
with the FORMATS.md tables (taxpayers, addresses, requests), the batch
envelope and the truth table; `matchgate.synth.writer.write` puts them on
disk. The same config always gives the same data (one `random.Random` and
one numpy Generator, both seeded from `config.seed`).

Truth (one row per request row, same order; request_id is NOT unique in it
because duplicate_id rows reuse an earlier id): category, expected
(VERIFIABLE / NOT_VERIFIABLE / AMBIGUOUS / REJECTED), expected_codes (REJECTED
only), true_tin (the named person's TIN when on file), expected_address_match
(VERIFIABLE only: CURRENT or PRIOR), plus name_group and variants (the
noise or defect applied), two added columns for error analysis.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa

from matchgate.synth import cases
from matchgate.synth import names_pool as npool
from matchgate.synth.address import AddressBook
from matchgate.synth.deficient import ROW_CODES, deficient, duplicate, pick_codes
from matchgate.synth.filings import Filings, build_filings
from matchgate.synth.namefit import fold
from matchgate.synth.names_pool import OFFICER_NAMES, OFFICIAL_NAMES
from matchgate.synth.places import CITIES
from matchgate.synth.population import NameDrawer, Population, build_population
from matchgate.synth.rand import FastRandom
from matchgate.synth.tables import build_tables
from matchgate.synth.tins import draw_tins
from matchgate.synth.world import Planned, World

# Share of requests per category. "genuine" is split 3:1 into genuine_current and
# genuine_prior (a quarter of genuine requests give a moved taxpayer's older address).
MIX: tuple[tuple[str, float], ...] = (
    ("genuine", 0.67),
    ("genuine_no_lka", 0.01),
    ("namesake_city", 0.02),
    ("deficient", 0.09),
    ("duplicate_id", 0.01),
    ("not_on_file", 0.06),
    ("address_not_on_file", 0.04),
    ("borrowed_tin", 0.02),
    ("dob_conflict", 0.02),
    ("relative_not_on_file", 0.03),
    ("relative_variant_not_on_file", 0.01),
    ("near_name_not_on_file", 0.015),
    ("jr_sr_same_address", 0.018),
    # A twin asked about whose co-twin lives at the same address under a look-alike
    # name (JUSTIN / JUSTINE, DANIEL / DANIELLE): about 3% of people are twins (some
    # 3 in 100 US births are), few adult twins share a home, and fewer still carry
    # names one letter or one sound apart: 0.4% of requests is still generous (it
    # was 1.2%, which made these pairs, reviewed by REQ-19, a third of the review
    # load).
    ("twins_same_address", 0.004),
)
_ITIN_SHARE = {
    npool.HISPANIC: 0.22, npool.HAITIAN: 0.12, npool.VIETNAMESE: 0.06, npool.KOREAN: 0.06,
    npool.CHINESE: 0.08, npool.FILIPINO: 0.05, npool.SOUTH_ASIAN: 0.05, npool.ARABIC: 0.06,
    npool.EASTERN_EUROPEAN: 0.05, npool.OTHER: 0.06,
}  # fmt: skip  # Anglo: 0.01


@dataclass(frozen=True)
class SynthConfig:
    """Sizes and fixed inputs of one synthetic data set."""

    taxpayers: int = 5000
    requests: int = 2000
    seed: int = 7
    submitted_at: str = "2025-08-01T12:00:00Z"
    batch_id: str = "SYN-2025-000001"
    #: Share of requests that give a date of birth. The 2025 exchange's request file
    #: carried a date of birth for its people (DOMAIN.md §2.3: ~1.28 M rows "with
    #: first/last name, address, date of birth, fingerprint IDs and removal-order
    #: data"); no fill rate is published, so a few blanks are assumed, not none.
    dob_share: float = 0.9
    #: Earlier batches of the same requesting agency over the same master file, drawn
    #: with seeds of their own (the main batch is the same with or without them): the
    #: unlabelled requests a model can learn how requesters write from.
    past_batches: int = 0


@dataclass(frozen=True)
class SynthData:
    """The generated tables (pyarrow, FORMATS.md column names and order) and envelope.

    `address_ids` (aligned with `addresses` rows) and `request_address_ids`
    (aligned with `requests` rows, -1 when the address given is on file for
    nobody or the row is REJECTED) name the physical address behind a row;
    they are generator internals for tests and are never written.
    """

    taxpayers: pa.Table
    addresses: pa.Table
    requests: pa.Table
    truth: pa.Table
    envelope: dict[str, Any]
    address_ids: list[int] = field(repr=False)
    request_address_ids: list[int] = field(repr=False)
    #: `SynthConfig.past_batches` earlier batches: (requests, envelope) each.
    past: list[tuple[pa.Table, dict[str, Any]]] = field(default_factory=list, repr=False)


def generate(config: SynthConfig) -> SynthData:
    """Build the master file, the request batch, its envelope and the truth."""
    # Millions of small tuples and lists, none in reference cycles: the cyclic
    # collector would only rescan them (about 10% of the run time at 200k).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(config)
    finally:
        if was_enabled:
            gc.enable()


def _generate(config: SynthConfig) -> SynthData:
    rng = FastRandom(config.seed)
    np_rng = np.random.default_rng(config.seed)
    pop = build_population(config.taxpayers, rng)
    is_itin = [rng.random() < _ITIN_SHARE.get(g, 0.01) for g in pop.group]
    pop.tin = draw_tins(is_itin, np_rng)
    pop.tin_type = ["ITIN" if x else "SSN" for x in is_itin]
    book = AddressBook(rng)
    filings = build_filings(pop, book, rng)
    world = World(
        pop,
        book,
        filings,
        rng,
        NameDrawer(rng),
        int(config.submitted_at[:4]),
        np_rng,
        set(pop.tin),
        config.dob_share,
        case_serials=rng.sample(range(1, 1_000_000), min(2 * config.requests + 64, 999_999)),
    )
    counts = _counts(config.requests)
    planned = _order_with_duplicates(world, _plan(world, counts), counts["duplicate_id"])
    envelope: dict[str, Any] = {
        "batch_id": config.batch_id,
        "agreement_id": "reference-6103i2",
        "requesting_agency": "Example Enforcement Agency",
        "requesting_official": {"name": rng.choice(OFFICIAL_NAMES), "title": "Director"},
        "receiving_officers": rng.sample(OFFICER_NAMES, 2),
        "certified": True,
        "submitted_at": config.submitted_at,
    }
    taxpayers, addresses, requests, truth = build_tables(pop, filings, planned)
    past = [_past_batch(world, config, number) for number in range(1, config.past_batches + 1)]
    return SynthData(
        taxpayers,
        addresses,
        requests,
        truth,
        envelope,
        address_ids=list(filings.aid),
        request_address_ids=[-1 if p.expected == "REJECTED" else p.address_id for p in planned],
        past=past,
    )


def _past_batch(world: World, config: SynthConfig, number: int) -> tuple[pa.Table, dict[str, Any]]:
    """An earlier batch over the same people and addresses, from random sources of its own."""
    rng = FastRandom(config.seed * 1_000_003 + number)
    past_world = replace(
        world,
        rng=rng,
        names=NameDrawer(rng),
        np_rng=np.random.default_rng([config.seed, number]),
        case_serials=rng.sample(range(1, 1_000_000), min(2 * config.requests + 64, 999_999)),
    )
    counts = _counts(config.requests)
    planned = _order_with_duplicates(past_world, _plan(past_world, counts), counts["duplicate_id"])
    _, _, requests, _ = build_tables(world.pop, world.filings, planned)
    envelope: dict[str, Any] = {
        "batch_id": f"{config.batch_id}-PAST-{number}",
        "agreement_id": "reference-6103i2",
        "requesting_agency": "Example Enforcement Agency",
        "requesting_official": {"name": rng.choice(OFFICIAL_NAMES), "title": "Director"},
        "receiving_officers": rng.sample(OFFICER_NAMES, 2),
        "certified": True,
        "submitted_at": config.submitted_at,
    }
    return requests, envelope


def _counts(m: int) -> dict[str, int]:
    """Rows per category for m requests; every category gets at least one row once m >= 50
    (and deficient at least one row per code once m >= 100); the rest is genuine."""
    counts = {}
    for name, share in MIX[1:]:
        floor = (len(ROW_CODES) if name == "deficient" and m >= 100 else 1) if m >= 50 else 0
        counts[name] = max(int(share * m), floor)
    rest = max(m - sum(counts.values()), 0)
    counts["genuine_prior"] = rest // 4
    counts["genuine_current"] = rest - rest // 4
    return counts


def _plan(w: World, counts: dict[str, int]) -> list[Planned]:
    """Build each category's rows from shuffled candidates (people, pairs, addresses).

    Rare categories go first so they get their candidates; each person is
    used by at most one category (until the master file is too small).
    """
    pop, f, rng = w.pop, w.filings, w.rng
    target = sum(n for name, n in counts.items() if name != "duplicate_id")
    order = list(range(len(pop)))
    rng.shuffle(order)
    used: set[int] = set()
    out: list[Planned] = []

    def fill(name: str, builders: Iterator[Planned | None]) -> None:
        got = 0
        if counts[name] > 0:
            for planned in builders:
                if planned is not None:
                    out.append(planned)
                    got += 1
                    if got >= counts[name]:
                        return
        counts["genuine_current"] += counts[name] - got  # too few candidates at this scale

    def people(pred: Callable[[int], bool]) -> Iterator[int]:
        for p in order:
            if p not in used and pred(p):
                used.add(p)
                yield p

    def on_file(p: int) -> bool:
        return len(f.person_aids[p]) > 0

    def namesakes() -> Iterator[Planned]:
        for p, a in _namesakes(pop, f, w.book, order):
            if p not in used:
                used.add(p)
                yield cases.namesake_city(w, p, a)

    def pairs(kind: str, found: list[tuple[int, int]]) -> Iterator[Planned | None]:
        return (cases.ambiguous_pair(w, pr, kind) for pr in rng.sample(found, len(found)))

    def genuine(
        kind: str, pred: Callable[[int], bool], aid: Callable[[int], int]
    ) -> Iterator[Planned]:
        return (cases.verifiable(w, p, aid(p), kind) for p in people(pred))

    def not_on_file() -> Planned:
        city = w.book.items[rng.choice(aids)].city if aids else rng.randrange(len(CITIES))
        return cases.not_on_file(w, city)

    def prior(p: int) -> int:
        return rng.choice([a for a in f.person_aids[p] if a != f.lka_aid[p]])

    aids = list(f.residents)
    tries = range(50 * max(counts.values()) + 100)
    codes = iter(ROW_CODES * (counts["deficient"] // len(ROW_CODES) + 1))
    fill("namesake_city", namesakes())
    fill("jr_sr_same_address", pairs("jr_sr_same_address", pop.jr_sr_pairs))
    fill("twins_same_address", pairs("twins_same_address", pop.twin_pairs))
    fill("borrowed_tin", (cases.borrowed_tin(w, p) for p in people(on_file)))
    fill("dob_conflict", (cases.dob_conflict(w, p) for p in people(lambda p: bool(pop.dob[p]))))
    fill("address_not_on_file", (cases.address_not_on_file(w, p) for p in people(on_file)))
    fill(
        "genuine_no_lka",
        genuine(
            "genuine_no_lka",
            lambda p: f.lka_aid[p] < 0 and on_file(p),
            lambda p: rng.choice(f.person_aids[p]),
        ),
    )
    fill(
        "genuine_prior",
        genuine("genuine_prior", lambda p: f.lka_aid[p] >= 0 and len(f.person_aids[p]) > 1, prior),
    )
    fill(
        "relative_not_on_file",
        (cases.relative_not_on_file(w, rng.choice(aids)) for _ in (tries if aids else ())),
    )
    for trap in (cases.relative_variant_not_on_file, cases.near_name_not_on_file):
        fill(trap.__name__, (trap(w, rng.choice(aids)) for _ in (tries if aids else ())))
    fill("not_on_file", (not_on_file() for _ in tries))
    fill(
        "deficient",
        (deficient(w, p, pick_codes(rng, next(codes))) for p in _cycle(order, on_file, used)),
    )
    fill(
        "genuine_current",
        (
            cases.verifiable(w, p, f.lka_aid[p], "genuine_current")
            for p in _cycle(order, lambda p: f.lka_aid[p] >= 0, used)
        ),
    )
    out.extend(not_on_file() for _ in range(target - len(out)))  # tiny master files only
    rng.shuffle(out)
    return out


def _cycle(order: list[int], pred: Callable[[int], bool], used: set[int]) -> Iterator[int]:
    """Unused people first, then (only if the master file is too small) anyone again."""
    yield from (p for p in order if p not in used and pred(p))
    eligible = [p for p in order if pred(p)]
    while eligible:
        yield from eligible


def _namesakes(
    pop: Population, f: Filings, book: AddressBook, order: list[int]
) -> Iterator[tuple[int, int]]:
    """(person, address id) pairs, lazily in `order`, where another person with the same
    first and last name has an address in the same city and none of them has this one."""
    by_name: dict[tuple[str, str], list[int]] = {}
    for p in range(len(pop)):
        by_name.setdefault((fold(pop.first[p]), fold(pop.last[p])), []).append(p)
    items = book.items
    for p in order:
        others = [q for q in by_name[(fold(pop.first[p]), fold(pop.last[p]))] if q != p]
        if not others:
            continue
        for a in f.person_aids[p]:
            city = items[a].city
            same_city = [q for q in others if any(items[b].city == city for b in f.person_aids[q])]
            if same_city and all(a not in f.person_aids[q] for q in same_city):
                yield p, a
                break


def _order_with_duplicates(w: World, rows: list[Planned], n_dup: int) -> list[Planned]:
    """Assign REQ-nnnnnn ids, then plant n_dup duplicate_id rows, each after its original:
    mostly a resubmitted copy, sometimes another request under the same id."""
    for i, r in enumerate(rows, start=1):
        r.fields["request_id"] = f"REQ-{i:06d}"
    if not rows:
        return rows
    rng, f = w.rng, w.filings
    keyed: list[tuple[int, int, Planned]] = [(i, 0, r) for i, r in enumerate(rows)]
    with_lka = [p for p in range(min(len(w.pop), 5000)) if f.lka_aid[p] >= 0]
    for k in range(n_dup):
        i = rng.randrange(len(rows))
        fresh = None
        if with_lka and rng.random() < 0.3:
            p = rng.choice(with_lka)
            fresh = cases.verifiable(w, p, f.lka_aid[p], "genuine_current")
        dup = duplicate(w, rows[i], rows[i].fields["request_id"], fresh)
        keyed.append((rng.randint(i, len(rows) - 1), 1 + k, dup))
    keyed.sort(key=lambda t: (t[0], t[1]))
    return [r for *_, r in keyed]
