"""Stage 4 (decide): turning scored pairs into per-taxpayer candidates.

In: the candidate pairs from the match engine (one row per request x master
record, with Splink's weights and the record's standardised fields), the
standardised requests, and the candidates' last known addresses. Out: for
each request, one `Candidate` per taxpayer: the best-scoring record's weight,
whether the address given matches *any* address on file for that taxpayer
(FORMATS.md §4, deterministic, after standardisation) and whether it matches
the taxpayer's last known address (then `address_match` is CURRENT).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from matchgate.decide.policy import Candidate, PersonFacts, bears_on_decision
from matchgate.standardise.addresses import (
    StandardAddress,
    StreetKind,
    StreetParts,
    addresses_match,
)
from matchgate.standardise.given_names import is_known_given_name
from matchgate.standardise.names import StandardName


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """A standardised, validated request as the decision stage sees it."""

    uid: str
    person: PersonFacts
    address: StandardAddress


def _s(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def street_parts_from_row(row: Mapping[str, Any]) -> StreetParts:
    """Rebuild parsed street parts from standardised columns of a table row."""
    kind_value = row.get("street_kind")
    if kind_value:
        kind = StreetKind(kind_value)
    else:
        kind = (
            StreetKind.STREET
            if row.get("house_number") and row.get("street_name")
            else (StreetKind.EMPTY)
        )
    return StreetParts(
        kind=kind,
        number=_s(row, "house_number"),
        number_suffix=_s(row, "number_suffix"),
        predir=_s(row, "predir"),
        name=_s(row, "street_name"),
        street_type=_s(row, "street_type"),
        postdir=_s(row, "postdir"),
        unit_type="",
        unit=_s(row, "unit"),
    )


def address_from_row(row: Mapping[str, Any]) -> StandardAddress:
    return StandardAddress(
        street=street_parts_from_row(row),
        city=_s(row, "city"),
        state=_s(row, "state"),
        zip5=_s(row, "zip5"),
    )


def name_from_row(row: Mapping[str, Any]) -> StandardName:
    return StandardName(
        given=_s(row, "given"),
        given_keys=tuple(row.get("given_keys") or ()),
        middle=_s(row, "middle"),
        surname=_s(row, "surname"),
        surname_tokens=tuple(row.get("surname_tokens") or ()),
        suffix=_s(row, "suffix"),
    )


def person_from_row(row: Mapping[str, Any]) -> PersonFacts:
    return PersonFacts(name=name_from_row(row), dob=row.get("dob"), tin=row.get("tin"))


def _field_weights(row: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    return tuple(
        (key[3:], round(float(value), 4))
        for key, value in row.items()
        if key.startswith("mw_") and value is not None
    )


def _same_door(given: StandardAddress, filed: StandardAddress) -> bool:
    """Same house number and same ZIP5 (or, without ZIPs, same city and state)."""
    if not given.street.number or given.street.number != filed.street.number:
        return False
    if given.zip5 and filed.zip5:
        return given.zip5 == filed.zip5
    return bool(given.city) and (given.city, given.state) == (filed.city, filed.state)


def _exact(given: StandardAddress, filed: StandardAddress) -> bool:
    """The address on file exactly: it matches (FORMATS.md §4), the street name has no
    edit, and where the file has a unit the request gives the same one."""
    if not addresses_match(given, filed) or given.street.name != filed.street.name:
        return False
    return not filed.street.unit or given.street.unit == filed.street.unit


#: The last known addresses of some taxpayers, standardised, by TIN (a TIN without
#: one is absent): asked only for the taxpayers kept as candidates.
LastKnownLookup = Callable[[Sequence[str]], Mapping[str, StandardAddress]]


def build_candidates(
    pairs: pa.Table,
    requests: Mapping[str, RequestFacts],
    last_known_of: LastKnownLookup,
    given_names_on_file: AbstractSet[str] | None = None,
) -> dict[str, list[Candidate]]:
    """Group scored pairs into one candidate per (request, taxpayer) that may count.

    Only the taxpayers that can bear on the decision become candidates
    (`bears_on_decision`: a name that fits, with or without a conflict), and
    beside them the taxpayer whose TIN the request gives (a borrowed TIN is
    shown for what it is) and the request's top-scored taxpayer: the others, most
    often other people at the same house number and ZIP, cannot change the
    decision under any thresholds, so they are neither checked nor recorded.

    `given_names_on_file`: the request given names some taxpayer on file has; a
    request's given name that is neither among them nor a known name
    (`is_known_given_name`) is flagged `request_given_unknown`. None: all known.
    """
    # Column by column, not row dicts: a national chunk has millions of pairs,
    # and most of their columns are read for a few candidates only.
    uids = pairs.column("request_uid").to_pylist()
    tins = pairs.column("tin").to_pylist()
    weights = pairs.column("match_weight").to_pylist()
    best: dict[tuple[str, str], int] = {}
    for index, key in enumerate(zip(uids, tins, strict=True)):
        found = best.get(key)
        if found is None or weights[index] > weights[found]:
            best[key] = index

    # Each request's top-scored taxpayer, ranked as the policy ranks (weight, then TIN).
    top: dict[str, tuple[float, str]] = {}
    for (request_uid, tin), index in best.items():
        rank = (-float(weights[index]), tin)
        if request_uid not in top or rank < top[request_uid]:
            top[request_uid] = rank

    people = _Columns(pairs, _PERSON_COLUMNS, list(best.values()))
    kept: dict[tuple[str, str], Candidate] = {}
    for position, (key, index) in enumerate(best.items()):
        request_uid, tin = key
        person = requests[request_uid].person
        # Scored, with its facts; its address checks are made only if it is kept.
        candidate = Candidate(
            tin=tin,
            facts=person_from_row(people.row(position)),
            match_weight=float(weights[index]),
            match_probability=0.0,
            address_on_file=False,
            address_is_lka=False,
        )
        if top[request_uid][1] == tin or tin == person.tin or bears_on_decision(person, candidate):
            kept[key] = candidate

    rows = [i for i, key in enumerate(zip(uids, tins, strict=True)) if key in kept]
    records = _Columns(pairs, _ADDRESS_COLUMNS, rows)
    on_file: defaultdict[tuple[str, str], bool] = defaultdict(bool)
    near: defaultdict[tuple[str, str], bool] = defaultdict(bool)
    exact: defaultdict[tuple[str, str], bool] = defaultdict(bool)
    for position, index in enumerate(rows):
        key = (uids[index], tins[index])
        asked = requests[key[0]].address
        filed = address_from_row(records.row(position))
        if not on_file[key] and addresses_match(asked, filed):
            on_file[key] = True
        if not exact[key] and on_file[key] and _exact(asked, filed):
            exact[key] = True
        if not near[key] and _same_door(asked, filed):
            near[key] = True

    last_known = last_known_of(sorted({tin for _, tin in kept}))
    chosen = [best[key] for key in kept]
    scores = _Columns(pairs, ["match_probability"], chosen)
    evidence = _Columns(pairs, [c for c in pairs.column_names if c.startswith("mw_")], chosen)
    grouped: dict[str, list[Candidate]] = defaultdict(list)
    for position, (key, candidate) in enumerate(kept.items()):
        request_uid, tin = key
        request = requests[request_uid]
        lka = last_known.get(tin)
        given = request.person.name.given
        unknown = (
            given_names_on_file is not None
            and bool(given)
            and given not in given_names_on_file
            and not is_known_given_name(given)
        )
        grouped[request_uid].append(
            replace(
                candidate,
                match_probability=float(scores.row(position)["match_probability"]),
                address_on_file=on_file[key],
                address_is_lka=lka is not None and addresses_match(request.address, lka),
                address_near=near[key],
                field_weights=_field_weights(evidence.row(position)),
                address_exact=exact[key],
                request_given_unknown=unknown,
            )
        )
    return dict(grouped)


#: The pair columns a candidate's facts and its records' addresses are read from.
_PERSON_COLUMNS = (
    "tin",
    "given",
    "given_keys",
    "middle",
    "surname",
    "surname_tokens",
    "suffix",
    "dob",
)
_ADDRESS_COLUMNS = (
    "street_kind",
    "house_number",
    "number_suffix",
    "predir",
    "street_name",
    "street_type",
    "postdir",
    "unit",
    "city",
    "state",
    "zip5",
)


class _Columns:
    """Some columns of some rows of a table, as Python values, read row by row."""

    def __init__(self, table: pa.Table, names: Sequence[str], indices: list[int]) -> None:
        self.indices = indices
        taken = table.select([n for n in names if n in table.column_names]).take(
            pa.array(indices, pa.int64())
        )
        self._names = taken.column_names
        self._values = [column.to_pylist() for column in taken.columns]

    def row(self, position: int) -> dict[str, Any]:
        pairs = zip(self._names, self._values, strict=True)
        return {name: values[position] for name, values in pairs}
