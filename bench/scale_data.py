"""Scale data for the national-scale benchmark: master file, batch, envelope, truth.

In: a named scale (S, M, L, XL) or explicit counts, a seed, an output folder.
Out, as Parquet written chunk by chunk with `pyarrow.parquet.ParquetWriter`
(FORMATS.md §1 and §2 columns exactly): `taxpayers.parquet`,
`addresses.parquet`, `requests.parquet`, `envelope.json`, and
`truth.parquet` (per request: the expected outcome class VERIFIABLE /
NOT_VERIFIABLE / REJECTED, the true TIN, the kind of request).

The master file is built to look like a real one at that size, because the
master load's cost depends on it: households at one address, people who move
(a new home every few years), the same address filed again every tax year
and by several sources (RETURN, INFO_RETURN, CHANGE_OF_ADDRESS at a move, W7
for ITIN holders), each filing spelled its own way (North/N, Street/St,
Apartment/Apt/#, mixed case, ZIP+4), the odd forms FORMATS.md names (grid
`842 E 1700 S` in Utah, `W123N4567 MAIN ST` in Wisconsin, `123-45 QUEENS
BLVD`, `123 1/2 MAIN ST`, PO boxes, rural routes) and surnames with
Zipf-like frequencies plus a long tail, so that blocks have realistic sizes.
Name variants are deliberately plainer than `matchgate synth`.

Everything is vectorised with numpy and Arrow compute over chunks of
`CHUNK_TAXPAYERS` taxpayers, so memory is bounded by the chunk (plus the
request batch, which is shuffled whole at the end); the same seed and counts
give byte-identical files.

Usage: python bench/scale_data.py --scale M --out /work/scale-data/M
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from matchgate.synth import names_pool, places

#: (taxpayers, requests) per named scale.
SCALES: dict[str, tuple[int, int]] = {
    "S": (20_000, 2_000),
    "M": (200_000, 20_000),
    "L": (2_000_000, 200_000),
    "XL": (10_000_000, 1_280_000),
}
CHUNK_TAXPAYERS = 250_000
FIRST_YEAR, LAST_YEAR = 2015, 2024
YEARS = LAST_YEAR - FIRST_YEAR + 1
SUBMITTED_AT = "2025-08-01T12:00:00Z"
FILES = ("taxpayers.parquet", "addresses.parquet", "requests.parquet", "truth.parquet")

STR = pa.string()


def words(spaced: str) -> list[str]:
    return spaced.split()


# ---------------------------------------------------------------- name pools

_SYLLABLES = words(
    "BA BE BO DA DE DO KA KE KO LA LE LO MA ME MO NA NE NO RA RE RO SA SE SO TA TE TO VA VE "
    "WA ZA AL AN AR EL EN ER IN OR UR ASH BER CAR DEL DON FER GAL HAR KIN LAN MAR MOR NOR PER "
    "RIN SAL TAN VAL WIL"
)
_ENDINGS = words("S SON MAN TON LEY ER EZ IN ING ARD ELL OWSKI SEN BERG")


def _upper_plain(words: tuple[str, ...]) -> list[str]:
    return [w.upper() for w in words]


GIVEN_POOLS = {
    # group -> (male, female); the generator strips accents for a share of people.
    0: (_upper_plain(names_pool.HISPANIC_MALE), _upper_plain(names_pool.HISPANIC_FEMALE)),
    1: (
        _upper_plain(names_pool.VIETNAMESE_MALE + names_pool.CHINESE_MALE + names_pool.KOREAN_MALE),
        _upper_plain(
            names_pool.VIETNAMESE_FEMALE + names_pool.CHINESE_FEMALE + names_pool.KOREAN_FEMALE
        ),
    ),
    2: (_upper_plain(names_pool.ANGLO_MALE), _upper_plain(names_pool.ANGLO_FEMALE)),
}
SURNAME_POOLS = {
    0: _upper_plain(names_pool.HISPANIC_SURNAMES),
    1: _upper_plain(
        names_pool.VIETNAMESE_SURNAMES + names_pool.CHINESE_SURNAMES + names_pool.KOREAN_SURNAMES
    ),
    2: _upper_plain(names_pool.ANGLO_SURNAMES),
}
GROUP_SHARES = (0.20, 0.07, 0.73)
#: Share of people whose surname comes from the common pool (Zipf-weighted);
#: the rest get a tail surname (three syllables and an ending, ~2.5M forms).
COMMON_SURNAME_SHARE = 0.3

# --------------------------------------------------------------- place pools

#: Street names that hold a Pub 28 suffix word, as real ones often do: the
#: parser, not the fast path, must read these.
SUFFIX_WORD_STREETS = (
    "PARK", "LAKE SHORE", "SPRING VALLEY", "MILL CREEK", "FOREST HILL", "RIVER", "GROVE",
    "HILLSIDE", "MEADOW", "VALLEY VIEW", "CENTER", "POINT", "HARBOR", "GLEN", "RIDGE",
)  # fmt: skip
STREET_POOL = [*places.STREET_NAMES, *places.NUMBERED_STREETS, *SUFFIX_WORD_STREETS]
SUFFIXES = list(places.SUFFIX_WORDS)  # USPS abbreviations
SUFFIX_LONG = [places.SUFFIX_WORDS[s].upper() for s in SUFFIXES]
SUFFIX_P = np.array(places.SUFFIX_WEIGHTS, float) / sum(places.SUFFIX_WEIGHTS)
DIRECTIONS = ["N", "S", "E", "W"]
DIRECTION_LONG = ["NORTH", "SOUTH", "EAST", "WEST"]
UNIT_WORDS = ["APT", "APARTMENT", "#", "UNIT", "STE"]
STATES_FOR_TOWNS = words(
    "AL AZ AR CO CT FL GA IA ID IN KS KY LA MA MD ME MI MN MO MS NC NE NH NJ NM NV OH OK OR PA "
    "SC SD TN VA VT WA WV"
)
TOWN_HEADS = words(
    "GREEN SPRING OAK CEDAR MAPLE PINE RIVER FAIR WEST EAST NORTH SOUTH LAKE ROCK ELM ASH "
    "CLEAR SAND STONE MILL"
)
TOWN_TAILS = words("VILLE TON FIELD BURG DALE WOOD FORD PORT MONT HAVEN")


@dataclass(frozen=True)
class Places:
    city: list[str]
    city_alt: list[str]  # the well-known abbreviation, or the city itself
    state: list[str]
    form: list[str]
    zips: np.ndarray  # int, one row per ZIP5
    zip_place: np.ndarray  # the place of each ZIP
    zip_p: np.ndarray


def build_places(rng: np.random.Generator) -> Places:
    city, alt, state, form, zips, zip_place, weight = [], [], [], [], [], [], []
    used3 = {c.zip3 for c in places.CITIES}
    for c in places.CITIES:
        index = len(city)
        city.append(c.name)
        alt.append(places.CITY_ABBREVIATIONS.get(c.name, c.name))
        state.append(c.state)
        form.append(c.form)
        w = c.w_hispanic + c.w_asian + c.w_other
        count = c.hi - c.lo + 1
        for last2 in range(c.lo, c.hi + 1):
            zips.append(int(c.zip3) * 100 + last2)
            zip_place.append(index)
            weight.append(w / count)
    free3 = [z for z in range(100, 999) if f"{z:03d}" not in used3]
    for head in TOWN_HEADS:
        for tail in TOWN_TAILS:
            index = len(city)
            name = head + tail
            city.append(name)
            alt.append(name)
            state.append(STATES_FOR_TOWNS[int(rng.integers(len(STATES_FOR_TOWNS)))])
            form.append("")
            zip3 = free3[int(rng.integers(len(free3)))]
            for _ in range(int(rng.integers(1, 4))):
                zips.append(zip3 * 100 + int(rng.integers(1, 99)))
                zip_place.append(index)
                weight.append(0.12)
    p = np.array(weight)
    return Places(city, alt, state, form, np.array(zips), np.array(zip_place), p / p.sum())


def zipf_p(n: int, s: float) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** s
    return p / p.sum()


def take(pool: list[str], index: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Strings of `pool` at `index`; null where `mask` is False."""
    values = pa.array(pool, STR).take(pa.array(index.astype(np.int64)))
    if mask is None:
        return values
    return pc.if_else(pa.array(mask), values, pa.nulls(len(index), STR))


def join(*parts: pa.Array, sep: str = " ") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip")


def text(values: np.ndarray, width: int = 0) -> pa.Array:
    out = pc.cast(pa.array(values.astype(np.int64)), STR)
    if width:
        out = pc.utf8_lpad(out, width=width, padding="0")
    return out


def strip_accents(values: pa.Array, mask: np.ndarray) -> pa.Array:
    plain = values
    for accented, bare in zip("ÁÉÍÓÚÑÜ", "AEIOUNU", strict=True):
        plain = pc.replace_substring(plain, accented, bare)
    return pc.if_else(pa.array(mask), plain, values)


def title_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pc.utf8_title(values), values)


# ------------------------------------------------------------------- people


def tins(index: np.ndarray, itin: np.ndarray) -> pa.Array:
    """Unique 9-digit TINs: a bijection of the person index into each space."""
    ssn = 100_000_000 + (index * 7919 + 12345) % 800_000_000
    itn = 900_000_000 + (index * 7919 + 777) % 100_000_000
    return text(np.where(itin, itn, ssn), 9)


def people(rng: np.random.Generator, first_index: int, n: int) -> dict[str, Any]:
    """Names, TIN and DOB for persons first_index .. first_index + n - 1 (numpy/Arrow)."""
    index = np.arange(first_index, first_index + n, dtype=np.int64)
    group = rng.choice(3, size=n, p=GROUP_SHARES)
    female = rng.random(n) < 0.5
    itin = rng.random(n) < np.where(group == 0, 0.15, 0.02)
    given = pa.nulls(n, STR)
    surname = pa.nulls(n, STR)
    for g in range(3):
        in_group = group == g
        male_pool, female_pool = GIVEN_POOLS[g]
        pool = male_pool + female_pool
        offset = np.where(female, len(male_pool), 0)
        size = np.where(female, len(female_pool), len(male_pool))
        rank = np.minimum(rng.zipf(1.6, n) - 1, size - 1)
        given = pc.if_else(pa.array(in_group), take(pool, offset + rank), given)
        pool_s = SURNAME_POOLS[g]
        common = take(pool_s, rng.choice(len(pool_s), size=n, p=zipf_p(len(pool_s), 0.5)))
        surname = pc.if_else(pa.array(in_group), common, surname)
    tail = join(
        take(_SYLLABLES, rng.integers(len(_SYLLABLES), size=n)),
        take(_SYLLABLES, rng.integers(len(_SYLLABLES), size=n)),
        take(_SYLLABLES, rng.integers(len(_SYLLABLES), size=n)),
        take(_ENDINGS, rng.integers(len(_ENDINGS), size=n)),
        sep="",
    )
    surname = pc.if_else(pa.array(rng.random(n) < COMMON_SURNAME_SHARE), surname, tail)
    # Two surnames (HERNANDEZ LOPEZ) for a share of Hispanic filers, some hyphenated.
    pool_h = SURNAME_POOLS[0]
    second = take(pool_h, rng.choice(len(pool_h), size=n, p=zipf_p(len(pool_h), 0.7)))
    two = (group == 0) & (rng.random(n) < 0.35)
    hyphen = rng.random(n) < 0.2
    surname = pc.if_else(
        pa.array(two),
        pc.if_else(pa.array(hyphen), join(surname, second, sep="-"), join(surname, second)),
        surname,
    )
    accents_dropped = rng.random(n) < 0.5
    given = strip_accents(given, accents_dropped)
    surname = strip_accents(surname, accents_dropped)
    middle_pool = [*GIVEN_POOLS[2][0], *GIVEN_POOLS[2][1], *GIVEN_POOLS[0][0]]
    middle = take(middle_pool, rng.integers(len(middle_pool), size=n), rng.random(n) < 0.55)
    initials = pc.utf8_slice_codeunits(middle, 0, 1)
    middle = pc.if_else(pa.array(rng.random(n) < 0.15), initials, middle)
    days = rng.integers(0, (2006 - 1940) * 365, size=n)
    dob = pc.cast(
        pc.cast(pa.array(np.datetime64("1940-01-01") + days.astype("timedelta64[D]")), pa.date32()),
        STR,
    )
    dob = pc.if_else(pa.array(rng.random(n) < 0.02), pa.nulls(n, STR), dob)
    return {
        "index": index,
        "tin": tins(index, itin),
        "itin": itin,
        "given": given,
        "middle": middle,
        "surname": surname,
        "dob": dob,
    }


# ------------------------------------------------------------------- homes


@dataclass
class Homes:
    """Addresses as attributes (numpy), spelled into strings only when written."""

    zip_index: np.ndarray
    street: np.ndarray
    suffix: np.ndarray
    predir: np.ndarray  # -1 none, else index into DIRECTIONS
    number: np.ndarray
    unit: np.ndarray  # 0 none, else the unit number
    unit_letter: np.ndarray
    kind: np.ndarray  # 0 street, 1 grid, 2 wi, 3 queens, 4 half, 5 po box, 6 rural route
    grid_coord: np.ndarray
    grid_postdir: np.ndarray
    plus4: np.ndarray


KIND_STREET, KIND_GRID, KIND_WI, KIND_QUEENS, KIND_HALF, KIND_PO, KIND_RR = range(7)


def homes(rng: np.random.Generator, pl: Places, n: int) -> Homes:
    zip_index = rng.choice(len(pl.zips), size=n, p=pl.zip_p)
    form = np.array(pl.form, dtype=object)[pl.zip_place[zip_index]]
    roll = rng.random(n)
    kind = np.full(n, KIND_STREET)
    kind[(form == "grid") & (roll < 0.6)] = KIND_GRID
    kind[(form == "wi") & (roll < 0.5)] = KIND_WI
    kind[(form == "queens") & (roll < 0.7)] = KIND_QUEENS
    plain = form == ""
    kind[plain & (roll < 0.006)] = KIND_HALF
    kind[plain & (roll >= 0.006) & (roll < 0.026)] = KIND_PO
    kind[plain & (roll >= 0.026) & (roll < 0.04)] = KIND_RR
    # House numbers run by blocks of a hundred, low blocks more common (a
    # street's first blocks are its longest-settled): 12, 310, 4521.
    block = np.exp(rng.uniform(0, np.log(300), size=n)).astype(np.int64) - 1
    number = block * 100 + rng.integers(1, 100, size=n)
    has_unit = rng.random(n) < 0.22
    return Homes(
        zip_index=zip_index,
        street=rng.choice(len(STREET_POOL), size=n, p=zipf_p(len(STREET_POOL), 0.5)),
        suffix=rng.choice(len(SUFFIXES), size=n, p=SUFFIX_P),
        predir=np.where(rng.random(n) < 0.25, rng.integers(0, 4, size=n), -1),
        number=number,
        unit=np.where(has_unit, rng.integers(1, 400, size=n), 0),
        unit_letter=rng.random(n) < 0.15,
        kind=kind,
        grid_coord=rng.integers(1, 80, size=n) * 100 + np.where(rng.random(n) < 0.3, 50, 0),
        grid_postdir=rng.integers(0, 4, size=n),
        plus4=rng.integers(1, 9999, size=n),
    )


def spell(
    h: Homes, pl: Places, at: np.ndarray, style: np.ndarray, drop_unit: np.ndarray | None = None
) -> dict[str, pa.Array]:
    """Street, city, state and ZIP of homes `at`, each written in its row's `style`.

    Style bits: 1 directional spelled out, 2 suffix spelled out, 4/8 unit word
    (APT, APARTMENT, #, UNIT), 16 mixed case, 32 ZIP+4, 64 city abbreviation.
    """
    n = len(at)
    kind = h.kind[at]
    long_dir = (style & 1) > 0
    predir_i = h.predir[at]
    has_pre = predir_i >= 0
    pre = np.where(has_pre, predir_i, 0)
    predir = pc.if_else(pa.array(long_dir), take(DIRECTION_LONG, pre), take(DIRECTIONS, pre))
    predir = pc.if_else(pa.array(has_pre), predir, pa.nulls(n, STR))
    suffix_i = h.suffix[at]
    suffix = pc.if_else(
        pa.array((style & 2) > 0), take(SUFFIX_LONG, suffix_i), take(SUFFIXES, suffix_i)
    )
    name = take(STREET_POOL, h.street[at])
    number_v = h.number[at]
    number = text(number_v)
    number = pc.if_else(
        pa.array(kind == KIND_WI),
        join(pa.array(np.full(n, "W")), text(number_v % 300 + 100), pa.array(np.full(n, "N")),
             text(number_v * 7 % 9000 + 1000), sep=""),
        number,
    )  # fmt: skip
    number = pc.if_else(
        pa.array(kind == KIND_QUEENS),
        join(text(number_v % 200 + 30), text(number_v % 97 + 1, 2), sep="-"),
        number,
    )
    number = pc.if_else(
        pa.array(kind == KIND_HALF), join(number, pa.array(np.full(n, "1/2"))), number
    )
    unit_v = h.unit[at]
    unit_id = pc.if_else(
        pa.array(h.unit_letter[at]),
        take(list("ABCDEFGH"), unit_v % 8),
        text(unit_v),
    )
    unit_word = take(UNIT_WORDS, (style >> 2) & 3)
    hash_unit = ((style >> 2) & 3) == 2
    unit = pc.if_else(
        pa.array(hash_unit), join(unit_word, unit_id, sep=""), join(unit_word, unit_id)
    )
    with_unit = (unit_v > 0) if drop_unit is None else (unit_v > 0) & ~drop_unit
    unit = pc.if_else(pa.array(with_unit), unit, pa.nulls(n, STR))
    street = join(number, predir, name, suffix, unit)
    grid = join(
        text(number_v % 2000 + 100),
        take(DIRECTIONS, np.where(has_pre, pre, 1)),
        text(h.grid_coord[at]),
        take(DIRECTIONS, h.grid_postdir[at]),
        unit,
    )
    street = pc.if_else(pa.array(kind == KIND_GRID), grid, street)
    po_word = take(["PO BOX", "P.O. BOX", "PO Box", "POB"], style & 3)
    street = pc.if_else(pa.array(kind == KIND_PO), join(po_word, text(number_v % 9000 + 1)), street)
    rr_word = take(["RR", "RURAL ROUTE", "RR", "RT"], style & 3)
    rr = join(
        rr_word, text(number_v % 9 + 1), pa.array(np.full(n, "BOX")), text(number_v % 400 + 1)
    )
    street = pc.if_else(pa.array(kind == KIND_RR), rr, street)
    mixed = (style & 16) > 0
    street = title_where(street, mixed)
    place = pl.zip_place[h.zip_index[at]]
    city = pc.if_else(pa.array((style & 64) > 0), take(pl.city_alt, place), take(pl.city, place))
    city = title_where(city, mixed)
    zip5 = text(pl.zips[h.zip_index[at]], 5)
    zip9 = join(zip5, text(h.plus4[at], 4), sep="-")
    return {
        "street": street,
        "city": city,
        "state": take(pl.state, place),
        "zip": pc.if_else(pa.array((style & 32) > 0), zip9, zip5),
    }


# ------------------------------------------------------------------ styles


def master_styles(rng: np.random.Generator, n: int) -> np.ndarray:
    """How a filing spells an address (see `spell`): mostly terse and upper case."""
    return (
        (rng.random(n) < 0.3) * 1
        + (rng.random(n) < 0.3) * 2
        + rng.choice(4, size=n, p=(0.5, 0.15, 0.2, 0.15)) * 4
        + (rng.random(n) < 0.1) * 16
        + (rng.random(n) < 0.3) * 32
        + (rng.random(n) < 0.2) * 64
    ).astype(np.int64)


def requester_styles(rng: np.random.Generator, n: int) -> np.ndarray:
    return (
        (rng.random(n) < 0.5) * 1
        + (rng.random(n) < 0.5) * 2
        + rng.integers(0, 4, size=n) * 4
        + (rng.random(n) < 0.35) * 16
        + (rng.random(n) < 0.2) * 32
        + (rng.random(n) < 0.3) * 64
    ).astype(np.int64)


# ------------------------------------------------------------ master chunks

SOURCES = ("W7", "RETURN", "INFO_RETURN", "CHANGE_OF_ADDRESS")


@dataclass
class Chunk:
    taxpayers: pa.Table
    addresses: pa.Table
    person: dict[str, Any]
    suffix: pa.Array
    homes: Homes
    row_taxpayer: np.ndarray  # per address row: taxpayer offset in the chunk
    row_home: np.ndarray
    row_year: np.ndarray


def master_chunk(seed: int, chunk: int, start: int, n: int, pl: Places) -> Chunk:
    rng = np.random.default_rng([seed, 1, chunk])
    person = people(rng, start, n)
    # Households: consecutive people; most members share the head's surname.
    sizes = rng.choice(np.arange(1, 5), size=n, p=(0.55, 0.25, 0.12, 0.08))
    household = np.repeat(np.arange(n), sizes)[:n]
    households = int(household[-1]) + 1
    first = np.searchsorted(household, np.arange(households))
    head = first[household]
    member = np.arange(n) - head
    share = (member > 0) & (rng.random(n) < 0.7)
    surname = pc.if_else(pa.array(share), person["surname"].take(pa.array(head)), person["surname"])
    # A namesake son (JR) in a few households, the father then often SR.
    junior = (member == 1) & (rng.random(n) < 0.04)
    given = pc.if_else(pa.array(junior), person["given"].take(pa.array(head)), person["given"])
    surname = pc.if_else(pa.array(junior), surname.take(pa.array(head)), surname)
    senior = np.zeros(n, bool)
    senior[head[junior]] = rng.random(int(junior.sum())) < 0.5
    other = rng.random(n) < 0.01
    suffix = pa.array(
        np.where(junior, "JR", np.where(senior, "SR", np.where(other, "III", ""))), STR
    )
    suffix = pc.if_else(pc.equal(suffix, ""), pa.nulls(n, STR), suffix)
    person = {**person, "given": given, "surname": surname}
    mixed = rng.random(n) < 0.08
    taxpayers = pa.table(
        {
            "tin": person["tin"],
            "tin_type": pa.array(np.where(person["itin"], "ITIN", "SSN"), STR),
            "first_name": title_where(given, mixed),
            "middle_name": title_where(person["middle"], mixed),
            "last_name": title_where(surname, mixed),
            "name_suffix": suffix,
            "dob": person["dob"],
        }
    )
    # Homes: each household moves 0-3 times; a move year changes the home.
    home_count = rng.choice(np.arange(1, 5), size=households, p=(0.45, 0.3, 0.17, 0.08))
    home_base = np.concatenate([[0], np.cumsum(home_count)[:-1]])
    moves = np.sort(rng.integers(FIRST_YEAR + 1, LAST_YEAR + 1, size=(households, 3)), axis=1)
    moves = np.where(np.arange(3)[None, :] < (home_count - 1)[:, None], moves, 9999)
    h = homes(rng, pl, int(home_count.sum()))
    years = FIRST_YEAR + np.arange(YEARS)[None, :]
    begin = FIRST_YEAR + rng.integers(0, 8, size=n)
    active = years >= begin[:, None]
    mover = moves[household]  # (n, 3)
    home_at = home_base[household][:, None] + (mover[:, None, :] <= years[:, :, None]).sum(axis=2)
    moved_in = (mover[:, None, :] == years[:, :, None]).any(axis=2)
    diligence = np.where(rng.random(n) < 0.85, 0.85, 0.4)
    masks = {
        "W7": person["itin"][:, None] & (years == begin[:, None]),
        "RETURN": active & (rng.random((n, YEARS)) < diligence[:, None]),
        "INFO_RETURN": active & (rng.random((n, YEARS)) < 0.15),
        "CHANGE_OF_ADDRESS": active & moved_in & (rng.random((n, YEARS)) < 0.4),
    }
    t_parts, y_parts, s_parts = [], [], []
    for code, source in enumerate(SOURCES):
        t, y = np.nonzero(masks[source])
        t_parts.append(t)
        y_parts.append(y)
        s_parts.append(np.full(len(t), code))
    t, y, s = (np.concatenate(p) for p in (t_parts, y_parts, s_parts))
    order = np.lexsort((s, y, t))
    t, y, s = t[order], y[order], s[order]
    row_home = home_at[t, y]
    household_style = master_styles(rng, households)
    own_style = master_styles(rng, len(t))
    keep_style = (s == 1) & (rng.random(len(t)) < 0.85)
    style = np.where(keep_style, household_style[household[t]], own_style)
    spelled = spell(h, pl, row_home, style)
    addresses = pa.table(
        {
            "tin": person["tin"].take(pa.array(t)),
            "tax_year": pa.array((FIRST_YEAR + y).astype(np.int32)),
            "street": spelled["street"],
            "city": spelled["city"],
            "state": spelled["state"],
            "zip": spelled["zip"],
            "source": take(list(SOURCES), s),
        }
    )
    return Chunk(taxpayers, addresses, person, suffix, h, t, row_home, y)


# ----------------------------------------------------------------- requests

KINDS = ("genuine", "deficient", "not_on_file", "borrowed_tin", "wrong_address")
KIND_P = (0.62, 0.10, 0.20, 0.04, 0.04)
DEFECTS = ("placeholder", "zip_only", "bad_statute", "out_of_window", "no_reason")
PLACEHOLDERS = ("UNKNOWN", "N/A", "DONT CARE", "UNKNOWN ADDRESS", "FAILED TO PROVIDE", "NONE")
STATUTES = (
    "8 U.S.C. 1253(a)(1)", "8 USC 1253(a)(1)", "8 U.S.C. § 1326", "8 U.S.C. 1325(a)",
    "18 U.S.C. 1546", "8 U.S.C. 1306",
)  # fmt: skip
BAD_STATUTES = ("26 U.S.C. 7201", "18 U.S.C. 1001", "8 U.S.C. 1253")
PERIODS = ("2023;2024", "2024", "2022;2023;2024", "2021;2022")
REASON = ": subject of an open removal investigation; the address is needed to locate the person"


@dataclass(frozen=True)
class Plan:
    kind: np.ndarray  # index into KINDS, per request position
    target: np.ndarray  # taxpayer index (for every kind but not_on_file)
    defect: np.ndarray


def plan_requests(seed: int, taxpayers: int, requests: int) -> Plan:
    rng = np.random.default_rng([seed, 3])
    return Plan(
        kind=rng.choice(len(KINDS), size=requests, p=KIND_P),
        target=rng.integers(0, taxpayers, size=requests),
        defect=rng.integers(0, len(DEFECTS), size=requests),
    )


def typo(values: pa.Array, mask: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Swap two neighbouring letters in the masked names (a requester's slip)."""
    out = values.to_pylist()
    for i in np.nonzero(mask)[0]:
        word = out[i]
        if word and len(word) > 3:
            j = int(rng.integers(1, len(word) - 2))
            out[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return pa.array(out, STR)


def request_rows(
    rng: np.random.Generator,
    positions: np.ndarray,
    kinds: np.ndarray,
    defects: np.ndarray,
    person: dict[str, pa.Array],
    spelled: dict[str, pa.Array],
    mailing_only: np.ndarray,
    on_file: np.ndarray,
    true_tin: pa.Array,
) -> pa.Table:
    """Request rows as a requester writes them, with the truth columns alongside."""
    n = len(positions)
    f = lambda p: rng.random(n) < p  # noqa: E731
    lower, title = f(0.1), f(0.3)

    def cased(values: pa.Array) -> pa.Array:
        return pc.if_else(pa.array(lower), pc.utf8_lower(values), title_where(values, title))

    surname = person["surname"]
    words = pc.split_pattern(pc.replace_substring(surname, "-", " "), " ")
    first_of_two = pc.list_element(words, 0)
    two = pc.greater(pc.list_value_length(words), 1).to_numpy(zero_copy_only=False)
    surname = pc.if_else(pa.array(two & f(0.3)), first_of_two, surname)
    surname = typo(surname, f(0.03), rng)
    given = strip_accents(person["given"], f(0.7))
    defect = np.where(kinds == KINDS.index("deficient"), defects, -1)
    street, city, zip_ = spelled["street"], spelled["city"], spelled["zip"]
    placeholder = defect == DEFECTS.index("placeholder")
    street = pc.if_else(
        pa.array(placeholder), take(list(PLACEHOLDERS), rng.integers(len(PLACEHOLDERS), size=n)),
        street,
    )  # fmt: skip
    zip_only = defect == DEFECTS.index("zip_only")
    street = pc.if_else(pa.array(zip_only), pa.nulls(n, STR), street)
    drop_zip = f(0.08) & ~zip_only
    city = pc.if_else(pa.array(zip_only | f(0.03) & ~drop_zip), pa.nulls(n, STR), city)
    zip_ = pc.if_else(pa.array(drop_zip), pa.nulls(n, STR), zip_)
    statute = take(list(STATUTES), rng.integers(len(STATUTES), size=n))
    bad_statute = defect == DEFECTS.index("bad_statute")
    statute = pc.if_else(
        pa.array(bad_statute), take(list(BAD_STATUTES), rng.integers(len(BAD_STATUTES), size=n)),
        statute,
    )  # fmt: skip
    periods = take(list(PERIODS), rng.integers(len(PERIODS), size=n))
    out_of_window = defect == DEFECTS.index("out_of_window")
    periods = pc.if_else(pa.array(out_of_window), pa.array(np.full(n, "2016;2017")), periods)
    # Each request's reason names its own case (a batch of one reason is boilerplate).
    case_number = join(pa.array(np.full(n, "CASE-")), text(positions, 8), sep="")
    stated = join(pa.array(np.full(n, "Case")), case_number, pa.array(np.full(n, REASON)))
    reason = pc.if_else(
        pa.array(defect == DEFECTS.index("no_reason")), pa.nulls(n, STR), stated
    )  # fmt: skip
    request_id = join(pa.array(np.full(n, "R")), text(positions, 8), sep="")
    rejected = (defect >= 0) | mailing_only
    expected = np.where(rejected, "REJECTED", np.where(on_file, "VERIFIABLE", "NOT_VERIFIABLE"))
    given_tin = pc.if_else(pa.array(f(0.3) | (kinds == KINDS.index("borrowed_tin"))),
                           person["tin"], pa.nulls(n, STR))  # fmt: skip
    with_order = f(0.5)
    return pa.table(
        {
            "position": pa.array(positions),
            "request_id": request_id,
            "case_number": case_number,
            "first_name": cased(given),
            "last_name": cased(surname),
            "middle_name": cased(take_where(person["middle"], f(0.4))),
            "name_suffix": take_where(person["suffix"], f(0.6)),
            "aliases": pa.nulls(n, STR),
            "dob": take_where(person["dob"], f(0.6)),
            "tin": given_tin,
            "street": street,
            "city": city,
            "state": spelled["state"],
            "zip": zip_,
            "tax_periods": periods,
            "statute": statute,
            "reason": reason,
            "removal_order_date": take_where(pa.array(np.full(n, "2024-03-15")), with_order),
            "removal_order_number": take_where(
                join(pa.array(np.full(n, "A")), text(positions + 200_000_000, 9), sep=""),
                with_order,
            ),
            "expected": pa.array(expected, STR),
            "true_tin": true_tin,
            "kind": take(list(KINDS), kinds),
        }
    )


def take_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), values, pa.nulls(len(values), STR))


def chunk_requests(
    rng: np.random.Generator, plan: Plan, chunk: Chunk, start: int, pl: Places
) -> pa.Table | None:
    """Requests about the chunk's taxpayers (every kind but not_on_file)."""
    n = chunk.taxpayers.num_rows
    about = (
        (plan.target >= start)
        & (plan.target < start + n)
        & (plan.kind != KINDS.index("not_on_file"))
    )
    positions = np.nonzero(about)[0]
    if len(positions) == 0:
        return None
    kinds = plan.kind[positions]
    offset = plan.target[positions] - start
    left = np.searchsorted(chunk.row_taxpayer, offset, "left")
    right = np.searchsorted(chunk.row_taxpayer, offset, "right")
    count = right - left
    latest = np.maximum(right - 1, 0)
    anyrow = left + (rng.random(len(offset)) * np.maximum(count, 1)).astype(np.int64)
    pick = np.where(rng.random(len(offset)) < 0.7, latest, np.minimum(anyrow, right - 1))
    pick = np.clip(pick, 0, len(chunk.row_home) - 1)
    home = chunk.row_home[pick]
    fresh = (kinds == KINDS.index("wrong_address")) | (kinds == KINDS.index("borrowed_tin"))
    other = homes(rng, pl, len(positions))
    styles = requester_styles(rng, len(positions))
    drop_unit = rng.random(len(positions)) < 0.3
    on_file_home = spell(chunk.homes, pl, home, styles, drop_unit)
    fresh_home = spell(other, pl, np.arange(len(positions)), styles, drop_unit)
    spelled = {k: pc.if_else(pa.array(fresh), fresh_home[k], on_file_home[k]) for k in on_file_home}
    kind_at = np.where(fresh, other.kind, chunk.homes.kind[home])
    mailing_only = (kind_at == KIND_PO) | (kind_at == KIND_RR)
    p = chunk.person
    index = pa.array(offset)
    person = {
        "given": p["given"].take(index),
        "middle": p["middle"].take(index),
        "surname": p["surname"].take(index),
        "suffix": chunk.suffix.take(index),
        "dob": p["dob"].take(index),
        "tin": p["tin"].take(index),
    }
    borrowed = kinds == KINDS.index("borrowed_tin")
    if borrowed.any():
        # Someone not on file gives this taxpayer's TIN with their own name.
        stranger = people(rng, 2_000_000_000 + int(positions[0]), len(positions))
        for key in ("given", "middle", "surname", "dob"):
            person[key] = pc.if_else(pa.array(borrowed), stranger[key], person[key])
        person["suffix"] = pc.if_else(
            pa.array(borrowed), pa.nulls(len(index), STR), person["suffix"]
        )
    on_file = (count > 0) & ~fresh
    true_tin = pc.if_else(pa.array(borrowed), pa.nulls(len(index), STR), person["tin"])
    return request_rows(
        rng, positions, kinds, plan.defect[positions], person, spelled, mailing_only, on_file,
        true_tin,
    )  # fmt: skip


def strangers(seed: int, plan: Plan, taxpayers: int, pl: Places) -> pa.Table | None:
    """Requests about people who are not on file at all."""
    positions = np.nonzero(plan.kind == KINDS.index("not_on_file"))[0]
    if len(positions) == 0:
        return None
    rng = np.random.default_rng([seed, 4])
    n = len(positions)
    person = people(rng, taxpayers + 1_000_000_000, n)
    person["suffix"] = pa.nulls(n, STR)
    other = homes(rng, pl, n)
    spelled = spell(other, pl, np.arange(n), requester_styles(rng, n), rng.random(n) < 0.3)
    mailing_only = (other.kind == KIND_PO) | (other.kind == KIND_RR)
    return request_rows(
        rng, positions, plan.kind[positions], plan.defect[positions], person, spelled,
        mailing_only, np.zeros(n, bool), pa.nulls(n, STR),
    )  # fmt: skip


# ------------------------------------------------------------------ writing


def envelope(name: str) -> dict[str, Any]:
    return {
        "batch_id": f"SCALE-{name}",
        "agreement_id": "reference-6103i2",
        "requesting_agency": "Example Enforcement Agency",
        "requesting_official": {"name": "Jane Roe", "title": "Director"},
        "receiving_officers": ["John Doe", "Ana Diaz"],
        "certified": True,
        "submitted_at": SUBMITTED_AT,
    }


def generate(out: Path, taxpayers: int, requests: int, seed: int, name: str) -> dict[str, Any]:
    """Write the five files into `out` (partial files first, renamed at the end)."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    pl = build_places(np.random.default_rng([seed, 0]))
    plan = plan_requests(seed, taxpayers, requests)
    writers: dict[str, pq.ParquetWriter] = {}
    request_parts: list[pa.Table] = []
    counts = {"taxpayers": 0, "address_rows": 0}

    def write(file: str, table: pa.Table) -> None:
        if file not in writers:
            writers[file] = pq.ParquetWriter(out / f"{file}.partial", table.schema,
                                             compression="zstd")  # fmt: skip
        writers[file].write_table(table, row_group_size=1 << 20)

    for chunk_no, start in enumerate(range(0, taxpayers, CHUNK_TAXPAYERS)):
        n = min(CHUNK_TAXPAYERS, taxpayers - start)
        chunk = master_chunk(seed, chunk_no, start, n, pl)
        write("taxpayers.parquet", chunk.taxpayers)
        write("addresses.parquet", chunk.addresses)
        counts["taxpayers"] += n
        counts["address_rows"] += chunk.addresses.num_rows
        rows = chunk_requests(np.random.default_rng([seed, 2, chunk_no]), plan, chunk, start, pl)
        if rows is not None:
            request_parts.append(rows)
        print(f"  chunk {chunk_no}: {counts['taxpayers']:,} taxpayers, "
              f"{counts['address_rows']:,} address rows", file=sys.stderr)  # fmt: skip
    rows = strangers(seed, plan, taxpayers, pl)
    if rows is not None:
        request_parts.append(rows)
    batch = pa.concat_tables(request_parts).sort_by("position")
    truth = batch.select(["request_id", "expected", "true_tin", "kind"])
    batch = batch.drop_columns(["position", "expected", "true_tin", "kind"])
    write("requests.parquet", batch)
    write("truth.parquet", truth)
    for writer in writers.values():
        writer.close()
    (out / "envelope.json.partial").write_text(json.dumps(envelope(name), indent=2) + "\n")
    for file in (*FILES, "envelope.json"):
        (out / f"{file}.partial").replace(out / file)
    expected = pc.value_counts(truth.column("expected")).to_pylist()
    summary = {
        "name": name,
        "seed": seed,
        **counts,
        "requests": batch.num_rows,
        "expected": {e["values"]: e["counts"] for e in expected},
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def is_complete(out: Path) -> bool:
    return all((out / f).is_file() for f in (*FILES, "envelope.json", "summary.json"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="M")
    parser.add_argument("--taxpayers", type=int, help="override the scale's taxpayer count")
    parser.add_argument("--requests", type=int, help="override the scale's request count")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    taxpayers, requests = SCALES[args.scale]
    summary = generate(
        args.out, args.taxpayers or taxpayers, args.requests or requests, args.seed, args.scale
    )
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
