"""REQ-38: test fixtures hold no real-looking TINs: only synthetic, never-issued forms."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
TIN_LIKE = re.compile(
    r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"  # written as an SSN
    r"|(?i:tin)\w*[\"']?\s*[=:,(]\s*[\"'](\d{9})[\"']"  # a 9-digit value given as a TIN
)
#: The contract's own examples (FORMATS.md), which are documentation, not people.
DOCUMENTED_EXAMPLES = {"123456789", "123-45-6789", "871-48-2830"}


def real_looking_tins(text: str) -> list[str]:
    found = []
    for match in TIN_LIKE.finditer(text):
        tin = match.group(1) or match.group(0)
        # SSN-shaped TINs from matchgate's generators start with 8 (area
        # numbers never issued before 2011), ITIN-shaped ones with 9.
        if tin[0] not in "89" and tin not in DOCUMENTED_EXAMPLES:
            found.append(tin)
    return found


def test_the_scan_finds_real_looking_tins() -> None:
    assert real_looking_tins('row(tin="512345678") and 212-55-1234') == [
        "512345678",
        "212-55-1234",
    ]
    assert real_looking_tins('tin="812345678", zip "78701-1234"') == []


def test_req38_every_tin_in_the_tests_is_synthetic() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {tin}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path != Path(__file__)  # this file's own examples of what is refused
        for tin in real_looking_tins(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
