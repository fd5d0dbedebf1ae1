"""The README cannot drift: every reason code, command and setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from matchgate.cli.app import app
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
