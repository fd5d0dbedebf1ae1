"""The README cannot drift: every reason code, command and setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from matchgate.cli.app import app, run
from matchgate.config import Settings
from matchgate.domain.reasons import ReasonCode

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    names = [f"{prefix}{c.name or c.callback.__name__}" for c in group.registered_commands]  # type: ignore[union-attr]
    for sub in group.registered_groups:
        names += _commands(sub.typer_instance, f"{prefix}{sub.name} ")  # type: ignore[arg-type]
    return names


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_reason_code_is_in_the_readme(code: ReasonCode) -> None:
    assert f"| {code.value} | {code.meaning} |" in README


@pytest.mark.parametrize("command", _commands(app))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"matchgate {command}" in README


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"MATCHGATE_{name.upper()}" in README


def _callbacks(group: typer.Typer, prefix: str = "") -> dict[str, object]:
    found: dict[str, object] = {
        f"{prefix}{c.name or c.callback.__name__}": c.callback  # type: ignore[union-attr]
        for c in group.registered_commands
    }
    for sub in group.registered_groups:
        found |= _callbacks(sub.typer_instance, f"{prefix}{sub.name} ")  # type: ignore[arg-type]
    return found


def _readme_who() -> dict[str, str]:
    """README tables with a "who" column: command -> who may run it."""
    found: dict[str, str] = {}
    for line in README.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`matchgate ([a-z][a-z ]*?)(?: [A-Z\[-].*)?`", cells[0])
        if len(cells) == 3 and match:
            found[match.group(1)] = cells[1]
    return found


@pytest.mark.parametrize("command", _commands(app))
def test_item6_every_commands_help_says_which_role_it_needs(command: str) -> None:
    doc = " ".join((getattr(_callbacks(app)[command], "__doc__", None) or "").split())
    role = re.search(r"Role: (.+?)\.(?: |$)", doc)
    assert role, f"`matchgate {command} --help` does not say which role it needs"
    who = _readme_who().get(command)
    if who is not None:
        assert role.group(1) == who, f"help says {role.group(1)!r}, the README {who!r}"


def test_item6_the_role_is_shown_by_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["review", "decide", "--help"]) == 0
    assert "Role: officer, not the batch's submitter." in capsys.readouterr().out
