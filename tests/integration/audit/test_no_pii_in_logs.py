"""REQ-38: no taxpayer data in the application log or in error output.

A synthetic world (1,500 taxpayers, 300 requests, seed 6) goes through the
whole workflow on the command line, in a SQLite workspace: master load,
model train, users, batch submit, every review item decided, approve,
release, respond, accounting, remediation, audit verify and export. Then
``matchgate.log`` must hold ids, states and counts only: no TIN, no date of
birth, no last name, no street line from the inputs. Failed commands print
a message, never a traceback, and never the values of the rows they quote.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from matchgate import demo
from matchgate.logs import LOGGER_NAME

from .flow import ADMIN, APPROVER, AUDITOR, OFFICER, OPERATOR, Result, cli, cli_ok

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Run:
    home: Path
    files: dict[str, Path]
    batch_id: str
    reviewed: int
    outputs: list[Result]

    def ws(self) -> tuple[str, str]:
        return ("--workspace", str(self.home))


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    logger = logging.getLogger(LOGGER_NAME)
    handlers = list(logger.handlers)
    folder = tmp_path_factory.mktemp("pii")
    files = demo.synthesise(folder / "world", taxpayers=1500, requests=300, seed=6)
    home = folder / "workspace"
    ws = ("--workspace", str(home))
    batch_id = json.loads(files["envelope"].read_text(encoding="utf-8"))["batch_id"]
    outputs: list[Result] = []

    def ok(*args: str | Path) -> Result:
        result = cli_ok(*args, *ws)
        outputs.append(result)
        return result

    ok("user", "add", ADMIN, "--role", "admin")
    for name, role in (
        (OPERATOR, "operator"), (OFFICER, "officer"), (APPROVER, "approver"), (AUDITOR, "auditor"),
    ):  # fmt: skip
        ok("user", "add", name, "--role", role, "--as", ADMIN)
    ok("master", "load", "--taxpayers", files["taxpayers"], "--addresses", files["addresses"],
       "--as", OPERATOR)  # fmt: skip
    ok("model", "train", "--as", OPERATOR)
    submitted = json.loads(
        ok("batch", "submit", files["requests"], "--envelope", files["envelope"],
           "--as", OPERATOR, "--json").out
    )  # fmt: skip
    assert submitted["state"] == "in_review"
    assert submitted["rows"] == 300
    items = json.loads(ok("review", "list", "--batch", batch_id, "--json", "--as", OFFICER).out)
    assert len(items) == submitted["pending_review"] > 0
    for index, item in enumerate(items):
        decision = "--confirm" if index % 2 == 0 else "--deny"
        ok("review", "decide", item["item_id"], decision, "--note", "checked", "--as", OFFICER)
    ok("batch", "approve", batch_id, "--as", APPROVER)
    ok("batch", "release", batch_id, "--as", APPROVER)
    ok("batch", "respond", batch_id, "--out", folder / "response.csv", "--as", OPERATOR)
    ok("batch", "show", batch_id, "--json")
    ok("accounting", "--as", AUDITOR, "--csv", folder / "accounting.csv")
    ok("accounting", "--summary", "--as", AUDITOR)
    disclosed = rows_of(folder / "accounting.csv")
    assert disclosed
    tin = disclosed[0]["tin"]
    ok("accounting", "--tin", tin, "--as", AUDITOR)
    ok("remediate", "--agreement", "reference-6103i2", "--notice", folder / "notice.csv",
       "--as", AUDITOR)  # fmt: skip
    ok("audit", "verify", "--as", AUDITOR)
    ok("audit", "export", "--out", folder / "audit.jsonl", "--as", AUDITOR)
    try:
        yield Run(home, files, batch_id, len(items), outputs)
    finally:
        for handler in logger.handlers[:]:
            if handler not in handlers:
                logger.removeHandler(handler)
                handler.close()


def taxpayer_data(files: dict[str, Path]) -> dict[str, set[str]]:
    """Every TIN, DOB, last name (>= 4 letters) and street line in the inputs."""
    taxpayers = rows_of(files["taxpayers"])
    requests = rows_of(files["requests"])
    addresses = rows_of(files["addresses"])
    tins = {t["tin"] for t in taxpayers} | {
        re.sub(r"\D", "", r["tin"]) for r in requests if len(re.sub(r"\D", "", r["tin"])) == 9
    }
    dobs = {t["dob"] for t in taxpayers if t["dob"]} | {r["dob"] for r in requests if r["dob"]}
    last_names = {
        part
        for t in taxpayers
        for part in re.split(r"[\s\-']+", t["last_name"])
        if len(part) >= 4 and part.isalpha()
    }
    streets = {a["street"] for a in addresses if a["street"]} | {
        r["street"] for r in requests if len(r["street"]) >= 6
    }
    return {"tin": tins, "dob": dobs, "last name": last_names, "street": streets}


def leaks(text: str, files: dict[str, Path]) -> list[tuple[str, str]]:
    found = []
    upper = text.upper()
    for kind, values in taxpayer_data(files).items():
        for value in values:
            if kind == "last name":
                if re.search(rf"\b{re.escape(value.upper())}\b", upper):
                    found.append((kind, value))
            elif value.upper() in upper:
                found.append((kind, value))
    return sorted(found)


def test_req38_the_log_holds_ids_states_and_counts_but_no_taxpayer_data(run: Run) -> None:
    log = (run.home / "matchgate.log").read_text(encoding="utf-8")
    assert log.strip()
    # What the log is for: the batch's way through its states, and the reviews.
    assert f"batch {run.batch_id} received: 300 rows" in log
    assert f"batch {run.batch_id}: approved -> released" in log
    assert log.count("review item D-") == run.reviewed
    data = taxpayer_data(run.files)
    assert len(data["tin"]) >= 1500 and len(data["last name"]) > 100 and data["street"]
    # The detector finds what is there: the accounting (custodian-only) names taxpayers.
    accounting = (run.home.parent / "accounting.csv").read_text(encoding="utf-8")
    assert {kind for kind, _ in leaks(accounting, run.files)} >= {"tin"}

    assert leaks(log, run.files) == []


def test_req38_a_malformed_request_file_fails_without_traceback_or_its_values(
    run: Run, tmp_path: Path
) -> None:
    source = rows_of(run.files["requests"])[1]
    bad = tmp_path / "requests.csv"
    # An unbalanced quote in a row full of a real-looking request.
    header = list(source)
    values = [source[c] for c in header]
    values[header.index("street")] = '"' + values[header.index("street")]
    bad.write_text(",".join(header) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    envelope = json.loads(run.files["envelope"].read_text(encoding="utf-8"))
    envelope["batch_id"] = "SYN-MALFORMED"
    (tmp_path / "envelope.json").write_text(json.dumps(envelope), encoding="utf-8")

    result = cli(
        "batch",
        "submit",
        bad,
        "--envelope",
        tmp_path / "envelope.json",
        "--as",
        OPERATOR,
        *run.ws(),
    )

    assert result.code == 2, result
    output = result.out + result.err
    assert "requests.csv" in output
    assert "Traceback" not in output
    assert leaks(output, run.files) == []
    for column in ("first_name", "last_name", "street", "dob", "tin"):
        if len(source[column]) >= 4:
            assert source[column].upper() not in output.upper()


@pytest.mark.parametrize(
    "args",
    [
        ("batch", "show", "NO-SUCH-BATCH"),
        ("review", "decide", "D-000000000000000000000000", "--confirm", "--note", "x",
         "--as", OFFICER),
        ("batch", "approve", "NO-SUCH-BATCH", "--as", OPERATOR),
        ("accounting", "--since", "yesterday", "--as", AUDITOR),
        ("batch", "respond", "NO-SUCH-BATCH", "--out", "x.csv", "--as", OPERATOR),
    ],
    ids=["unknown-batch", "unknown-item", "no-role", "bad-date", "respond-unknown"],
)  # fmt: skip
def test_failed_commands_print_a_message_not_a_traceback(
    run: Run, args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(*args, *run.ws())

    assert result.code != 0, result
    output = result.out + result.err
    assert "error" in output
    assert "Traceback" not in output
    assert leaks(output, run.files) == []


def test_after_the_failures_the_log_is_still_clean(run: Run) -> None:
    log = (run.home / "matchgate.log").read_text(encoding="utf-8")
    assert leaks(log, run.files) == []
    assert "Traceback" not in log
