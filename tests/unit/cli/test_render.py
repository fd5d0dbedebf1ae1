"""What a person reads: no table cuts an id, nothing from outside runs in the terminal.

On a terminal every column folds (an id wraps, it never ends in "…"); in a
pipe a table is tab-separated lines with every value whole (issue 9: a piped
`accounting` shows the full batch id). Text from outside is never Rich
markup and never a terminal escape. `review show` puts the request beside
each candidate, readable at 80 columns, with the review reasons in words.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from matchgate.cli import render
from matchgate.decide.recorded import CandidateEvidence, DecisionEvidence
from matchgate.domain.outcomes import ReviewReason
from matchgate.domain.reasons import REVIEW_REASON_WORDS
from matchgate.domain.taxpayers import FiledAddress, TaxpayerRecord
from matchgate.services import Accounting, Disclosure, ReviewItem

BATCH_ID = "EXAMPLE-ENFORCEMENT-AGENCY-2025-08-000123-RESUBMITTED"
DECISION_ID = "D-" + "0123456789abcdef" * 4


def disclosure(**changes: str) -> Disclosure:
    values = {
        "tin": "800000001", "fields_disclosed": "lka_street;lka_city;lka_state;lka_zip",
        "requesting_agency": "Example Enforcement Agency of the Department of Examples",
        "requesting_official": "Jane Roe (Director)", "receiving_officers": "John Doe;Ana Diaz",
        "released_at": "2025-08-04T09:30:15+00:00", "agreement_id": "reference-6103i2",
        "statute": "8 U.S.C. 1253(a)(1)", "case_number": "CASE-2025-000000000001",
        "reason": "Subject of the case", "batch_id": BATCH_ID, "request_id": "REQ-000001",
        "decision_id": DECISION_ID,
    }  # fmt: skip
    return Disclosure(**{**values, **changes})


def piped() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=80), out


def terminal(width: int = 80) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, force_terminal=True, color_system=None), out


def test_issue9_piped_accounting_shows_every_id_whole_tab_separated() -> None:
    console, out = piped()
    render.accounting(console, Accounting((disclosure(),)), yearly=False)
    title, header, row = out.getvalue().splitlines()
    assert title == "# 1 disclosure(s)"
    assert header.split("\t") == [
        "released", "TIN", "agency", "statute", "case", "batch", "decision", "fields",
    ]  # fmt: skip
    cells = row.split("\t")
    assert cells[5] == BATCH_ID and cells[6] == DECISION_ID
    assert "…" not in out.getvalue()


@pytest.mark.parametrize("width", [80, 60])
def test_issue9_on_a_terminal_ids_fold_and_are_never_cut(width: int) -> None:
    console, out = terminal(width)
    render.accounting(console, Accounting((disclosure(),)), yearly=False)
    text = out.getvalue()
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    # Every character of the id is there, folded over lines in its column.
    column = "".join(
        "".join(ch for ch in line.split("│")[6] if ch not in " ")
        for line in text.splitlines()
        if line.count("│") == 9
    )
    assert BATCH_ID in column


def test_row10_text_from_outside_is_never_markup_or_an_escape() -> None:
    hostile = "B-1\x1b[2J[bold red]not markup[/]\u202eTXT.EXE\n"
    for console, out in (piped(), terminal()):
        render.batches(console, [], as_json=False)
        render.message(console, f"batch {hostile} was already submitted")
        render.table(console, hostile, ["id"], [(hostile,)])
        text = out.getvalue()
        assert "\x1b[2J" not in text and "\u202e" not in text
        assert "\\x1b[2J[bold red]not markup[/]\\u202eTXT.EXE\\n" in text


def test_safe_leaves_printable_text_alone() -> None:
    assert render.safe("José Núñez, 1234 N MAIN ST [Apt 5]") == "José Núñez, 1234 N MAIN ST [Apt 5]"
    assert render.safe("a\tb\u00a0c") == "a\\tb\\xa0c"


def test_item6_every_review_reason_has_words() -> None:
    assert set(REVIEW_REASON_WORDS) == set(ReviewReason)
    assert all(words and words != reason.value for reason, words in REVIEW_REASON_WORDS.items())


def held_item() -> ReviewItem:
    def candidate(tin: str, given: str) -> CandidateEvidence:
        return CandidateEvidence(
            tin=tin, match_weight=14.2, match_probability=0.999871, field_weights={},
            given=given, surname="EXACT", fit="STRONG", dob_conflict=False,
            tin_conflict=False, suffix_conflict=tin.endswith("2"), address_on_file=True,
        )  # fmt: skip

    evidence = DecisionEvidence(
        tin="800000001", match_weight=14.2, match_probability=0.999871, field_weights={},
        runner_up_tin="800000002", runner_up_weight=13.9,
        review_reasons=(ReviewReason.CLOSE_SECOND_CANDIDATE,), indistinguishable=False,
        candidates=(candidate("800000001", "EXACT"), candidate("800000002", "EXACT")),
    )  # fmt: skip
    home = FiledAddress(2024, "RETURN", "1234 N MAIN ST APT 5", "AUSTIN", "TX", "78701")
    before = FiledAddress(2021, "CHANGE_OF_ADDRESS", "77 OLD MILL RD", "ROUND ROCK", "TX", "78664")
    return ReviewItem(
        item_id=DECISION_ID,
        batch_id=BATCH_ID,
        request_id="REQ-000001",
        review_reasons=evidence.review_reasons,
        request={
            "first_name": "MARISOL",
            "middle_name": None,
            "last_name": "QUINTANILLA",
            "name_suffix": None,
            "dob": None,
            "tin": None,
            "street": "1234 North Main Street",
            "city": "Austin",
            "state": "TX",
            "zip": "78701",
        },
        evidence=evidence,
        candidate_records=(
            TaxpayerRecord(
                "800000001", "MARISOL", None, "QUINTANILLA", None, "1980-01-01", (home, before)
            ),
            TaxpayerRecord("800000002", "MARISOL", "A", "QUINTANILLA", "JR", "2004-05-06", (home,)),
        ),
    )


def test_item6_review_show_puts_the_request_beside_each_candidate_at_80_columns() -> None:
    console, out = terminal(80)
    render.review_item(console, held_item())
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in out.getvalue()
    name_lines = [line for line in lines if line.startswith("│ name  ")]
    assert len(name_lines) == 2  # one per candidate, the request on the same line
    assert all("MARISOL QUINTANILLA" in line.split("│")[2] for line in name_lines)
    assert "MARISOL A QUINTANILLA JR" in name_lines[1].split("│")[3]
    text = out.getvalue()
    assert "another taxpayer fits the request nearly as well" in text
    assert "2021 CHANGE_OF_ADDRESS: 77" in text  # the address history, folded in its column
    assert "Candidate 2 of 2" in text and "suffix" in text


def test_item6_review_show_in_a_pipe_is_tab_separated_lines() -> None:
    console, out = piped()
    render.review_item(console, held_item())
    lines = out.getvalue().splitlines()
    assert f"batch\t{BATCH_ID}" in lines
    assert "held because\t" + REVIEW_REASON_WORDS[ReviewReason.CLOSE_SECOND_CANDIDATE] in lines
    assert "name\tMARISOL QUINTANILLA\tMARISOL QUINTANILLA" in lines
    assert "\t\t2021 CHANGE_OF_ADDRESS: 77 OLD MILL RD, ROUND ROCK TX 78664" in lines


def test_item6_the_review_queue_gives_its_reasons_in_words() -> None:
    console, out = piped()
    render.review_queue(console, [held_item()], as_json=False)
    assert REVIEW_REASON_WORDS[ReviewReason.CLOSE_SECOND_CANDIDATE] in out.getvalue()
    assert "CLOSE_SECOND_CANDIDATE" not in out.getvalue()
