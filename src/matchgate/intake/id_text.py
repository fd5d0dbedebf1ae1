"""The characters no identifier may hold (intake stage): one rule for every id.

In: an id as received (a batch_id, a request_id, a case number, an agency or
official named in an envelope), or a column of them. Out: whether it holds
a character that is invisible or changes how the text around it is shown:
a control character (a newline, a tab, a terminal escape, DEL, C1 codes), a
formatting character (the bidirectional overrides and isolates such as
U+202E, zero-width characters, a byte-order mark), a line or paragraph
separator, or a lone surrogate. Such an id prints as something other than
what it is (a terminal escape rewrites the screen; U+202E shows
``EXE.txt`` for ``txt.EXE``), so it is refused, never cleaned.

The rule is one RE2 pattern of Unicode general categories, run by Arrow for a
column and for a single value alike.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["UNSAFE_ID_PATTERN", "has_unsafe_characters", "unsafe_rows"]

#: Cc controls, Cf formatting characters, Zl/Zp line and paragraph separators (RE2 syntax).
UNSAFE_ID_PATTERN = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"


def has_unsafe_characters(text: str) -> bool:
    """True when ``text`` holds a character no id may hold (a lone surrogate included)."""
    try:
        values = pa.array([text], type=pa.string())
    except (UnicodeEncodeError, pa.ArrowException):  # a lone surrogate is not UTF-8
        return True
    return bool(pc.any(pc.match_substring_regex(values, UNSAFE_ID_PATTERN)).as_py())


def unsafe_rows(column: pa.ChunkedArray | pa.Array) -> list[bool]:
    """Per value of a string column: whether it holds such a character (null: False)."""
    found = pc.fill_null(pc.match_substring_regex(column, UNSAFE_ID_PATTERN), False)
    flags: list[bool] = found.to_pylist()
    return flags
