"""README "Exit codes": one map from an error's category to the exit code, locked here.

Every error matchgate raises on purpose declares its category; the CLI turns
a category, never a class, into an exit code, so scripts can rely on the
code whatever the command.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import matchgate
from matchgate.cli.app import EXIT_CODES, run
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.workflow.stored import BatchFailed
from matchgate.workflow.submit import BatchConflict


def _every_error_class() -> list[type[MatchgateError]]:
    for module in pkgutil.walk_packages(matchgate.__path__, "matchgate."):
        # `__main__` runs the CLI and the migrations run Alembic: they define no errors.
        if not module.name.endswith("__main__") and ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: list[type[MatchgateError]] = []
    pending: list[type[MatchgateError]] = [MatchgateError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_the_exit_code_of_each_category_is_fixed() -> None:
    assert dict(EXIT_CODES) == {
        ErrorCategory.BAD_INPUT: 2,
        ErrorCategory.NOT_FOUND: 2,
        ErrorCategory.NOT_READY: 3,
        ErrorCategory.FORBIDDEN: 4,
        ErrorCategory.CONFLICT: 5,
        ErrorCategory.TAMPERED: 6,
        ErrorCategory.INTERNAL: 1,
    }


@pytest.mark.parametrize("cls", _every_error_class(), ids=lambda c: c.__qualname__)
def test_every_error_class_declares_its_category(cls: type[MatchgateError]) -> None:
    assert "category" in vars(cls), f"{cls.__module__}.{cls.__qualname__} declares no category"
    assert isinstance(cls.category, ErrorCategory)
    assert cls.category in EXIT_CODES


def test_a_batch_id_resubmitted_with_other_content_is_a_conflict_exit_5() -> None:
    """One rule for every adapter: a conflict with what is stored (HTTP 409, exit 5)."""
    assert BatchConflict.category is ErrorCategory.CONFLICT
    assert EXIT_CODES[BatchConflict.category] == 5


def test_a_stored_agreement_that_no_longer_matches_its_hash_is_tampering() -> None:
    assert EXIT_CODES[BatchFailed.category] == 6


def test_a_missing_batch_is_bad_input_exit_2(tmp_path: Path) -> None:
    assert run(["batch", "show", "NO-SUCH-BATCH", "--workspace", str(tmp_path)]) == 2


def test_a_missing_review_item_is_bad_input_exit_2(tmp_path: Path) -> None:
    workspace = ["--workspace", str(tmp_path)]
    assert run(["user", "add", "off", "--role", "officer", *workspace]) == 0
    decide = ["review", "decide", "D-nonexistent", "--confirm", "--note", "checked"]
    assert run([*decide, "--as", "off", *workspace]) == 2


def test_item5_user_add_on_an_existing_name_is_a_conflict_exit_5(tmp_path: Path) -> None:
    workspace = ["--workspace", str(tmp_path)]
    assert run(["user", "add", "boss", "--role", "admin", *workspace]) == 0
    assert run(["user", "add", "olga", "--role", "operator", "--as", "boss", *workspace]) == 0
    again = ["user", "add", "olga", "--role", "admin", "--as", "boss", *workspace]
    assert run(again) == 5


@pytest.mark.parametrize("batch_id", ["x[/]y", "[bold]B-1", "B-1\x1b[2J", "B-\u202e1"])
def test_row10_an_id_that_looks_like_markup_or_an_escape_is_named_safely(
    tmp_path: Path, batch_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["batch", "show", batch_id, "--workspace", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no batch" in err and "\x1b[2J" not in err and "\u202e" not in err
    assert "Traceback" not in err and "internal error" not in err
