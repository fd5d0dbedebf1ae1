"""REJECTED requests: deficient rows and duplicate request ids (synth stage, pure).

In: a `World`, the person a deficient row is about, the codes to plant.
Out: `Planned` rows whose truth `expected_codes` are exactly the FORMATS.md
§3 codes the row earns under reference-6103i2.

Each defect changes only its own fields, and combinations avoid
interactions that would add a code not planted: when R02 is planted, R07
uses the DOB or TIN (a bad state or ZIP would touch the address); an R07
bad state or ZIP keeps city, state and ZIP otherwise valid, so R02 does not
also fire ("neither city+state nor ZIP").
"""

from __future__ import annotations

import random
from collections.abc import Callable

from matchgate.synth import paperwork
from matchgate.synth.address import USPS, render_street
from matchgate.synth.cases import verifiable
from matchgate.synth.world import REJECTED, Planned, World

# Codes a deficient row can carry on its own (R06 comes from duplicates, R08
# is batch-wide, R09 never arises under the reference agreement).
ROW_CODES = ("R01", "R02", "R03", "R04", "R05", "R07", "R10")

_PLACEHOLDERS = (
    "UNKNOWN",
    "Unknown Address",
    "N/A",
    "NONE",
    "TBD",
    "XXX",
    "NOT PROVIDED",
    "No Address",
    "UNK",
    "Dont Care",
)


def _r01(f: dict[str, str], rng: random.Random, tags: list[str], _: World, __: int) -> None:
    which = rng.choice(("first", "last", "both", "blank"))
    if which in ("first", "both"):
        f["first_name"] = ""
    if which in ("last", "both"):
        f["last_name"] = ""
    if which == "blank":
        f["first_name"] = "   "
    tags.append(f"R01_{which}")


def _r02(f: dict[str, str], rng: random.Random, tags: list[str], w: World, p: int) -> None:
    aid = rng.choice(w.filings.person_aids[p])
    addr = w.book.items[aid]
    kind = rng.choice(
        (
            "empty",
            "placeholder",
            "dont_care_12345",
            "failed_to_provide",
            "po_box",
            "no_number",
            "number_only",
            "zip_00000",
            "zip_only",
            "no_city_state_zip",
            "rural_route",
            "tin_not_address",
        )
    )
    if kind == "empty":
        f["street"] = ""
    elif kind == "placeholder":
        f["street"] = rng.choice(_PLACEHOLDERS)
    elif kind == "dont_care_12345":
        f.update(street="Don't Care", city="", state="", zip="12345")
    elif kind == "failed_to_provide":
        f.update(street="FAILED TO PROVIDE", city="AUSTIN", state="TX", zip="78701")
    elif kind == "po_box":
        f["street"] = rng.choice(("PO BOX 123", "P.O. Box 4417", "po box 88"))
    elif kind == "no_number":
        # A numeric street name (5TH, 1700) without the house number could be read as
        # one, so those fall back to a plain named street.
        named = addr.name[0].isalpha() and not addr.predir
        f["street"] = (
            render_street(addr._replace(number="", unit="", postdir=""), USPS).strip()
            if named
            else "MAIN ST"
        )
    elif kind == "number_only":
        f["street"] = addr.number.split(" ")[0]
    elif kind == "zip_00000":
        f.update(street="", city="", state="", zip="00000")
    elif kind == "zip_only":
        f.update(street="", city="", state="")
    elif kind == "no_city_state_zip":
        f.update(city="", state="", zip="")
    elif kind == "rural_route":
        f["street"] = f"RR {rng.randint(1, 9)} BOX {rng.randint(10, 400)}"
    else:  # F1: a TIN never substitutes for an address
        f.update(street="", tin=w.pop.tin[p])
    tags.append(f"R02_{kind}")


def _r03(f: dict[str, str], rng: random.Random, tags: list[str], _: World, __: int) -> None:
    f["statute"] = rng.choice(("", *paperwork.NOT_COVERED))
    tags.append("R03_missing" if not f["statute"] else "R03_not_covered")


def _r04(f: dict[str, str], rng: random.Random, tags: list[str], _: World, __: int) -> None:
    f["reason"] = rng.choice(("", "  "))
    tags.append("R04")


def _r05(f: dict[str, str], rng: random.Random, tags: list[str], w: World, _: int) -> None:
    f["tax_periods"] = paperwork.bad_tax_periods(rng, w.s_year)
    tags.append("R05")


def _r07(f: dict[str, str], rng: random.Random, tags: list[str], _: World, __: int) -> None:
    address_safe = f.get("_r02") == "1"
    kind = rng.choice(("dob", "tin") if address_safe else ("dob", "tin", "state", "zip"))
    if kind == "dob":
        f["dob"] = rng.choice(("1985-02-30", "02/14/1985", "1985-13-01", "19850214"))
    elif kind == "tin":
        f["tin"] = rng.choice(("12345", "8123456789", "81234567X", "123-45-678"))
    elif kind == "state":
        f["state"] = rng.choice(("XX", "ZZ", "TEX"))
        f["zip"] = f["zip"] or "78701"  # a valid ZIP keeps R02 out
    else:
        f["zip"] = rng.choice(("1234", "1234567", "7870A"))
        f["city"] = f["city"] or "AUSTIN"  # city + valid state keeps R02 out
    tags.append(f"R07_{kind}")


def _r10(f: dict[str, str], rng: random.Random, tags: list[str], _: World, __: int) -> None:
    f["case_number"] = ""
    tags.append("R10")


_DEFECTS: dict[str, Callable[[dict[str, str], random.Random, list[str], World, int], None]] = {
    "R01": _r01,
    "R02": _r02,
    "R03": _r03,
    "R04": _r04,
    "R05": _r05,
    "R07": _r07,
    "R10": _r10,
}


def deficient(w: World, p: int, codes: set[str]) -> Planned:
    """A request about on-file person p (light noise) carrying exactly `codes`."""
    rng = w.rng
    aid = rng.choice(w.filings.person_aids[p])
    base = verifiable(w, p, aid, "deficient", full_noise=False)
    f = base.fields
    tags: list[str] = []
    if "R02" in codes:
        f["_r02"] = "1"
    # Ascending order: R02 runs before R07, so R07's bad TIN wins over R02's
    # "TIN instead of address" variant and the row still earns both codes.
    for code in sorted(codes):
        _DEFECTS[code](f, rng, tags, w, p)
    f.pop("_r02", None)
    return Planned(
        f,
        "deficient",
        REJECTED,
        codes=";".join(sorted(codes)),
        true_tin=base.true_tin,
        name_group=base.name_group,
        variants=tags,
        address_id=-1,
    )


def pick_codes(rng: random.Random, primary: str) -> set[str]:
    """The primary code plus, for some rows, one or two others."""
    codes = {primary}
    r = rng.random()
    extra = 2 if r < 0.05 else 1 if r < 0.25 else 0
    while len(codes) < 1 + extra:
        codes.add(rng.choice(ROW_CODES))
    return codes


def duplicate(w: World, original: Planned, original_id: str, fresh: Planned | None) -> Planned:
    """A later row reusing `original_id`: a resubmitted copy of the original (or, when
    `fresh` is given, another request under the same id). It carries R06 plus the codes
    of its own defects (a copy of a deficient row keeps that row's codes)."""
    src = fresh if fresh is not None else original
    codes = {"R06"}
    if src.expected == REJECTED and src.codes:
        codes.update(src.codes.split(";"))
    fields = dict(src.fields)
    tags = ["duplicate_of_" + ("other_request" if fresh is not None else "same_request")]
    if w.rng.random() < 0.2:
        fields["tax_periods"] = paperwork.bad_tax_periods(w.rng, w.s_year)
        codes.add("R05")
        tags.append("R05")
    fields["request_id"] = original_id
    return Planned(
        fields,
        "duplicate_id",
        REJECTED,
        codes=";".join(sorted(codes)),
        true_tin=src.true_tin,
        name_group=src.name_group,
        variants=tags,
    )
