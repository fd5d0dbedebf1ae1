"""The batch envelope: who asks, under which agreement, certified when (intake stage).

In: the envelope JSON that travels beside a batch (FORMATS.md §2: a file, an
upload's bytes or a request body's text) and the agreement the batch is to
be checked against. Out: an :class:`EnvelopeDocument`
(the fields as received, whatever their types) and an :class:`EnvelopeCheck`
(the problems found, plus the typed values later stages need).

Two kinds of failure, kept apart on purpose:

* a file that is not a JSON object at all cannot be processed:
  :class:`~matchgate.errors.InputFileError` (bad input);
* a JSON object whose content is wrong (uncertified, unknown or suspended
  agreement, official not a signatory, bad ``submitted_at``, no ``batch_id``)
  is an answerable batch: every row is REJECTED with R08 alone (REQ-01,
  REQ-03), and the response says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from matchgate.agreements.schema import Agreement
from matchgate.domain.uploads import ENVELOPE_MAX_BYTES
from matchgate.errors import InputFileError
from matchgate.files import read_bytes
from matchgate.intake.id_text import has_unsafe_characters

__all__ = [
    "EnvelopeCheck",
    "EnvelopeDocument",
    "check_envelope",
    "envelope_text",
    "parse_envelope",
    "parse_envelope_bytes",
    "read_envelope",
]

# ISO 8601 extended format, UTC only: "Z" or "+00:00". A naive timestamp or
# any other offset is a problem, because the tax-period window is computed
# from the UTC year and an offset near New Year would move it.
_UTC_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|\+00:00)"
)


#: How far ahead of the custodian's clock a requester's ``submitted_at`` may be
#: (clocks drift): anything later is a date that has not happened yet (R08).
SUBMITTED_AT_MAX_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class EnvelopeDocument:
    """The envelope fields exactly as received; a value of the wrong JSON type is kept as is."""

    source: str
    batch_id: object = None
    agreement_id: object = None
    requesting_agency: object = None
    requesting_official_name: object = None
    requesting_official_title: object = None
    receiving_officers: object = None
    certified: object = None
    submitted_at: object = None
    # Keys the object repeats: JSON parsers disagree on which value wins, so
    # an envelope that says "certified" twice is not a clear certification.
    repeated_keys: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class EnvelopeCheck:
    """The verdict on an envelope. ``problems`` empty = the batch may be processed.

    Messages are safe to show the requester: they name fields, never values.
    The typed fields are None when the envelope does not give them properly.
    """

    problems: tuple[str, ...]
    batch_id: str | None = None
    agreement_id: str | None = None
    submitted_at: datetime | None = None
    submitted_year: int | None = None
    requesting_official_title: str | None = None
    receiving_officers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def read_envelope(path: Path) -> EnvelopeDocument:
    """Read an envelope JSON file; InputFileError (bad input) unless it holds one JSON object."""
    return parse_envelope_bytes(read_bytes(path, size=ENVELOPE_MAX_BYTES + 1), source=str(path))


def envelope_text(data: bytes, *, source: str) -> str:
    """An envelope's bytes as text (UTF-8, optional BOM); InputFileError if not UTF-8.

    An envelope larger than ``ENVELOPE_MAX_BYTES`` is refused before it is decoded.
    """
    _check_size(len(data), source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(source, f"not valid UTF-8 (byte offset {exc.start})") from None


def parse_envelope_bytes(data: bytes, *, source: str) -> EnvelopeDocument:
    """Parse an uploaded envelope; ``source`` (its file name) names it in errors."""
    return parse_envelope(envelope_text(data, source=source), source=source)


def parse_envelope(text: str, *, source: str) -> EnvelopeDocument:
    """Parse envelope JSON text (e.g. a request body); ``source`` names it in errors.

    Refused as unreadable (InputFileError): text over the size limit, text
    that is not JSON, JSON nested deeper than a parser can follow, anything
    but an object.
    """
    _check_size(len(text), source)  # characters: never more than its UTF-8 bytes
    repeated: list[str] = []

    def keep_first_note_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                repeated.append(key)
            else:
                obj[key] = value
        return obj

    try:
        data = json.loads(text, object_pairs_hook=keep_first_note_repeats)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            source, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise InputFileError(source, "not a batch envelope: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise InputFileError(source, "the envelope must be a JSON object")
    official = data.get("requesting_official")
    name = official.get("name") if isinstance(official, dict) else None
    title = official.get("title") if isinstance(official, dict) else None
    return EnvelopeDocument(
        source=source,
        batch_id=data.get("batch_id"),
        agreement_id=data.get("agreement_id"),
        requesting_agency=data.get("requesting_agency"),
        requesting_official_name=name,
        requesting_official_title=title,
        receiving_officers=data.get("receiving_officers"),
        certified=data.get("certified"),
        submitted_at=data.get("submitted_at"),
        repeated_keys=tuple(sorted(set(repeated))),
        raw=MappingProxyType(data),
    )


def _check_size(size: int, source: str) -> None:
    if size > ENVELOPE_MAX_BYTES:
        raise InputFileError(
            source, f"not a batch envelope: larger than the limit of {ENVELOPE_MAX_BYTES:,} bytes"
        )


def parse_utc_timestamp(value: object) -> datetime | None:
    """An ISO 8601 UTC timestamp (``...Z`` or ``...+00:00``) as an aware datetime, else None."""
    if not isinstance(value, str) or not _UTC_TIMESTAMP.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # the shape fits but the date or time does not exist
        return None
    return parsed.astimezone(UTC)


def check_envelope(
    doc: EnvelopeDocument, agreement: Agreement | None, *, received_at: datetime | None = None
) -> EnvelopeCheck:
    """Every problem with the envelope under ``agreement`` (None = no such agreement).

    Problems (each makes every row R08): ``certified`` is not JSON ``true``;
    the agreement is unknown or its id differs from ``agreement_id``; the
    agreement is suspended; the official's title is not a signatory title;
    ``submitted_at`` is not ISO 8601 UTC, or is later than ``received_at``
    (when the custodian received the batch, from its clock) by more than
    ``SUBMITTED_AT_MAX_SKEW``; ``receiving_officers`` is not a non-empty list
    of names; ``batch_id`` is missing; a key is repeated; an id or a name
    holds a control or formatting character (`matchgate.intake.id_text`).
    """
    problems: list[str] = []
    if doc.repeated_keys:
        problems.append("the envelope repeats key(s): " + ", ".join(doc.repeated_keys))
    unsafe = dict.fromkeys(name for name, value in _ids(doc) if has_unsafe_characters(value))
    if unsafe:
        problems.append(
            "control or formatting characters (a line break, a terminal escape, a "
            "bidirectional override) in: " + ", ".join(unsafe)
        )
    batch_id = _text(doc.batch_id)
    if batch_id is None:
        problems.append("batch_id is missing")
    if doc.certified is not True:
        problems.append("the batch is not certified (certified must be true)")
    agreement_id = _text(doc.agreement_id)
    title = _text(doc.requesting_official_title)
    if agreement is None or agreement_id != agreement.id:
        problems.append("agreement_id does not name a known agreement")
    else:
        if agreement.suspended:
            problems.append(f"agreement {agreement.id} is suspended")
        if not agreement.signatory_allowed(title):
            problems.append(
                f"requesting_official.title is not a signatory title of agreement {agreement.id}"
            )
    submitted_at = parse_utc_timestamp(doc.submitted_at)
    if submitted_at is None:
        problems.append("submitted_at is not an ISO 8601 UTC timestamp (ending Z or +00:00)")
    elif received_at is not None and submitted_at > _utc(received_at) + SUBMITTED_AT_MAX_SKEW:
        problems.append("submitted_at is in the future (later than the batch was received)")
    if not _is_list_of_names(doc.receiving_officers):
        problems.append("receiving_officers must be a non-empty list of names")
    return EnvelopeCheck(
        problems=tuple(problems),
        batch_id=batch_id,
        agreement_id=agreement_id,
        submitted_at=submitted_at,
        submitted_year=submitted_at.year if submitted_at else None,
        requesting_official_title=title,
        receiving_officers=_officers(doc.receiving_officers),
    )


def _ids(doc: EnvelopeDocument) -> list[tuple[str, str]]:
    """The envelope's ids and names that are strings, each with the field it came from."""
    fields: list[tuple[str, object]] = [
        ("batch_id", doc.batch_id),
        ("agreement_id", doc.agreement_id),
        ("requesting_agency", doc.requesting_agency),
        ("requesting_official.name", doc.requesting_official_name),
        ("requesting_official.title", doc.requesting_official_title),
    ]
    if isinstance(doc.receiving_officers, list):
        fields += [("receiving_officers", v) for v in doc.receiving_officers]
    return [(name, value) for name, value in fields if isinstance(value, str)]


def _utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one (as some stores return them) is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _is_list_of_names(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(_text(v) is not None for v in value)


def _text(value: object) -> str | None:
    """A JSON string with some non-space content, as given; anything else is None."""
    return value if isinstance(value, str) and value.strip() else None


def _officers(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str) and v.strip())
