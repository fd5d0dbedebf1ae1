"""What loading a master-file vintage produced: its id and its counts.

In: the result of `master/load.py`. Out: a `MasterSummary` that the service
layer, the audit event `master_loaded` and the CLI's table read. Kept apart
from the loader (which runs DuckDB) so that code which only reports on a
load never imports the engine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MasterSummary:
    vintage_id: str
    taxpayers: int
    address_rows: int
    records: int
    taxpayers_with_lka: int
    unusable_address_rows: int
    seconds: float
