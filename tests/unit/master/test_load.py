"""Loading a master file: the bulk path gives what standardising row by row gives.

The load reads both files in batches, standardises each distinct value once
(fast path, parser in worker processes) and joins back; these tests shrink
the batches so that every batch boundary and the worker pool are exercised
on a small synthetic file. Every person and address is made up.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from factories import address_row, taxpayer_row, write_csv, write_parquet
from matchgate.errors import InputFileError
from matchgate.intake.readers import read_master_addresses, read_master_taxpayers
from matchgate.master import distinct, staging
from matchgate.master.load import load_master
from matchgate.standardise.records import (
    standardise_addresses,
    standardise_identifiers,
    standardise_names,
)
from matchgate.standardise.street_fast import fast_street_parts
from matchgate.synth.generator import SynthConfig, generate
from matchgate.synth.writer import write
from matchgate.workspace import Workspace


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 997)
    monkeypatch.setattr(distinct, "DISTINCT_BATCH", 301)
    monkeypatch.setattr(distinct, "PARALLEL_MIN_VALUES", 1)


def query(workspace: Workspace, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(workspace.master_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_bulk_load_standardises_every_row_as_the_row_by_row_standardisers_do(
    tmp_path: Path, small_batches: None
) -> None:
    files = write(generate(SynthConfig(taxpayers=1200, requests=10, seed=3)), tmp_path / "in")
    workspace = Workspace(tmp_path / "ws")
    summary = load_master(files["taxpayers"], files["addresses"], workspace, processes=2)

    taxpayers = read_master_taxpayers(files["taxpayers"])
    expected_names = {
        **standardise_names(taxpayers),
        **standardise_identifiers(taxpayers),
    }
    names = ", ".join(expected_names)
    stored = query(workspace, f"SELECT {names} FROM taxpayers ORDER BY tin")
    order = sorted(range(taxpayers.num_rows), key=lambda i: taxpayers.column("tin")[i].as_py())
    expected = pa.table(expected_names).take(pa.array(order)).to_pylist()
    assert [dict(zip(expected_names, row, strict=True)) for row in stored] == expected

    addresses = read_master_addresses(files["addresses"])
    expected_streets = standardise_addresses(addresses)
    columns = ", ".join(expected_streets)
    stored_rows = query(workspace, f"SELECT {columns} FROM address_rows ORDER BY row_no")
    assert [dict(zip(expected_streets, row, strict=True)) for row in stored_rows] == (
        pa.table(expected_streets).to_pylist()
    )
    assert summary.address_rows == addresses.num_rows
    assert not list(workspace.home.glob(".master-load-*"))
    assert multiprocessing.active_children() == []  # no worker outlives the load


#: Every table of the master file, and how to read it whole in a fixed order.
MASTER_TABLES = ("taxpayers", "address_rows", "lka", "records", "tf_given", "tf_surname", "vintage")


def master_tables(workspace: Workspace) -> dict[str, list[tuple[object, ...]]]:
    tables = {}
    for table in MASTER_TABLES:
        # When the load ran is the one thing two loads of the same files may differ in.
        columns = "* EXCLUDE (loaded_at)" if table == "vintage" else "*"
        tables[table] = query(workspace, f"SELECT {columns} FROM {table} ORDER BY ALL")
    return tables


def test_the_street_fast_path_loads_the_master_file_the_parser_alone_loads_row_for_row(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reference load sends every street line to the parser (the names are
    # held to the row-by-row standardiser by the test above).
    files = write(generate(SynthConfig(taxpayers=900, requests=10, seed=11)), tmp_path / "in")
    fast = Workspace(tmp_path / "fast")
    load_master(files["taxpayers"], files["addresses"], fast, processes=2)

    def declines_every_line(streets: pa.Array) -> pa.Table:
        parts = fast_street_parts(streets)
        return parts.set_column(0, "decided", pa.repeat(False, parts.num_rows))

    monkeypatch.setattr(distinct, "fast_street_parts", declines_every_line)
    reference = Workspace(tmp_path / "reference")
    load_master(files["taxpayers"], files["addresses"], reference, processes=1)

    assert master_tables(fast) == master_tables(reference)


def test_one_record_per_taxpayer_and_standardised_address_numbered_the_same_every_time(
    tmp_path: Path,
) -> None:
    taxpayers = write_csv(tmp_path / "t.csv", [taxpayer_row()])
    addresses = write_csv(
        tmp_path / "a.csv",
        [
            address_row(tax_year="2022", street="1234 North Main Street"),
            address_row(tax_year="2023", street="1234 N MAIN ST", source="INFO_RETURN"),
            address_row(tax_year="2024", street="77 Oak Ave Apt 4", zip="78702-1234"),
        ],
    )
    first = Workspace(tmp_path / "one")
    second = Workspace(tmp_path / "two")
    load_master(taxpayers, addresses, first)
    load_master(taxpayers, addresses, second)
    sql = "SELECT uid, house_number, street_name, unit, zip5, tax_years FROM records ORDER BY uid"
    records = query(first, sql)
    # A record is named by its first row in the file (rows 1 and 3 here).
    assert records == [
        ("m1", "1234", "MAIN", None, "78701", [2022, 2023]),
        ("m3", "77", "OAK", "4", "78702", [2024]),
    ]
    assert query(second, sql) == records


@pytest.mark.parametrize(
    ("rows", "lka_street"),
    [
        # the RETURN or CHANGE_OF_ADDRESS row with the greatest tax year
        ([("2023", "1 OLD RD", "RETURN"), ("2024", "2 NEW RD", "RETURN")], "2 NEW RD"),
        # in a tie, CHANGE_OF_ADDRESS wins
        ([("2024", "2 COA RD", "CHANGE_OF_ADDRESS"), ("2024", "1 RET RD", "RETURN")], "2 COA RD"),
        # W7 and INFO_RETURN never set it, however recent
        (
            [
                ("2022", "1 RET RD", "RETURN"),
                ("2024", "9 W7 RD", "W7"),
                ("2024", "8 INFO RD", "INFO_RETURN"),
            ],
            "1 RET RD",
        ),
        # still tied: the later row in the file wins
        ([("2024", "1 FIRST RD", "RETURN"), ("2024", "2 SECOND RD", "RETURN")], "2 SECOND RD"),
        # no RETURN or CHANGE_OF_ADDRESS row: no LKA
        ([("2024", "9 W7 RD", "W7")], None),
    ],
)
def test_the_last_known_address_follows_the_formats_md_rule(
    tmp_path: Path, rows: list[tuple[str, str, str]], lka_street: str | None
) -> None:
    taxpayers = write_csv(tmp_path / "t.csv", [taxpayer_row()])
    addresses = write_csv(
        tmp_path / "a.csv",
        [address_row(tax_year=y, street=street, source=source) for y, street, source in rows],
    )
    workspace = Workspace(tmp_path / "ws")
    load_master(taxpayers, addresses, workspace)
    found = query(workspace, "SELECT street FROM lka")
    assert found == ([(lka_street,)] if lka_street else [])


def _many(count: int, **overrides: str) -> list[dict[str, str | None]]:
    return [taxpayer_row(tin=f"{800000000 + i}", **overrides) for i in range(count)]


@pytest.mark.parametrize(
    ("break_row", "change", "message", "column"),
    [
        (1500, {"tin": "12345"}, "TIN is not 9 digits", "tin"),
        (1500, {"tin_type": "EIN"}, "tin_type is not SSN or ITIN", "tin_type"),
        (1500, {"dob": "1980-02-30"}, "not a real YYYY-MM-DD date", "dob"),
        (1500, {"tin": "800000007"}, "TIN appears more than once", "tin"),
        (1500, {"tin": "0" * 9}, "TIN 000000000 is not a TIN", "tin"),  # never issued
    ],
)
def test_a_bad_taxpayer_row_in_a_later_batch_is_named_by_file_row_and_column(
    tmp_path: Path,
    small_batches: None,
    break_row: int,
    change: dict[str, str],
    message: str,
    column: str,
) -> None:
    rows = _many(2000)
    rows[break_row - 1] = {**rows[break_row - 1], **change}
    taxpayers = write_parquet(tmp_path / "taxpayers.parquet", rows)
    addresses = write_csv(tmp_path / "a.csv", [address_row(tin="800000001")])
    workspace = Workspace(tmp_path / "ws")
    with pytest.raises(InputFileError) as raised:
        load_master(taxpayers, addresses, workspace)
    error = raised.value
    assert (error.path, error.row, error.column) == (str(taxpayers), break_row, column)
    assert message in str(error)
    assert not workspace.master_db.exists()
    assert not list(workspace.home.glob(".master-load-*"))
    assert not list(workspace.home.glob("*.partial"))


@pytest.mark.parametrize(
    ("change", "message", "column"),
    [
        ({"tin": "899999999"}, "TIN not found in the taxpayers file", "tin"),
        ({"tax_year": "24"}, "tax_year is not a 4-digit year", "tax_year"),
        ({"source": "W2"}, "source is not one of", "source"),
        ({"state": "XX"}, "state is not a USPS state code", "state"),
        ({"state": "Texas"}, "state is not a USPS state code", "state"),
        ({"zip": "7870"}, "ZIP is not 5 digits or ZIP+4", "zip"),
        ({"zip": "78701-12"}, "ZIP is not 5 digits or ZIP+4", "zip"),
    ],
)
def test_a_bad_address_row_is_named_by_file_row_and_column(
    tmp_path: Path, small_batches: None, change: dict[str, str], message: str, column: str
) -> None:
    taxpayers = write_csv(tmp_path / "t.csv", _many(10))
    rows = [address_row(tin=f"{800000000 + i % 10}") for i in range(3000)]
    rows[2500] = {**rows[2500], **change}
    addresses = write_parquet(tmp_path / "addresses.parquet", rows)
    with pytest.raises(InputFileError) as raised:
        load_master(taxpayers, addresses, Workspace(tmp_path / "ws"))
    error = raised.value
    assert (error.path, error.row, error.column) == (str(addresses), 2501, column)
    assert message in str(error)


def test_a_failed_load_leaves_the_previous_vintage_in_place(tmp_path: Path) -> None:
    taxpayers = write_csv(tmp_path / "t.csv", [taxpayer_row()])
    workspace = Workspace(tmp_path / "ws")
    load_master(taxpayers, write_csv(tmp_path / "a.csv", [address_row()]), workspace)
    before = query(workspace, "SELECT vintage_id FROM vintage")
    broken = write_csv(tmp_path / "b.csv", [address_row(source="W2")])
    with pytest.raises(InputFileError):
        load_master(taxpayers, broken, workspace)
    assert query(workspace, "SELECT vintage_id FROM vintage") == before


def test_a_load_removes_the_scratch_folder_a_killed_load_left_behind(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    abandoned = workspace.home / ".master-load-999999999"
    (abandoned / "spill").mkdir(parents=True)
    taxpayers = write_csv(tmp_path / "t.csv", [taxpayer_row()])
    load_master(taxpayers, write_csv(tmp_path / "a.csv", [address_row()]), workspace)
    assert not abandoned.exists()


def test_an_address_without_state_or_zip_and_a_lower_case_state_load(tmp_path: Path) -> None:
    taxpayers = write_csv(tmp_path / "t.csv", [taxpayer_row()])
    rows = [address_row(state=None, zip=None), address_row(tax_year="2023", state=" tx ")]
    workspace = Workspace(tmp_path / "ws")
    load_master(taxpayers, write_csv(tmp_path / "a.csv", rows), workspace)
    assert workspace.master_db.exists()
