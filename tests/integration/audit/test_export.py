"""`audit export`: JSON Lines that an outside party can check with the README's own snippet.

The ```python block under README "### Checking an exported chain elsewhere"
is executed as written, in a folder where ``audit.jsonl`` is the export: a
faithful export passes it, a tampered one fails it. This keeps the README
honest: if the export format or the hash rule changes, these tests fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from matchgate.files import write_atomically
from matchgate.workflow.auditing import export_audit
from matchgate.workflow.store import PermissionDenied, Store

from .flow import AUDITOR, OPERATOR, cli, cli_target, first_break, run_standard, stored_events

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Checking an exported chain elsewhere", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None, "README: no ```python block under 'Checking an exported chain'"
    return found.group(1)


def check_with_readme(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the README's check where `audit.jsonl` is; raises AssertionError if it fails."""
    assert (folder / "audit.jsonl").is_file()
    monkeypatch.chdir(folder)
    exec(compile(readme_snippet(), str(README), "exec"), {})


def lines_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_readme_snippet_is_found() -> None:
    snippet = readme_snippet()
    assert 'open("audit.jsonl"' in snippet
    assert "hashlib.sha256" in snippet


@pytest.fixture
def exported(store: Store, tmp_path: Path) -> Path:
    """The standard batch's chain exported through `matchgate audit export`."""
    run_standard(store, tmp_path / "batch")
    before = len(stored_events(store))
    where, env = cli_target(store, tmp_path / "cli-workspace")
    folder = tmp_path / "export"
    folder.mkdir()
    result = cli(
        "audit", "export", "--out", folder / "audit.jsonl", "--as", AUDITOR, *where, env=env
    )
    assert result.code == 0, result
    assert f"{before + 1} events written" in result.out
    return folder / "audit.jsonl"


def test_an_export_verifies_with_the_readme_snippet(
    store: Store, exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = lines_of(exported)
    events = stored_events(store)
    # Every event, the export itself included, then the head.
    assert [r["seq"] for r in records[:-1]] == [e.seq for e in events]
    assert records[-2]["action"] == "audit_exported"
    assert records[-1]["chain_head"] == {"seq": events[-1].seq, "hash": events[-1].hash}
    for record, event in zip(records, events, strict=False):
        assert set(record) == {
            "seq", "at", "actor", "action", "batch_id", "decision_id", "payload",
            "prev_hash", "hash",
        }  # fmt: skip
        assert (record["seq"], record["hash"], record["payload"]) == (
            event.seq,
            event.hash,
            event.payload,
        )
    # Non-ASCII text is kept as UTF-8, as the canonical form says.
    text = exported.read_text(encoding="utf-8")
    assert "(alias PEÑA)" in text
    assert "\\u" not in text

    check_with_readme(exported.parent, monkeypatch)
    assert first_break(store) is None


def test_the_python_export_verifies_too(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_standard(store, tmp_path / "batch")
    folder = tmp_path / "export"
    folder.mkdir()
    export = export_audit(store, actor=AUDITOR)
    write_atomically(folder / "audit.jsonl", export)
    assert export.events == len(stored_events(store))
    check_with_readme(folder, monkeypatch)

    before = len(stored_events(store))
    with pytest.raises(PermissionDenied):
        export_audit(store, actor=OPERATOR)
    assert [e.action for e in stored_events(store)[before:]] == ["access_denied"]


def _edit_payload(lines: list[str]) -> list[str]:
    record = json.loads(lines[10])
    record["payload"]["outcome"] = "NO_MATCH" if record["payload"].get("outcome") else "X"
    lines[10] = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return lines


def _edit_actor(lines: list[str]) -> list[str]:
    at = next(i for i, line in enumerate(lines) if '"actor":"operator"' in line)
    lines[at] = lines[at].replace('"actor":"operator"', '"actor":"mallory"')
    return lines


def _drop_middle(lines: list[str]) -> list[str]:
    return lines[:15] + lines[16:]


def _drop_last_event(lines: list[str]) -> list[str]:
    return lines[:-2] + lines[-1:]


def _swap(lines: list[str]) -> list[str]:
    lines[5], lines[6] = lines[6], lines[5]
    return lines


def _other_head(lines: list[str]) -> list[str]:
    closing = json.loads(lines[-1])
    closing["chain_head"]["hash"] = "0" * 64
    return [*lines[:-1], json.dumps(closing)]


@pytest.mark.parametrize(
    "tamper",
    [_edit_payload, _edit_actor, _drop_middle, _drop_last_event, _swap, _other_head],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_tampered_export_fails_the_readme_snippet(
    exported: Path, monkeypatch: pytest.MonkeyPatch, tamper: Callable[[list[str]], list[str]]
) -> None:
    lines = exported.read_text(encoding="utf-8").splitlines()
    changed = tamper(list(lines))
    assert changed != lines
    exported.write_text("\n".join(changed) + "\n", encoding="utf-8")

    with pytest.raises(AssertionError):
        check_with_readme(exported.parent, monkeypatch)


# --------------------------------------------------------------------------------------------
# --since / --until
# --------------------------------------------------------------------------------------------


@pytest.fixture
def january_chain(store: Store, tmp_path: Path) -> Store:
    """The standard batch's events stamped 2025-01-15 (the store's clock stands still)."""
    january = replace(store, clock=lambda: datetime(2025, 1, 15, 10, 0, tzinfo=UTC))
    run_standard(january, tmp_path / "batch")
    assert {e.at for e in stored_events(store)} == {"2025-01-15T10:00:00.000000Z"}
    return store


def test_an_export_since_a_date_holds_only_later_events_and_still_verifies(
    january_chain: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, env = cli_target(january_chain, tmp_path / "cli-workspace")
    out = tmp_path / "since" / "audit.jsonl"
    out.parent.mkdir()
    result = cli(
        "audit", "export", "--out", out, "--since", "2025-02-01", "--as", AUDITOR, *where, env=env
    )
    assert result.code == 0, result
    records = lines_of(out)
    assert [r.get("action") for r in records[:-1]] == ["audit_exported"]
    assert records[0]["payload"] == {"since": "2025-02-01T00:00:00+00:00", "until": None}
    check_with_readme(out.parent, monkeypatch)


def test_an_export_until_a_date_holds_only_earlier_events(
    january_chain: Store, tmp_path: Path
) -> None:
    january = len(stored_events(january_chain))
    where, env = cli_target(january_chain, tmp_path / "cli-workspace")
    out = tmp_path / "until" / "audit.jsonl"
    out.parent.mkdir()
    result = cli(
        "audit", "export", "--out", out, "--until", "2025-01-31", "--as", AUDITOR, *where, env=env
    )
    assert result.code == 0, result
    records = lines_of(out)
    assert [r["seq"] for r in records[:-1]] == list(range(1, january + 1))


def test_an_export_until_a_date_verifies_with_the_readme_snippet(
    january_chain: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the last line used to be the store's head, not the file's last link."""
    out = tmp_path / "until" / "audit.jsonl"
    out.parent.mkdir()

    write_atomically(
        out, export_audit(january_chain, actor=AUDITOR, until=datetime(2025, 1, 31, tzinfo=UTC))
    )
    check_with_readme(out.parent, monkeypatch)
