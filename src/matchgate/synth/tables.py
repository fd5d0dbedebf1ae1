"""Generated columns -> pyarrow tables with the FORMATS.md layout (synth stage, pure).

In: the `Population`, the `Filings` and the planned request rows in final
order. Out: the taxpayers, addresses, requests and truth tables. Column
names and order are the contract's (FORMATS.md §1-§2); an empty string
becomes null, which the CSV writer turns back into an empty cell.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from matchgate.synth.filings import Filings
from matchgate.synth.population import Population
from matchgate.synth.world import REQUEST_COLUMNS, Planned

TAXPAYER_COLUMNS = (
    "tin",
    "tin_type",
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "dob",
)
ADDRESS_COLUMNS = ("tin", "tax_year", "street", "city", "state", "zip", "source")
TRUTH_COLUMNS = (
    "request_id",
    "category",
    "expected",
    "expected_codes",
    "true_tin",
    "expected_address_match",
    "name_group",
    "variants",
    "name_variant",
)


def _strings(values: list[str]) -> pa.Array:
    arr = pa.array(values, type=pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def build_tables(
    pop: Population, filings: Filings, planned: list[Planned]
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """(taxpayers, addresses, requests, truth)."""
    # Taxpayers in TIN order: a master extract is keyed by TIN, and the order
    # must not reveal which people were generated as one household.
    order = sorted(range(len(pop)), key=pop.tin.__getitem__)
    columns = (pop.tin, pop.tin_type, pop.first, pop.middle, pop.last, pop.suffix, pop.dob)
    taxpayers = pa.table(
        [_strings([col[i] for i in order]) for col in columns], names=list(TAXPAYER_COLUMNS)
    )
    tin = pop.tin
    addresses = pa.table(
        [
            _strings([tin[p] for p in filings.person]),
            pa.array(filings.year, type=pa.int64()),
            _strings(filings.street),
            _strings(filings.city),
            _strings(filings.state),
            _strings(filings.zip),
            _strings(filings.source),
        ],
        names=list(ADDRESS_COLUMNS),
    )
    requests = pa.table(
        [_strings([r.fields.get(c, "") for r in planned]) for c in REQUEST_COLUMNS],
        names=list(REQUEST_COLUMNS),
    )
    truth_cols: list[list[str]] = [
        [r.fields["request_id"] for r in planned],
        [r.category for r in planned],
        [r.expected for r in planned],
        [r.codes for r in planned],
        [r.true_tin for r in planned],
        [r.address_match for r in planned],
        [r.name_group for r in planned],
        [";".join(r.variants) for r in planned],
        [r.name_variant for r in planned],
    ]
    truth = pa.table([_strings(c) for c in truth_cols], names=list(TRUTH_COLUMNS))
    return taxpayers, addresses, requests, truth
