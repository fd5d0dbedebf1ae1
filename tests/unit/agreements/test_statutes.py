"""Statute citations and coverage by the agreement's list (FORMATS.md §4, REQ-08)."""

from __future__ import annotations

import pytest

from matchgate.agreements.statutes import ParsedStatute, normalise_statute, statute_covered

REFERENCE_STATUTES = (
    "8 U.S.C. 1253(a)(1)",
    "8 U.S.C. 1306",
    "8 U.S.C. 1325(a)",
    "8 U.S.C. 1326",
    "18 U.S.C. 1546",
)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("8 U.S.C. 1253(a)(1)", ParsedStatute(8, "1253", ("a", "1"))),
        ("8 USC 1253(a)(1)", ParsedStatute(8, "1253", ("a", "1"))),
        ("8 U.S.C. § 1253(a)(1)", ParsedStatute(8, "1253", ("a", "1"))),
        ("8 usc §1326(a)", ParsedStatute(8, "1326", ("a",))),
        ("8 U S C 1325 (a)", ParsedStatute(8, "1325", ("a",))),
        ("8 U.S.C.\u00a0§\u00a01306", ParsedStatute(8, "1306", ())),  # non-breaking spaces
        ("8 United States Code section 1326", ParsedStatute(8, "1326", ())),
        ("Title 8 U.S.C. 1326(b)(2)", ParsedStatute(8, "1326", ("b", "2"))),
        ("8 U.S.C. §§ 1253(a)(1)(A)", ParsedStatute(8, "1253", ("a", "1", "A"))),
        ("8 U.S.C. 1324a", ParsedStatute(8, "1324A", ())),
        ("8USC1326", ParsedStatute(8, "1326", ())),
        ("  18 U.S.C. 1546(a).  ", ParsedStatute(18, "1546", ("a",))),
    ],
)
def test_req08_spellings_parse_to_one_citation(text: str, parsed: ParsedStatute) -> None:
    assert normalise_statute(text) == parsed


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "garbage",
        "INA 243",  # the Immigration and Nationality Act numbering, not the U.S. Code
        "8 CFR 241.1",
        "U.S.C. 1326",  # no title
        "8 U.S.C.",  # no section
        "8 U.S.C. 1253(a)(1) and 1326",  # two statutes in one cell
        "Section 1326",
    ],
)
def test_req08_non_citations_do_not_parse(text: str | None) -> None:
    assert normalise_statute(text) is None


def test_canonical_spelling() -> None:
    parsed = normalise_statute("8 usc §1253 (a)(1)")
    assert parsed is not None
    assert parsed.canonical == "8 U.S.C. 1253(a)(1)"


@pytest.mark.parametrize(
    ("requested", "covered"),
    [
        ("8 U.S.C. 1253(a)(1)", True),
        ("8 USC 1253(a)(1)", True),
        ("8 U.S.C. § 1253(a)(1)", True),
        ("8 usc §1326(a)", True),  # 1326 listed without subsection covers every subsection
        ("8 U.S.C. 1326(b)(2)", True),
        ("8 U.S.C. 1253(a)(1)(A)", True),  # a sub-part of a listed subsection
        ("18 U.S.C. 1546(a)", True),
        ("8 U.S.C. 1306", True),
        ("8 U.S.C. 1325(a)(2)", True),
        ("8 U.S.C. 1253", False),  # bare section: the list names only 1253(a)(1)
        ("8 U.S.C. 1253(a)", False),
        ("8 U.S.C. 1253(b)", False),
        ("8 U.S.C. 1325", False),  # 1325 also has civil-penalty parts; only (a) is listed
        ("8 U.S.C. 1325(b)", False),
        ("8 U.S.C. 1227", False),  # REQ-08 vector: removability, not a crime
        ("26 U.S.C. 7201", False),  # REQ-08: Title 26 is never a non-tax statute
        ("18 U.S.C. 1326", False),  # right section, wrong title
        ("8 U.S.C. 13260", False),
        ("garbage", False),
        ("", False),
        (None, False),
    ],
)
def test_req08_coverage_under_reference_list(requested: str | None, covered: bool) -> None:
    assert statute_covered(requested, REFERENCE_STATUTES) is covered


def test_unparsable_allowed_entry_covers_nothing() -> None:
    assert statute_covered("8 U.S.C. 1326", ["anything goes"]) is False


def test_empty_allowed_list_covers_nothing() -> None:
    assert statute_covered("8 U.S.C. 1326", []) is False
