"""The officer at the command line (issue 7 item 6, issue 9): a held request shown beside its
candidates, reasons in words, exit codes as the README says, ids whole in a pipe.

Every command here runs in this process with its output captured, that is
not on a terminal: the plain, tab-separated layout a script or `grep` reads.
"""

from __future__ import annotations

import pytest

from e2e.workflow_cli import ADMIN, OFFICER, Workflow, cli, cli_ok
from matchgate.domain.outcomes import ReviewReason
from matchgate.domain.reasons import REVIEW_REASON_WORDS

pytestmark = pytest.mark.slow

AUDITOR = "auditor-ann"


def test_item6_review_show_then_issue9_piped_accounting_keeps_every_id(
    workflow: Workflow,
) -> None:
    workflow.submit_to_review()
    (first, *_) = workflow.review_items()
    shown = cli_ok("review", "show", first["item_id"], "--as", OFFICER, *workflow.ws).out
    lines = shown.splitlines()
    assert f"batch\t{workflow.batch_id}" in lines
    words = [REVIEW_REASON_WORDS[ReviewReason(r)] for r in first["review_reasons"]]
    assert [line.split("\t", 1)[1] for line in lines if line.startswith("held because")] == words
    request = first["request"]
    name_lines = [line.split("\t") for line in lines if line.startswith("name\t")]
    assert len(name_lines) == len(first["evidence"]["candidates"])
    assert all(request["last_name"] in cells[1] for cells in name_lines)  # beside each candidate
    as_json = cli_ok("review", "show", first["item_id"], "--json", "--as", OFFICER, *workflow.ws)
    assert as_json.json()["item_id"] == first["item_id"]

    workflow.finish()
    cli_ok("user", "add", AUDITOR, "--role", "auditor", "--as", ADMIN, *workflow.ws)
    listed = cli_ok("accounting", "--as", AUDITOR, *workflow.ws).out
    title, header, *rows = listed.splitlines()
    columns = header.split("\t")
    assert title.startswith("# ") and rows
    decided = {d[2] for d in workflow.decisions()}
    for row in rows:
        cells = dict(zip(columns, row.split("\t"), strict=True))
        assert cells["batch"] == workflow.batch_id
        assert cells["decision"] in decided
    assert "…" not in listed


def test_item6_a_missing_review_item_is_exit_2(workflow: Workflow) -> None:
    shown = cli("review", "show", "D-no-such-item", "--as", OFFICER, *workflow.ws)
    assert shown.code == 2, shown
    assert "no review item 'D-no-such-item'" in shown.err
