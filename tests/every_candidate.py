"""The oracle for candidate pruning: every taxpayer scored becomes a candidate.

This is how scored pairs were grouped before `build_candidates` kept only the
taxpayers that can bear on a decision: row by row, one candidate per
(request, taxpayer), each with the address checks over all of its records.
Tests check the pruned grouping against it: what is kept is the same
candidate, and what is dropped changes no decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import fields
from typing import Any

import pyarrow as pa

from matchgate.decide import evidence
from matchgate.decide.evidence import (
    LastKnownLookup,
    RequestFacts,
    address_from_row,
    person_from_row,
)
from matchgate.decide.policy import Candidate, Decision
from matchgate.standardise.addresses import addresses_match
from matchgate.standardise.given_names import is_known_given_name


def every_candidate(
    pairs: pa.Table,
    requests: Mapping[str, RequestFacts],
    last_known_of: LastKnownLookup,
    given_names_on_file: AbstractSet[str] | None = None,
) -> dict[str, list[Candidate]]:
    """One candidate per (request, taxpayer) scored, none left out."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    on_file: defaultdict[tuple[str, str], bool] = defaultdict(bool)
    near: defaultdict[tuple[str, str], bool] = defaultdict(bool)
    exact: defaultdict[tuple[str, str], bool] = defaultdict(bool)
    for row in pairs.to_pylist():
        request = requests[row["request_uid"]]
        key = (request.uid, row["tin"])
        if key not in best or row["match_weight"] > best[key]["match_weight"]:
            best[key] = row
        filed = address_from_row(row)
        on_file[key] |= addresses_match(request.address, filed)
        exact[key] |= evidence._exact(request.address, filed)
        near[key] |= evidence._same_door(request.address, filed)
    last_known = last_known_of(sorted({tin for _, tin in best}))
    grouped: dict[str, list[Candidate]] = defaultdict(list)
    for (request_uid, tin), row in best.items():
        request = requests[request_uid]
        lka = last_known.get(tin)
        given = request.person.name.given
        grouped[request_uid].append(
            Candidate(
                tin=tin,
                facts=person_from_row(row),
                match_weight=float(row["match_weight"]),
                match_probability=float(row["match_probability"]),
                address_on_file=on_file[(request_uid, tin)],
                address_is_lka=lka is not None and addresses_match(request.address, lka),
                address_near=near[(request_uid, tin)],
                field_weights=evidence._field_weights(row),
                address_exact=exact[(request_uid, tin)],
                request_given_unknown=(
                    given_names_on_file is not None
                    and bool(given)
                    and given not in given_names_on_file
                    and not is_known_given_name(given)
                ),
            )
        )
    return dict(grouped)


def what_is_decided(decision: Decision) -> dict[str, Any]:
    """Everything a decision says and records about the request, but its candidate list."""
    return {
        f.name: getattr(decision, f.name)
        for f in fields(decision)
        if f.name not in ("assessments", "candidates")
    }
