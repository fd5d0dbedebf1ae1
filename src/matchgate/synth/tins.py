"""Synthetic taxpayer identification numbers (synth stage, pure).

In: a count per type and a numpy Generator. Out: unique 9-digit strings.

Why these ranges (so no synthetic TIN can be paired with a real person's):
- SSN-type TINs start with 8. Area numbers 800-899 were never assigned
  under the area scheme the SSA used until June 2011. (Since the 2011
  randomisation only 000, 666 and 900-999 are formally excluded; keep
  that in mind before reusing these numbers outside tests.)
- ITINs start with 9 and carry 70-88 in the 4th-5th digits, the range the
  IRS uses for ITINs, so `tin_type` stays consistent with the first digit
  (FORMATS.md §1: ITINs start with 9). Such numbers are ITIN-shaped by
  design; the names they are filed with are invented.
"""

from __future__ import annotations

import numpy as np

_SSN_SPACE = 100 * 99 * 9999  # area 8xx (00-99) x group 01-99 x serial 0001-9999
_ITIN_SPACE = 100 * 19 * 10000  # 9xx x group 70-88 x serial 0000-9999


def _unique_draw(rng: np.random.Generator, space: int, n: int) -> np.ndarray:
    """n distinct integers in [0, space), in draw order."""
    got = np.empty(0, dtype=np.int64)
    while got.size < n:
        draw = rng.integers(0, space, size=int((n - got.size) * 1.1) + 16, dtype=np.int64)
        merged = np.concatenate([got, draw])
        _, first = np.unique(merged, return_index=True)
        keep = np.sort(first)
        got = merged[keep][:n]
    return got


def _ssn_strings(codes: np.ndarray) -> list[str]:
    area = codes // (99 * 9999)
    rest = codes % (99 * 9999)
    group = rest // 9999 + 1
    serial = rest % 9999 + 1
    return [
        f"8{a:02d}{g:02d}{s:04d}"
        for a, g, s in zip(area.tolist(), group.tolist(), serial.tolist(), strict=True)
    ]


def _itin_strings(codes: np.ndarray) -> list[str]:
    area = codes // (19 * 10000)
    rest = codes % (19 * 10000)
    group = rest // 10000 + 70
    serial = rest % 10000
    return [
        f"9{a:02d}{g:02d}{s:04d}"
        for a, g, s in zip(area.tolist(), group.tolist(), serial.tolist(), strict=True)
    ]


def draw_tins(is_itin: list[bool], rng: np.random.Generator) -> list[str]:
    """One unique TIN per entry: ITIN-shaped where `is_itin`, else SSN-shaped (starts with 8)."""
    n_itin = sum(is_itin)
    ssn = iter(_ssn_strings(_unique_draw(rng, _SSN_SPACE, len(is_itin) - n_itin)))
    itin = iter(_itin_strings(_unique_draw(rng, _ITIN_SPACE, n_itin)))
    return [next(itin) if flag else next(ssn) for flag in is_itin]


def fresh_tins(n: int, taken: set[str], rng: np.random.Generator) -> list[str]:
    """n more SSN/ITIN-shaped TINs (3 in 4 SSN-shaped) that are not in `taken`."""
    out: list[str] = []
    while len(out) < n:
        for tin in draw_tins([bool(x) for x in rng.random(n - len(out)) < 0.25], rng):
            if tin not in taken:
                taken.add(tin)
                out.append(tin)
    return out
