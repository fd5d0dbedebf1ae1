"""What request builders share: the generated master file and the helpers (synth stage).

In: the population, address book and filings built by `generator.generate`.
Out: `World` (read-only facts plus the random sources) and `Planned`, one
request row with its ground truth before request ids are assigned.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np

from matchgate.synth import names_pool as npool
from matchgate.synth import paperwork
from matchgate.synth.address import AddressBook
from matchgate.synth.filings import Filings
from matchgate.synth.namefit import fits
from matchgate.synth.population import NameDrawer, Population
from matchgate.synth.tins import fresh_tins

REQUEST_COLUMNS = (
    "request_id",
    "case_number",
    "first_name",
    "last_name",
    "middle_name",
    "name_suffix",
    "aliases",
    "dob",
    "tin",
    "street",
    "city",
    "state",
    "zip",
    "tax_periods",
    "statute",
    "reason",
    "removal_order_date",
    "removal_order_number",
)
# Expected results (truth.csv `expected`).
VERIFIABLE = "VERIFIABLE"
NOT_VERIFIABLE = "NOT_VERIFIABLE"
AMBIGUOUS = "AMBIGUOUS"
REJECTED = "REJECTED"


@dataclass
class Planned:
    """One request row (fields except request_id) and its truth."""

    fields: dict[str, str]
    category: str
    expected: str
    codes: str = ""  # REJECTED only: FORMATS codes, unique, ascending, `;`-joined
    true_tin: str = ""  # the named person's TIN when that person is on file
    address_match: str = ""  # VERIFIABLE only: CURRENT or PRIOR
    name_group: str = ""
    variants: list[str] = field(default_factory=list)
    address_id: int = -1  # the physical address given, when it is one in the book
    name_variant: str = ""  # VERIFIABLE only: the synth.variants kind the name is written in


@dataclass
class World:
    """The generated master file plus the random sources the builders draw from."""

    pop: Population
    book: AddressBook
    filings: Filings
    rng: random.Random
    names: NameDrawer
    s_year: int  # year of the envelope's submitted_at
    np_rng: np.random.Generator
    taken_tins: set[str]  # every TIN on file, plus spare ones handed out
    dob_share: float = 0.9  # share of requests whose requester gives a DOB (SynthConfig)
    # Random, not sequential: a counter would reveal the order in which the
    # categories were built (case numbers appear in every reason text).
    case_serials: list[int] = field(default_factory=list)
    _case_serial: int = 999_999
    _spare: list[str] = field(default_factory=list)

    def paperwork(self, fields: dict[str, str]) -> dict[str, str]:
        """Fill case_number, tax_periods, statute, reason and removal-order fields (all valid)."""
        rng, s = self.rng, self.s_year
        if self.case_serials:
            serial = self.case_serials.pop()
        else:
            self._case_serial += 1
            serial = self._case_serial
        case = paperwork.case_number(rng, serial, s)
        statute = paperwork.covered_statute(rng)
        periods = paperwork.tax_periods(rng, s)
        r_date = r_num = ""
        if rng.random() < (0.6 if "1253" in statute else 0.15):
            r_date, r_num = paperwork.removal_order(rng, s)
        fields.update(
            case_number=case,
            tax_periods=periods,
            statute=statute,
            reason=paperwork.reason(rng, case, statute, periods, r_date, s),
            removal_order_date=r_date,
            removal_order_number=r_num,
        )
        return fields

    def residents_fitting(self, aid: int, first: str, last: str, skip: int = -1) -> list[int]:
        """People on file at `aid` (any source) whose filed name the requested name fits."""
        pop = self.pop
        return [
            q
            for q in self.filings.residents.get(aid, ())
            if q != skip and fits(first, last, pop.first[q], pop.middle[q], pop.last[q])
        ]

    def address_match(self, p: int, aid: int) -> str:
        """CURRENT when `aid` is p's LKA address; PRIOR otherwise (also when p has no LKA)."""
        return "CURRENT" if self.filings.lka_aid[p] == aid else "PRIOR"

    def only_w7_or_info(self, p: int, aid: int) -> bool:
        """Whether p's rows at `aid` are all W7 / INFO_RETURN (on file, but never an LKA)."""
        return aid not in self.filings.return_aids[p]

    def random_dob(self, lo: int = 1950, hi: int = 2004) -> str:
        day = self.rng.randint(dt.date(lo, 1, 1).toordinal(), dt.date(hi, 12, 31).toordinal())
        return dt.date.fromordinal(day).isoformat()

    def spare_tin(self) -> str:
        """A TIN (SSN- or ITIN-shaped) that nobody on file has and no earlier request used."""
        if not self._spare:
            self._spare = fresh_tins(64, self.taken_tins, self.np_rng)
        return self._spare.pop()


def name_group(group: int, last: str = "") -> str:
    """Truth `name_group`: one of names_pool.GROUP_LABELS (bench/accuracy.py reports
    recall and false matches per group; REQ-25)."""
    return npool.GROUP_LABELS[group]
