"""Stage 3 (match) behind the pipeline's `Matcher` interface, on DuckDB.

In: standardised requests (a chunk of a batch). Out: per request, one
`Candidate` per taxpayer (Splink's score plus the deterministic address
checks), and on demand the last known addresses as filed for the taxpayers
a batch verified. The scored pairs stay an Arrow table; they become Python
objects a slice of requests at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa

from matchgate.decide.evidence import RequestFacts, address_from_row, build_candidates
from matchgate.decide.policy import Candidate
from matchgate.disclose.minimise import LastKnownAddress
from matchgate.match.engine import (
    MasterConnection,
    given_names_on_file,
    last_known_addresses,
    score_requests,
)
from matchgate.match.model import MatchModel
from matchgate.match.pairs import PAIRS_PER_SLICE, request_slices
from matchgate.standardise.addresses import StandardAddress


class SplinkMatcher:
    """Scores requests with a trained model against one master vintage."""

    def __init__(self, master: MasterConnection, model: MatchModel) -> None:
        self.master = master
        self.model = model
        self.vintage_id = str(master.vintage()["vintage_id"])
        self.model_version = model.version
        self.requests_scored = 0

    def candidates(
        self, requests: Mapping[str, RequestFacts], table: pa.Table
    ) -> dict[str, list[Candidate]]:
        self.requests_scored += table.num_rows
        pairs = score_requests(self.master, self.model, table)
        givens = [g for g in table.column("given").to_pylist() if g]
        on_file = given_names_on_file(self.master, givens)
        found: dict[str, list[Candidate]] = {}
        for part in request_slices(pairs, PAIRS_PER_SLICE):
            found.update(build_candidates(part, requests, self._standard_lkas, on_file))
        return found

    def _standard_lkas(self, tins: Sequence[str]) -> dict[str, StandardAddress]:
        rows = last_known_addresses(self.master, list(tins)).to_pylist()
        return {row["tin"]: address_from_row(row) for row in rows}

    def last_known_addresses(self, tins: Sequence[str]) -> dict[str, LastKnownAddress]:
        rows = last_known_addresses(self.master, list(tins)).to_pylist()
        return {
            row["tin"]: LastKnownAddress(
                street=(row["lka_street"] or "").strip(),
                city=(row["lka_city"] or "").strip(),
                state=(row["lka_state"] or "").strip().upper(),
                zip=(row["lka_zip"] or "").strip(),
            )
            for row in rows
        }
