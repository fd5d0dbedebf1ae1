"""The synthetic data generator: determinism, contract shape, and truth that holds."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from matchgate.synth import SynthConfig, SynthData, generate, write
from matchgate.synth import writer as synth_writer
from matchgate.synth.filings import lka_rows
from matchgate.synth.namefit import fits, fold
from matchgate.synth.places import STREET_NAMES

TAXPAYER_HEADER = [
    "tin", "tin_type", "first_name", "middle_name", "last_name", "name_suffix", "dob",
]  # fmt: skip
ADDRESS_HEADER = ["tin", "tax_year", "street", "city", "state", "zip", "source"]
REQUEST_HEADER = [
    "request_id", "case_number", "first_name", "last_name", "middle_name", "name_suffix",
    "aliases", "dob", "tin", "street", "city", "state", "zip", "tax_periods", "statute",
    "reason", "removal_order_date", "removal_order_number",
]  # fmt: skip
TRUTH_HEADER = [
    "request_id", "category", "expected", "expected_codes", "true_tin",
    "expected_address_match", "name_group", "variants", "name_variant",
]  # fmt: skip
EXPECTED_BY_CATEGORY = {
    "genuine_current": "VERIFIABLE",
    "genuine_prior": "VERIFIABLE",
    "genuine_no_lka": "VERIFIABLE",
    "namesake_city": "VERIFIABLE",
    "deficient": "REJECTED",
    "duplicate_id": "REJECTED",
    "not_on_file": "NOT_VERIFIABLE",
    "address_not_on_file": "NOT_VERIFIABLE",
    "borrowed_tin": "NOT_VERIFIABLE",
    "dob_conflict": "NOT_VERIFIABLE",
    "relative_not_on_file": "NOT_VERIFIABLE",
    "relative_variant_not_on_file": "NOT_VERIFIABLE",
    "near_name_not_on_file": "NOT_VERIFIABLE",
    "jr_sr_same_address": "AMBIGUOUS",
    "twins_same_address": "AMBIGUOUS",
}
SMALL = SynthConfig(taxpayers=2000, requests=800)
Row = tuple[dict[str, Any], dict[str, Any], int]


@pytest.fixture(scope="module")
def data() -> SynthData:
    return generate(SMALL)


@pytest.fixture(scope="module")
def rows(data: SynthData) -> list[Row]:
    """(request, truth, address id given) per request row."""
    requests, truth = data.requests.to_pylist(), data.truth.to_pylist()
    return list(zip(requests, truth, data.request_address_ids, strict=True))


@pytest.fixture(scope="module")
def on_file(data: SynthData) -> dict[int, set[str]]:
    """Address id -> TINs with any row at that address."""
    out: dict[int, set[str]] = defaultdict(set)
    for tin, aid in zip(data.addresses.column("tin").to_pylist(), data.address_ids, strict=True):
        out[aid].add(tin)
    return out


def _person(data: SynthData) -> dict[str, dict[str, str]]:
    return {r["tin"]: {k: v or "" for k, v in r.items()} for r in data.taxpayers.to_pylist()}


def _fits(req: dict[str, str | None], person: dict[str, str]) -> bool:
    """The request's name, or one of its aliases, fits the person."""
    names = [(req["first_name"] or "", req["last_name"] or "")]
    for alias in (req.get("aliases") or "").split(";"):
        if alias.strip():
            first, _, last = alias.strip().rpartition(" ")
            names.append((first, last))
    return any(
        fits(first, last, person["first_name"], person["middle_name"], person["last_name"])
        for first, last in names
    )


def test_same_seed_gives_identical_data() -> None:
    cfg = SynthConfig(taxpayers=300, requests=120, seed=3)
    a, b = generate(cfg), generate(cfg)
    for role in ("taxpayers", "addresses", "requests", "truth"):
        assert getattr(a, role).equals(getattr(b, role)), role
    assert a.envelope == b.envelope


def test_different_seeds_give_different_data() -> None:
    a = generate(SynthConfig(taxpayers=300, requests=120, seed=3))
    b = generate(SynthConfig(taxpayers=300, requests=120, seed=4))
    assert not a.taxpayers.equals(b.taxpayers)
    assert not a.requests.equals(b.requests)


def test_sizes_and_envelope(data: SynthData) -> None:
    assert data.taxpayers.num_rows == SMALL.taxpayers
    assert data.requests.num_rows == SMALL.requests == data.truth.num_rows
    env = data.envelope
    assert env["agreement_id"] == "reference-6103i2"
    assert env["certified"] is True
    assert env["requesting_official"]["title"] == "Director"
    assert env["submitted_at"] == SMALL.submitted_at
    assert env["batch_id"] == SMALL.batch_id


def test_every_category_appears_with_its_expected_result(data: SynthData) -> None:
    pairs = Counter(zip(data.truth.column("category").to_pylist(),
                        data.truth.column("expected").to_pylist(), strict=True))  # fmt: skip
    assert {c for c, _ in pairs} == set(EXPECTED_BY_CATEGORY)
    for (category, expected), _ in pairs.items():
        assert EXPECTED_BY_CATEGORY[category] == expected


def test_taxpayer_tins_are_unique_nine_digits_of_synthetic_ranges(data: SynthData) -> None:
    tins = data.taxpayers.column("tin").to_pylist()
    types = data.taxpayers.column("tin_type").to_pylist()
    assert len(set(tins)) == len(tins)
    for tin, kind in zip(tins, types, strict=True):
        assert len(tin) == 9 and tin.isdigit()
        if kind == "ITIN":
            assert tin[0] == "9" and 70 <= int(tin[3:5]) <= 88
        else:
            assert kind == "SSN" and tin[0] == "8"


def test_every_address_row_refers_to_a_taxpayer(data: SynthData) -> None:
    tins = set(data.taxpayers.column("tin").to_pylist())
    assert set(data.addresses.column("tin").to_pylist()) <= tins
    sources = set(data.addresses.column("source").to_pylist())
    assert sources == {"RETURN", "CHANGE_OF_ADDRESS", "W7", "INFO_RETURN"}
    years = data.addresses.column("tax_year").to_pylist()
    assert min(years) == 2019 and max(years) == 2024


def test_verifiable_rows_match_the_lka_rule(
    data: SynthData, rows: list[Row], on_file: dict[int, set[str]]
) -> None:
    table = data.addresses
    lka = lka_rows(
        table.column("tin").to_pylist(),
        table.column("tax_year").to_pylist(),
        table.column("source").to_pylist(),
    )
    seen: Counter[str] = Counter()
    for _, truth, aid in rows:
        if truth["expected"] != "VERIFIABLE":
            assert truth["expected_address_match"] is None
            continue
        tin = truth["true_tin"]
        assert tin in on_file[aid], "the address given is one of the person's addresses on file"
        is_lka = tin in lka and data.address_ids[lka[tin]] == aid
        assert truth["expected_address_match"] == ("CURRENT" if is_lka else "PRIOR")
        seen[truth["expected_address_match"]] += 1
        if truth["category"] == "genuine_no_lka":
            assert tin not in lka
    assert seen["CURRENT"] and seen["PRIOR"]


def test_verifiable_names_fit_their_person_and_nobody_else(
    data: SynthData, rows: list[Row], on_file: dict[int, set[str]]
) -> None:
    people = _person(data)
    for req, truth, aid in rows:
        if truth["expected"] != "VERIFIABLE":
            continue
        person = people[truth["true_tin"]]
        assert _fits(req, person), (req["first_name"], req["last_name"], truth["variants"])
        if req["dob"] and person["dob"]:
            assert req["dob"] == person["dob"]
        if req["tin"]:
            assert req["tin"].replace("-", "") == truth["true_tin"]
        else:
            others = [t for t in on_file[aid] if t != truth["true_tin"] and _fits(req, people[t])]
            assert not others, "a look-alike at the address needs the TIN to separate them"


def test_ambiguous_rows_fit_two_people_and_give_no_tin(
    data: SynthData, rows: list[Row], on_file: dict[int, set[str]]
) -> None:
    people = _person(data)
    for req, truth, aid in rows:
        if truth["expected"] == "AMBIGUOUS":
            assert not req["tin"] and not req["name_suffix"]
            assert sum(_fits(req, people[t]) for t in on_file[aid]) >= 2


def test_not_verifiable_rows_have_no_fitting_match(
    data: SynthData, rows: list[Row], on_file: dict[int, set[str]]
) -> None:
    people = _person(data)
    for req, truth, aid in rows:
        if truth["expected"] != "NOT_VERIFIABLE":
            continue
        fitting = {t for t in on_file.get(aid, ()) if _fits(req, people[t])}
        category, tin = truth["category"], truth["true_tin"]
        if category in ("relative_variant_not_on_file", "near_name_not_on_file"):
            # Built to look like a resident: another real person, not that resident.
            assert fitting and not tin and not req["tin"]
        elif category in ("borrowed_tin", "dob_conflict"):
            assert fitting == {tin}
            if category == "borrowed_tin":
                assert req["tin"].replace("-", "") in people and req["tin"].replace("-", "") != tin
            else:
                assert req["dob"] != people[tin]["dob"]
        else:
            assert not fitting
            if category == "not_on_file" and req["tin"]:
                assert req["tin"].replace("-", "") not in people


def test_namesake_rows_have_a_same_named_person_elsewhere_in_the_city(
    data: SynthData, rows: list[Row], on_file: dict[int, set[str]]
) -> None:
    people = _person(data)
    city_of: dict[int, str] = {}
    aids_of: dict[str, set[int]] = defaultdict(set)
    table = data.addresses
    for tin, city, aid in zip(
        table.column("tin").to_pylist(),
        table.column("city").to_pylist(),
        data.address_ids,
        strict=True,
    ):
        city_of[aid] = fold(city)
        aids_of[tin].add(aid)
    found = 0
    for _, truth, aid in rows:
        if truth["category"] != "namesake_city":
            continue
        me = people[truth["true_tin"]]
        key = (fold(me["first_name"]), fold(me["last_name"]))
        namesakes = [
            t for t, p in people.items()
            if t != truth["true_tin"] and (fold(p["first_name"]), fold(p["last_name"])) == key
            and any(city_of[a] == city_of[aid] for a in aids_of[t])
        ]  # fmt: skip
        assert namesakes, "someone else with the same name lives in the same city"
        assert not any(t in on_file[aid] for t in namesakes), "but not at this address"
        found += 1
    assert found


def test_every_row_code_appears_and_codes_are_well_formed(rows: list[Row]) -> None:
    codes: Counter[str] = Counter()
    for _, truth, _ in rows:
        if truth["expected"] != "REJECTED":
            assert truth["expected_codes"] is None
            continue
        listed = truth["expected_codes"].split(";")
        assert listed == sorted(set(listed))
        codes.update(listed)
    assert {"R01", "R02", "R03", "R04", "R05", "R06", "R07", "R10"} <= set(codes)
    assert not {"R08", "R09"} & set(codes)


def test_duplicate_ids_follow_their_first_occurrence(rows: list[Row]) -> None:
    first_seen: dict[str, int] = {}
    for i, (req, truth, _) in enumerate(rows):
        rid = req["request_id"]
        if truth["category"] == "duplicate_id":
            assert rid in first_seen and first_seen[rid] < i
            assert "R06" in truth["expected_codes"].split(";")
        else:
            assert rid not in first_seen
            first_seen[rid] = i
        assert truth["request_id"] == rid


def test_valid_rows_carry_valid_paperwork(data: SynthData, rows: list[Row]) -> None:
    s = int(SMALL.submitted_at[:4])
    reasons = []
    for req, truth, _ in rows:
        if truth["expected"] == "REJECTED":
            continue
        years = [int(y) for y in req["tax_periods"].split(";")]
        assert all(s - 6 <= y <= s for y in years)
        assert req["statute"] and req["case_number"] and req["reason"]
        assert req["case_number"] in req["reason"]
        if req["dob"]:
            dt.date.fromisoformat(req["dob"])
        reasons.append(req["reason"])
    assert len(set(reasons)) == len(reasons), "reason texts are specific per request"


def test_street_names_are_never_one_edit_apart() -> None:
    def one_edit(a: str, b: str) -> bool:
        if len(a) == len(b):
            return sum(x != y for x, y in zip(a, b, strict=True)) == 1
        short, long_ = sorted((a, b), key=len)
        return len(long_) - len(short) == 1 and any(
            long_[:i] + long_[i + 1 :] == short for i in range(len(long_))
        )

    names = [n for n in STREET_NAMES if len(n.replace(" ", "")) >= 5]
    assert len(set(STREET_NAMES)) == len(STREET_NAMES)
    assert not [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if one_edit(a, b)]


def test_lka_rows_follow_the_tie_rules() -> None:
    keys = ["A", "A", "A", "B", "B", "C", "C", "D"]
    years = [2022, 2023, 2023, 2024, 2024, 2023, 2024, 2024]
    sources = ["RETURN", "CHANGE_OF_ADDRESS", "RETURN", "RETURN", "RETURN", "RETURN",
               "INFO_RETURN", "W7"]  # fmt: skip
    assert lka_rows(keys, years, sources) == {"A": 1, "B": 4, "C": 5}


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_write_produces_the_files_in_contract_order(data: SynthData, tmp_path: Path) -> None:
    paths = write(data, tmp_path / "out")
    assert set(paths) == {"taxpayers", "addresses", "requests", "envelope", "truth"}
    headers = {"taxpayers": TAXPAYER_HEADER, "addresses": ADDRESS_HEADER,
               "requests": REQUEST_HEADER, "truth": TRUTH_HEADER}  # fmt: skip
    for role, header in headers.items():
        table = _read_csv(paths[role])
        assert table[0] == header
        assert len(table) - 1 == getattr(data, role).num_rows
    assert paths["requests"].read_bytes().count(b"\r\n") == data.requests.num_rows + 1
    requests = _read_csv(paths["requests"])
    assert all(cell != "None" for row in requests for cell in row)
    assert json.loads(paths["envelope"].read_text(encoding="utf-8")) == data.envelope
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in paths.values()
    )


def test_write_into_a_file_path_fails_and_leaves_nothing(data: SynthData, tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    with pytest.raises(OSError):
        write(data, target)
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-dir"]
    assert target.read_text() == "x"


def test_write_failing_midway_leaves_no_partial_output(
    data: SynthData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(envelope: dict[str, object], fh: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(synth_writer, "_write_json", broken)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        write(data, out)
    assert list(out.iterdir()) == []


def test_issue8_relatives_not_on_file_give_their_own_dob_as_often_as_anyone(
    data: SynthData, rows: list[Row], on_file: dict[int, set[str]]
) -> None:
    people = _person(data)
    traps = [
        (req, aid)
        for req, truth, aid in rows
        if truth["category"] in ("relative_variant_not_on_file", "near_name_not_on_file")
    ]
    with_dob = [(req, aid) for req, aid in traps if req["dob"]]
    # The batch's DOB share (0.9) holds for them too; without a DOB they are the hard trap.
    assert len(traps) > 10 and 0.6 < len(with_dob) / len(traps) < 1.0
    for req, aid in with_dob:
        assert req["dob"] not in {people[t]["dob"] for t in on_file[aid]}


def test_issue8_an_anglicised_name_carries_the_filed_name_as_an_alias(rows: list[Row]) -> None:
    anglicised = [req for req, truth, _ in rows if truth["name_variant"] == "anglicised"]
    assert anglicised and all(req["aliases"] for req in anglicised)


def test_past_batches_are_drawn_over_the_same_master_file_without_changing_the_batch(
    data: SynthData,
) -> None:
    with_past = generate(replace(SMALL, past_batches=1))
    assert with_past.taxpayers.equals(data.taxpayers)
    assert with_past.addresses.equals(data.addresses)
    assert with_past.requests.equals(data.requests)
    [(past, envelope)] = with_past.past
    assert past.num_rows == data.requests.num_rows and not past.equals(data.requests)
    assert envelope["batch_id"] != data.envelope["batch_id"]
