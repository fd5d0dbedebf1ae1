"""The batch envelope: an unreadable file exits 2; wrong content is R08 (REQ-01, REQ-03)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from factories import (
    MISSING,
    agreement,
    envelope,
    envelope_check,
    reference_agreement,
    write_envelope,
)
from matchgate.domain.uploads import ENVELOPE_MAX_BYTES
from matchgate.errors import ErrorCategory, InputFileError
from matchgate.intake.envelope import (
    check_envelope,
    parse_envelope,
    parse_envelope_bytes,
    parse_utc_timestamp,
    read_envelope,
)


def test_the_formats_example_envelope_is_valid(tmp_path: Path) -> None:
    doc = read_envelope(write_envelope(tmp_path / "envelope.json"))
    check = check_envelope(doc, reference_agreement())
    assert check.ok
    assert check.problems == ()
    assert check.batch_id == "TEST-2025-000123"
    assert check.submitted_at == datetime(2025, 8, 1, 12, 0, tzinfo=UTC)
    assert check.submitted_year == 2025
    assert check.requesting_official_title == "Director"
    assert check.receiving_officers == ("John Doe", "Ana Diaz")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"certified": False}, "not certified"),
        ({"certified": "true"}, "not certified"),  # a string is not the boolean true
        ({"certified": 1}, "not certified"),
        ({"certified": MISSING}, "not certified"),
        ({"agreement_id": "mou-2025"}, "agreement_id does not name a known agreement"),
        ({"agreement_id": MISSING}, "agreement_id does not name a known agreement"),
        ({"title": "Deputy Assistant Director"}, "not a signatory title"),
        ({"title": MISSING}, "not a signatory title"),
        ({"requesting_official": "Director"}, "not a signatory title"),
        ({"batch_id": MISSING}, "batch_id is missing"),
        ({"batch_id": "  "}, "batch_id is missing"),
        ({"batch_id": 123}, "batch_id is missing"),
    ],
)
def test_req01_envelope_problems(overrides: dict[str, Any], problem: str) -> None:
    check = envelope_check(**overrides)
    assert not check.ok
    assert any(problem in p for p in check.problems), check.problems


def test_req01_suspended_agreement() -> None:
    check = envelope_check(agreement(suspended=True))
    assert check.problems == ("agreement reference-6103i2 is suspended",)


def test_req01_unknown_agreement_is_none() -> None:
    doc = parse_envelope(json.dumps(envelope()), source="e.json")
    check = check_envelope(doc, None)
    assert check.problems == ("agreement_id does not name a known agreement",)


@pytest.mark.parametrize("title", ["director", "  INSPECTOR  general ", "Secretary"])
def test_req01_signatory_title_ignores_case_and_spacing(title: str) -> None:
    assert envelope_check(title=title).ok


@pytest.mark.parametrize(
    ("submitted_at", "ok"),
    [
        ("2025-08-01T12:00:00Z", True),
        ("2025-08-01T12:00:00+00:00", True),
        ("2025-08-01T12:00Z", True),
        ("2025-08-01T12:00:00.123456Z", True),
        ("2025-08-01 12:00:00", False),  # REQ-03 vector: naive, no zone
        ("2025-08-01T12:00:00+02:00", False),  # REQ-03 vector: not UTC
        ("2025-08-01T12:00:00", False),
        ("2025-08-01T12:00:00-00:00", False),
        ("2025-08-01 12:00:00Z", False),
        ("2025-08-01", False),
        ("2025-02-30T12:00:00Z", False),  # the shape fits, the day does not exist
        ("2025-08-01T25:00:00Z", False),
        ("yesterday", False),
        (1754049600, False),  # epoch seconds are not ISO 8601
        (None, False),
    ],
)
def test_req03_submitted_at_must_be_iso_utc(submitted_at: object, ok: bool) -> None:
    check = envelope_check(submitted_at=submitted_at)
    assert check.ok is ok
    if not ok:
        assert check.submitted_year is None
        assert any("submitted_at" in p for p in check.problems)


def test_utc_year_is_the_year_in_utc() -> None:
    parsed = parse_utc_timestamp("2025-12-31T23:59:59Z")
    assert parsed is not None
    assert parsed.year == 2025


def test_several_problems_are_all_listed() -> None:
    check = envelope_check(certified=False, title="Clerk", submitted_at="2025-08-01")
    assert len(check.problems) == 3


def test_problem_messages_do_not_echo_values() -> None:
    check = envelope_check(title="Agent Jane Q. Smith", batch_id=MISSING)
    assert not any("Smith" in p for p in check.problems)


def test_repeated_key_is_a_problem_not_a_crash() -> None:
    text = envelope_json_with_repeat()
    check = check_envelope(parse_envelope(text, source="e.json"), reference_agreement())
    assert check.problems == ("the envelope repeats key(s): certified",)


def envelope_json_with_repeat() -> str:
    # Even when both copies agree, a repeated key is not a clear certification.
    body = json.dumps(envelope(certified=True))
    return body[:-1] + ', "certified": true}'


def test_wrong_types_are_tolerated_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text(
        json.dumps({"batch_id": ["x"], "certified": "yes", "requesting_official": 5}), "utf-8"
    )
    doc = read_envelope(path)
    assert doc.batch_id == ["x"]
    check = check_envelope(doc, reference_agreement())
    # batch_id, certified, agreement_id, submitted_at, receiving_officers
    assert len(check.problems) == 5


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(envelope()).encode())
    assert check_envelope(read_envelope(path), reference_agreement()).ok


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"certified"', "must be a JSON object"),
        (b'{"batch_id": "\xe9"}', "not valid UTF-8"),
    ],
)
def test_unreadable_envelope_exits_2(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "envelope.json"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        read_envelope(path)
    assert caught.value.category is ErrorCategory.BAD_INPUT
    assert str(path) in caught.value.message
    assert problem in caught.value.message
    with pytest.raises(InputFileError) as uploaded:
        parse_envelope_bytes(content, source=str(path))
    assert uploaded.value.message == caught.value.message


def test_missing_envelope_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found"):
        read_envelope(tmp_path / "absent.json")
    with pytest.raises(InputFileError, match="is a directory"):
        read_envelope(tmp_path)


def _nested(opening: str, depth: int) -> bytes:
    closing = "]" if opening == "[" else "}"
    return (opening * depth + "1" + closing * depth).encode()


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_row08_an_envelope_nested_100000_deep_is_unreadable_not_a_crash(opening: str) -> None:
    with pytest.raises(InputFileError) as caught:
        parse_envelope_bytes(_nested(opening, 100_000), source="deep.json")
    assert caught.value.category is ErrorCategory.BAD_INPUT
    assert caught.value.message.startswith("deep.json: not a batch envelope")


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_row08_nesting_too_deep_to_parse_within_the_size_limit(opening: str) -> None:
    data = _nested(opening, 10_000)
    assert len(data) <= ENVELOPE_MAX_BYTES
    with pytest.raises(InputFileError, match=r"deep\.json: .*nested too deeply"):
        parse_envelope_bytes(data, source="deep.json")


def test_row12_an_envelope_over_the_size_limit_is_refused_before_it_is_decoded(
    tmp_path: Path,
) -> None:
    # Not UTF-8 beyond the limit: had it been decoded, the error would say so.
    data = json.dumps(envelope()).encode() + b" " * ENVELOPE_MAX_BYTES + b"\xff"
    path = tmp_path / "huge.json"
    path.write_bytes(data)
    for parse in (
        lambda: parse_envelope_bytes(data, source=str(path)),
        lambda: read_envelope(path),
    ):
        with pytest.raises(InputFileError, match="larger than the limit") as caught:
            parse()
        assert caught.value.path == str(path)
    with pytest.raises(InputFileError, match="larger than the limit"):
        parse_envelope(data[:-1].decode(), source="huge.json")


def test_an_envelope_at_the_size_limit_is_read() -> None:
    data = json.dumps(envelope()).encode()
    padded = data + b" " * (ENVELOPE_MAX_BYTES - len(data))
    assert check_envelope(parse_envelope_bytes(padded, source="e.json"), reference_agreement()).ok


ENVELOPE_IDS = {
    "batch_id": {"batch_id": "ICE-2025\n\x1b[2K\x1b[1A batch ok"},
    "agreement_id": {"agreement_id": "reference-6103i2\u202e"},
    "requesting_agency": {"requesting_agency": "Example \u202eycnegA"},
    "requesting_official.name": {"official_name": "Jane\x1b]0;owned\x07 Roe"},
    "requesting_official.title": {"title": "Direc\u200btor"},
    "receiving_officers": {"receiving_officers": ["John Doe", "Ana\nDiaz"]},
}


@pytest.mark.parametrize("field", ENVELOPE_IDS)
def test_row10_a_control_or_bidi_character_in_an_envelope_id_is_r08(field: str) -> None:
    check = envelope_check(**ENVELOPE_IDS[field])
    problem = next(p for p in check.problems if "control or formatting" in p)
    assert problem.endswith(f"in: {field}")
    assert "\n" not in problem and "\x1b" not in problem  # the value is never echoed


def test_row10_a_lone_surrogate_in_an_id_is_r08() -> None:
    doc = parse_envelope(json.dumps(envelope(batch_id="B-\ud800")), source="e.json")
    assert any("in: batch_id" in p for p in check_envelope(doc, reference_agreement()).problems)


def test_row10_names_in_other_scripts_are_fine() -> None:
    assert envelope_check(requesting_agency="Agencia de Aplicación", official_name="José Núñez").ok


@pytest.mark.parametrize(
    ("received_at", "future"),
    [
        (datetime(2025, 8, 1, 11, 0, tzinfo=UTC), True),  # dated an hour after it arrived
        (datetime(2025, 7, 1, tzinfo=UTC), True),
        (datetime(2025, 8, 1, 11, 56, tzinfo=UTC), False),  # a requester's clock 4 minutes fast
        (datetime(2025, 8, 1, 12, 0, tzinfo=UTC), False),
        (datetime(2025, 8, 1, 11, 0), True),  # a naive stored moment is UTC
        (None, False),  # no receipt time: nothing to compare with
    ],
)
def test_item5_submitted_at_in_the_future_is_r08(
    received_at: datetime | None, future: bool
) -> None:
    doc = parse_envelope(json.dumps(envelope()), source="e.json")  # submitted 2025-08-01T12:00Z
    check = check_envelope(doc, reference_agreement(), received_at=received_at)
    assert (
        check.problems == ("submitted_at is in the future (later than the batch was received)",)
    ) is future
    assert check.ok is not future


@pytest.mark.parametrize(
    "officers",
    ["John Doe", "John Doe;Ana Diaz", [], [""], ["John Doe", 7], ["  "], {"a": "John"}, MISSING],
)
def test_item5_receiving_officers_must_be_a_list_of_names(officers: object) -> None:
    check = envelope_check(receiving_officers=officers)
    assert check.problems == ("receiving_officers must be a non-empty list of names",)
