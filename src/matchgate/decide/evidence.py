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
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from matchgate.decide.policy import Candidate, PersonFacts
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


def build_candidates(
    pairs: pa.Table,
    requests: Mapping[str, RequestFacts],
    last_known: Mapping[str, StandardAddress],
    given_names_on_file: AbstractSet[str] | None = None,
) -> dict[str, list[Candidate]]:
    """Group scored pairs into one candidate per (request, taxpayer).

    `given_names_on_file`: the request given names some taxpayer on file has; a
    request's given name that is neither among them nor a known name
    (`is_known_given_name`) is flagged `request_given_unknown`. None: all known.
    """
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
        if not on_file[key] and addresses_match(request.address, filed):
            on_file[key] = True
        if not exact[key] and on_file[key] and _exact(request.address, filed):
            exact[key] = True
        if not near[key] and _same_door(request.address, filed):
            near[key] = True

    grouped: dict[str, list[Candidate]] = defaultdict(list)
    for (request_uid, tin), row in best.items():
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
            Candidate(
                tin=tin,
                facts=person_from_row(row),
                match_weight=float(row["match_weight"]),
                match_probability=float(row["match_probability"]),
                address_on_file=on_file[(request_uid, tin)],
                address_is_lka=lka is not None and addresses_match(request.address, lka),
                address_near=near[(request_uid, tin)],
                field_weights=_field_weights(row),
                address_exact=exact[(request_uid, tin)],
                request_given_unknown=unknown,
            )
        )
    return dict(grouped)
