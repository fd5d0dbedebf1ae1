"""How a requester writes a known person's name and address (synth stage, pure).

In: the filed name parts or an `Address`, a `random.Random`, a list to
which the applied variations are appended as tags (they end up in the truth
file's `variants` column). Out: request fields as strings.

Every variation here is one FORMATS.md §4 / REQ-20 says must still match:
case, accents dropped, one of two filed surnames, hyphenated or joined
surnames and particles (DELACRUZ), nicknames and anglicised given names,
order swapped, a middle name or initial, Pub 28 spellings of the street
(N / North, St / Street, Apt / #), a unit left out, one typo in a street
name of six or more letters, ZIP+4 with or without dash, ZIP left out
(city and state given), city left out (ZIP given), well-known city
abbreviations, lower-case state.
"""

from __future__ import annotations

import random

from matchgate.synth.address import (
    FULL,
    FULL_UPPER,
    PUNCT,
    STYLE_WEIGHTS,
    Address,
    render_street,
    typo,
)
from matchgate.synth.namefit import fold, strip_accents, surname_units
from matchgate.synth.names_pool import NICKNAMES
from matchgate.synth.places import CITIES, CITY_ABBREVIATIONS

_STYLES = tuple(range(len(STYLE_WEIGHTS)))
# Only Spanish particles are written joined (DELACRUZ, REQ-20); VAN DYKE stays as filed.
_SPANISH_PARTICLES = frozenset({"DE", "LA", "DEL", "LOS", "LAS"})


def _case(text: str, mode: int) -> str:
    return text if mode == 0 else text.title() if mode == 1 else text.lower()


def request_name(
    first: str,
    middle: str,
    last: str,
    suffix: str,
    rng: random.Random,
    tags: list[str],
    *,
    full_noise: bool,
) -> dict[str, str]:
    """first_name, last_name, middle_name, name_suffix, aliases for a request naming this
    person. `full_noise=False` limits the variation to case and accents."""
    rand = rng.random
    if strip_accents(first + middle + last) != first + middle + last and rand() < 0.7:
        first, middle, last = strip_accents(first), strip_accents(middle), strip_accents(last)
        tags.append("accents_dropped")
    given, surname = first, last
    out_middle, out_suffix, aliases = "", "", ""
    if full_noise:
        units = surname_units(last)
        r = rand()
        if len(units) == 2 and r < 0.5:
            if r < 0.30:
                surname, tag = units[0], "surname_first_only"
            elif r < 0.38:
                surname, tag = units[1], "surname_second_only"
            else:
                surname, tag = "-".join(units), "surname_hyphenated"
            tags.append(tag)
        elif "-" in last and r < 0.6:
            surname = last.replace("-", " ")
            tags.append("surname_spaced")
        if any(fold(t) in _SPANISH_PARTICLES for t in surname.split()) and rand() < 0.4:
            surname = " ".join(
                u.replace(" ", "") if " " in u else u for u in surname_units(surname)
            )
            tags.append("particles_joined")
        variants = NICKNAMES.get(fold(first))
        if variants and rand() < 0.14:
            given = rng.choice(variants)
            tags.append("nickname")
        elif "-" in first and rand() < 0.4:
            given = first.replace("-", rng.choice(("", " ")))
            tags.append("given_hyphen_dropped")
        if middle and rand() < 0.3:
            out_middle = middle if rand() < 0.67 else middle[0]
            tags.append("middle_given")
        if suffix and rand() < 0.5:
            out_suffix = suffix
            tags.append("suffix_given")
        if rand() < 0.02:
            aliases = f"{first} {last}"
            alt = NICKNAMES.get(fold(first))
            if alt:
                aliases += f";{alt[0]} {surname_units(last)[0]}"
            tags.append("aliases")
        if rand() < 0.01:
            given, surname = surname, given
            tags.append("name_swapped")
    mode = rng.choices((0, 1, 2), weights=(55, 35, 10))[0]
    if mode:
        tags.append("case_title" if mode == 1 else "case_lower")
    return {
        "first_name": _case(given, mode),
        "last_name": _case(surname, mode),
        "middle_name": _case(out_middle, mode),
        "name_suffix": out_suffix if mode != 2 else out_suffix.lower(),
        "aliases": _case(aliases, mode),
    }


def request_address(
    addr: Address, rng: random.Random, tags: list[str], *, full_noise: bool
) -> dict[str, str]:
    """street, city, state, zip for a request giving this address.

    `full_noise=False` still varies the street style and the ZIP form (both
    are plain normalisation) but never drops the unit or adds a typo.
    """
    rand = rng.random
    style = rng.choices(_STYLES, weights=STYLE_WEIGHTS)[0]
    if style in (FULL, FULL_UPPER):
        tags.append("street_full_words")
    elif style == PUNCT:
        tags.append("street_punctuated")
    unit = True
    if full_noise and addr.unit and rand() < 0.3:
        unit = False
        tags.append("unit_omitted")
    if full_noise and rand() < 0.05:
        changed = typo(addr.name, rng)
        if changed:
            addr = addr._replace(name=changed)
            tags.append("street_typo")
    city = CITIES[addr.city]
    city_name = city.name
    if city_name in CITY_ABBREVIATIONS and rand() < 0.5:
        city_name = CITY_ABBREVIATIONS[city_name]
        tags.append("city_abbreviated")
    mode = rng.choices((0, 1, 2), weights=(60, 35, 5))[0]
    city_name = _case(city_name, mode)
    state = city.state
    if rand() < 0.05:
        state = state.lower()
        tags.append("state_lower")
    r = rand()
    zip_code = addr.zip5
    if r < 0.15:
        zip_code = f"{addr.zip5}-{addr.plus4}"
        tags.append("zip_plus4")
    elif r < 0.20:
        zip_code = addr.zip5 + addr.plus4
        tags.append("zip9_no_dash")
    elif r < 0.38:
        zip_code = ""
        tags.append("zip_omitted")
    elif r < 0.42:
        city_name = ""
        tags.append("city_omitted")
    return {
        "street": render_street(addr, style, unit=unit),
        "city": city_name,
        "state": state,
        "zip": zip_code,
    }


def request_tin(tin: str, rng: random.Random, tags: list[str]) -> str:
    """A TIN as a requester writes it: sometimes with dashes (not an error, FORMATS.md)."""
    if rng.random() < 0.3:
        tags.append("tin_dashes")
        return f"{tin[:3]}-{tin[3:5]}-{tin[5:]}"
    return tin
