"""The non-identity fields of a request (synth stage, pure).

In: a `random.Random` and S, the year of the envelope's `submitted_at`.
Out: statute strings (covered by the reference agreement, in the spelling
variants FORMATS.md §4 accepts, or deliberately not covered), tax periods
(inside S-6..S, or deliberately malformed/outside), case numbers,
removal-order fields and a reason text that is specific to each request
(REQ-11 holds batches whose reasons are boilerplate, so these must vary).
"""

from __future__ import annotations

import datetime as dt
import random

# (title, section as written): each is covered by reference-6103i2. Sub-parts of
# a listed subsection and subsections of a section listed bare are covered too.
_COVERED = (
    ("8", "1253(a)(1)", 40),
    ("8", "1253(a)(1)(B)", 4),
    ("8", "1326", 10),
    ("8", "1326(a)", 6),
    ("8", "1326(b)(2)", 2),
    ("8", "1325(a)", 8),
    ("8", "1325(a)(1)", 2),
    ("8", "1306", 4),
    ("8", "1306(b)", 3),
    ("18", "1546", 4),
    ("18", "1546(a)", 4),
)
_COVERED_CUM = tuple(sum(w for *_, w in _COVERED[: i + 1]) for i in range(len(_COVERED)))
# Not covered: other title-8 sections, a bare section whose listing names a
# subsection, Title 26 (tax) offences, and other criminal statutes.
NOT_COVERED = (
    "8 U.S.C. 1227",
    "8 U.S.C. 1227(a)(2)",
    "26 U.S.C. 7201",
    "26 USC 7206(1)",
    "8 U.S.C. 1253",
    "8 U.S.C. 1324c",
    "18 U.S.C. 1028",
    "8 U.S.C. 1325(b)",
    "26 U.S.C. § 7203",
)
_SPELLINGS = (
    "{t} U.S.C. {s}",
    "{t} USC {s}",
    "{t} U.S.C. § {s}",
    "{t} U.S.C. §{s}",
    "{t} USC § {s}",
    "{t} U.S.C {s}",
    "{t}  U.S.C.  {s}",
    "{t} U.S.C. {s}",
)

_OPENERS = (
    "Case {case}: ",
    "Re {case} - ",
    "{case}: ",
    "In investigation {case}, ",
    "Ref. {case}. ",
    "Open criminal case {case}; ",
    "Investigation no. {case}: ",
)
_CLAUSES = {
    "1253": (
        "the subject has a final order of removal dated {date} and has not departed",
        "the subject allegedly failed to depart after the removal order of {date}",
        "the subject is believed to have willfully hindered departure after the {date} order",
        "the subject did not appear for removal scheduled after the order of {date}",
        "the subject's final order of removal ({date}) remains unexecuted",
    ),
    "1326": (
        "the subject was removed in {year} and is believed to have re-entered without consent",
        "the subject allegedly reentered after a removal in {year}",
        "fingerprint records place the subject in the district after the {year} removal",
    ),
    "1325": (
        "the subject allegedly entered at a place other than a port of entry around {year}",
        "the subject is believed to have eluded inspection when entering in {year}",
    ),
    "1306": (
        "the subject allegedly failed to register or report an address change since {year}",
        "the subject is believed to have willfully failed to notify a change of address in {year}",
    ),
    "1546": (
        "the subject allegedly presented a counterfeit employment document in {year}",
        "the subject is believed to have used a fraudulent permanent resident card in {year}",
    ),
}
_TAILS = (
    "; the address is needed to serve the arrest warrant.",
    "; address verification supports the pending criminal complaint.",
    "; the residence must be confirmed before a grand jury subpoena issues.",
    "; the agent needs the address to locate the subject for the charging document.",
    "; filings for {periods} bear on residence in the district during the offence period.",
    "; confirming the address narrows the search before the planned arrest.",
    ". Address confirmation is needed for the prosecutor's venue determination.",
    ". The case agent has exhausted other sources for the subject's residence.",
)


def covered_statute(rng: random.Random) -> str:
    """A statute the reference agreement covers, in a random accepted spelling."""
    idx = rng.choices(range(len(_COVERED)), cum_weights=_COVERED_CUM)[0]
    title, section, _ = _COVERED[idx]
    return rng.choice(_SPELLINGS).format(t=title, s=section)


def statute_family(statute: str) -> str:
    """Which reason clauses fit a covered statute ("1253", "1326", ...)."""
    for key in ("1253", "1326", "1325", "1306", "1546"):
        if key in statute:
            return key
    return "1253"


def tax_periods(rng: random.Random, s_year: int) -> str:
    """1-3 `;`-separated years inside the agreement window S-6..S, ascending."""
    window = range(s_year - 6, s_year + 1)
    weights = (1, 1, 2, 3, 5, 6, 2)  # recent filing years are the ones usually asked for
    years = sorted(set(rng.choices(window, weights=weights, k=rng.choice((1, 2, 2, 3)))))
    return ";".join(str(y) for y in years)


def bad_tax_periods(rng: random.Random, s_year: int) -> str:
    """Tax periods that are R05: outside the window, malformed, or missing."""
    return rng.choice(
        (
            str(s_year - 10),
            f"{s_year % 100 - 3:02d};{s_year % 100 - 2:02d}",
            "",
            str(s_year + 1),
            f"{s_year - 7};{s_year - 1}",
            f"{s_year - 2},{s_year - 1}",
            f"FY{s_year - 1}",
            f"{s_year - 2}-{s_year - 1}",
        )
    )


def case_number(rng: random.Random, serial: int, s_year: int) -> str:
    """An invented investigation number, unique per serial (up to 7 digits)."""
    return f"{rng.choice(('ERO', 'HSI', 'CI'))}-{s_year % 100:02d}-{serial:06d}"


def removal_order(rng: random.Random, s_year: int) -> tuple[str, str]:
    """(removal_order_date, removal_order_number): a date in S-15 .. mid S-1, so always
    more than 90 days before submission (REQ-42 never triggers on these)."""
    start = dt.date(s_year - 15, 1, 1).toordinal()
    end = dt.date(s_year - 1, 6, 30).toordinal()
    day = dt.date.fromordinal(rng.randint(start, end))
    return day.isoformat(), f"RO-{day.year}-{rng.randint(1, 999_999):06d}"


def reason(
    rng: random.Random, case: str, statute: str, periods: str, removal_date: str, s_year: int
) -> str:
    """A reason text specific to this request: opener with the case number, a clause
    for the statute (with a date or year), and a varied tail."""
    family = statute_family(statute)
    year = rng.randint(s_year - 14, s_year - 1)
    date = removal_date or f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    clause = rng.choice(_CLAUSES[family]).format(date=date, year=year)
    tail = rng.choice(_TAILS).format(periods=periods.replace(";", " and ") or "the period")
    opener = rng.choice(_OPENERS).format(case=case)
    if opener.endswith(". "):
        clause = clause[0].upper() + clause[1:]
    return opener + clause + tail
