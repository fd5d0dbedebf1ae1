"""Issue row 9: a mistyped command line gets the parser's own message and exit 2.

An unknown option (a typo), a missing argument and a value of the wrong type
are usage errors, not faults of matchgate: the parser says what is wrong,
points at `--help`, and the exit code is 2, like any other bad input.
"""

from __future__ import annotations

import pytest

from matchgate.cli.app import run

USAGE_ERRORS = {
    "unknown option": (["batch", "submit", "x.csv", "--envlope", "e.json"], "--envlope"),
    "missing argument": (["batch", "submit", "--envelope", "e.json"], "Missing argument"),
    "missing option value": (["master", "load", "--taxpayers"], "requires an argument"),
    "bad value": (["synth", "--out", "d", "--taxpayers", "abc"], "--taxpayers"),
}


@pytest.mark.parametrize("name", USAGE_ERRORS)
def test_row09_a_usage_error_gets_the_parsers_message_and_exit_2(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, expected = USAGE_ERRORS[name]
    code = run(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err
    assert "internal error" not in err and "Traceback" not in err


def test_row09_a_typo_is_answered_with_the_option_it_resembles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["batch", "submit", "x.csv", "--envlope", "e.json"]) == 2
    err = capsys.readouterr().err
    assert "--envelope" in err and "matchgate batch submit --help" in err
