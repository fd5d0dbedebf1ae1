"""Identifier and code fields: TINs, ZIP codes, USPS state codes, ISO dates (standardise stage).

In: one raw cell value (``str`` or ``None``) as read from a request or master
file. Out: a validity verdict or the normalised value. Pure; nothing here
raises on bad input, because validation (intake) collects every problem of a
row instead of stopping at the first.

The rules follow FORMATS.md ("Field normalisation that is *not* an error"):
dashes in a TIN, ZIP+4 with or without its dash, lower-case state codes and
surrounding whitespace are normal; anything else malformed is R07. An empty
value is *absent*, which is a different question (R01/R02/R10) and so counts
as valid here.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "USPS_STATES",
    "date_is_valid",
    "is_blank",
    "is_usps_state",
    "normalise_tin",
    "normalise_zip",
    "parse_iso_date",
    "tin_is_valid",
    "zip_is_valid",
]

# USPS Publication 28, Appendix B: states, DC, territories and freely
# associated states, and the three Armed Forces "states".
USPS_STATES: frozenset[str] = frozenset(
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA",
        "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD",
        "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
        "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC",
        "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
        "DC",
        "AS", "GU", "MP", "PR", "VI",
        "FM", "MH", "PW",
        "AA", "AE", "AP",
    }
)  # fmt: skip

# ASCII digits only: str.isdigit() would accept Arabic-Indic or full-width
# digits, which no agency system writes and which must be R07, not a TIN.
_TIN = re.compile(r"[0-9]{9}")
_ZIP = re.compile(r"[0-9]{5}(?:-?[0-9]{4})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_blank(value: str | None) -> bool:
    """True when the value is missing, empty or only whitespace (an absent field)."""
    return value is None or not value.strip()


def normalise_tin(value: str | None) -> str | None:
    """The 9 TIN digits with dashes removed, or None when absent or not a valid TIN.

    ``" 123-45-6789 "`` -> ``"123456789"``; ``"12345"`` -> ``None``. A caller
    that must tell "absent" from "malformed" asks :func:`tin_is_valid` first.
    """
    if value is None or not value.strip():
        return None
    digits = value.strip().replace("-", "")
    return digits if _TIN.fullmatch(digits) else None


def tin_is_valid(value: str | None) -> bool:
    """False only for a TIN that is given but is not 9 digits after removing dashes."""
    return is_blank(value) or normalise_tin(value) is not None


def normalise_zip(value: str | None) -> str | None:
    """The ZIP digits (5, or 9 for ZIP+4) without a dash, or None when absent or malformed.

    ``"12345-6789"`` and ``"123456789"`` -> ``"123456789"``; ``"1234"`` ->
    ``None`` (leading zeros are never restored). ``"00000"`` is well-formed
    here; that it is a placeholder, not an address, is an R02 question.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    return text.replace("-", "") if _ZIP.fullmatch(text) else None


def zip_is_valid(value: str | None) -> bool:
    """False only for a ZIP that is given but is not 5 digits or ZIP+4 (9 digits, dash optional)."""
    return is_blank(value) or normalise_zip(value) is not None


def is_usps_state(value: str | None) -> bool:
    """True when the value, stripped and upper-cased, is a USPS state code (``" tx "`` is)."""
    return value is not None and value.strip().upper() in USPS_STATES


def parse_iso_date(value: str | None) -> date | None:
    """The date written as ``YYYY-MM-DD`` (surrounding whitespace allowed), else None.

    Only real calendar dates parse: ``"1985-02-30"`` -> ``None``. Other
    spellings (``"02/03/1985"``, ``"19850203"``) are not dates under the
    contract, even though ``date.fromisoformat`` would take the last one.
    """
    if value is None:
        return None
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def date_is_valid(value: str | None) -> bool:
    """False only for a date that is given but is not a real ``YYYY-MM-DD`` date."""
    return is_blank(value) or parse_iso_date(value) is not None
