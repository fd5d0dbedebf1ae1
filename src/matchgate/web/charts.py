"""Charts drawn on the server as inline SVG, from the data alone (no script, no CDN).

In: counts per outcome, (outcome, match weight) pairs, one candidate's field
weights and total. Out: SVG markup for a bar chart of outcomes, a histogram
of match weights stacked by outcome, and a match-weight waterfall in the
manner of Splink's: the prior (the model's λ, what is left of the total when
the field weights are taken away), one step per compared field, and the
final match weight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

COLOURS = {
    "VERIFIED": "#1b7f3b",
    "NO_MATCH": "#8a8f98",
    "PENDING_REVIEW": "#c77c02",
    "REJECTED": "#b3261e",
}
_DEFAULT = "#4a6fa5"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    inner = "".join(body)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{inner}</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif">{escape(text)}</text>'
    )


def outcome_bars(outcomes: Mapping[str, int]) -> Markup:
    """One horizontal bar per outcome, its count beside it."""
    items = sorted(outcomes.items())
    width, row = 460, 24
    height = max(row * len(items) + 10, 40)
    top = max((n for _, n in items), default=0) or 1
    body = []
    for i, (outcome, n) in enumerate(items):
        y = 5 + i * row
        length = 260 * n / top
        body.append(_text(120, y + 15, outcome, anchor="end"))
        body.append(
            f'<rect class="bar" data-outcome="{escape(outcome)}" x="128" y="{y + 3}" '
            f'width="{length:.1f}" height="{row - 8}" fill="{COLOURS.get(outcome, _DEFAULT)}"/>'
        )
        body.append(_text(134 + length, y + 15, f"{n:,}"))
    return _svg(width, height, "Requests by outcome", body)


def weight_histogram(weights: Sequence[tuple[str, float]], *, bins: int = 20) -> Markup:
    """Match weights of the matched requests, in equal-width bins, stacked by outcome."""
    width, height, left, bottom = 560, 220, 40, 30
    if not weights:
        return _svg(width, 40, "Match weight histogram", [_text(10, 25, "no matched requests")])
    values = [w for _, w in weights]
    low, high = math.floor(min(values)), math.ceil(max(values))
    if high == low:
        high = low + 1
    step = (high - low) / bins
    counts: list[dict[str, int]] = [{} for _ in range(bins)]
    for outcome, w in weights:
        index = min(int((w - low) / step), bins - 1)
        counts[index][outcome] = counts[index].get(outcome, 0) + 1
    tallest = max(sum(c.values()) for c in counts) or 1
    plot_w, plot_h = width - left - 10, height - bottom - 10
    bar_w = plot_w / bins
    body = [
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{left + plot_w}" y2="{10 + plot_h}" '
        'stroke="#333"/>'
    ]
    for i, bucket in enumerate(counts):
        y: float = 10 + plot_h
        for outcome in sorted(bucket):
            h = plot_h * bucket[outcome] / tallest
            y -= h
            body.append(
                f'<rect class="bin" x="{left + i * bar_w + 1:.1f}" y="{y:.1f}" '
                f'width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS.get(outcome, _DEFAULT)}">'
                f"<title>{escape(outcome)}: {bucket[outcome]}</title></rect>"
            )
    for k in range(0, bins + 1, max(bins // 5, 1)):
        x = left + k * bar_w
        body.append(_text(x, height - 12, f"{low + k * step:.0f}", anchor="middle"))
    body.append(_text(left + plot_w / 2, height - 1, "match weight", anchor="middle", size=10))
    body.append(_text(4, 18, f"{tallest}", size=10))
    return _svg(width, height, "Match weight histogram", body)


def waterfall(field_weights: Mapping[str, float], total: float) -> Markup:
    """Prior, one step per field, and the final match weight, as floating bars."""
    steps = [("prior", total - sum(field_weights.values()))]
    steps += sorted(field_weights.items())
    width, row, left = 520, 22, 150
    height = row * (len(steps) + 1) + 30
    running, ends = 0.0, []
    for _, weight in steps:
        ends.append((running, running + weight))
        running += weight
    points = [0.0, total] + [p for pair in ends for p in pair]
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    plot = width - left - 60

    def x(value: float) -> float:
        return left + plot * (value - low) / span

    body = [
        f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height - 24}" stroke="#999" '
        'stroke-dasharray="3,3"/>'
    ]
    for i, ((name, weight), (start, end)) in enumerate(zip(steps, ends, strict=True)):
        y = 4 + i * row
        a, b = sorted((x(start), x(end)))
        colour = "#1b7f3b" if weight >= 0 else "#b3261e"
        body.append(_text(left - 6, y + 14, name, anchor="end"))
        body.append(
            f'<rect class="step" data-field="{escape(name)}" x="{a:.1f}" y="{y + 2}" '
            f'width="{max(b - a, 1):.1f}" height="{row - 6}" fill="{colour}"/>'
        )
        body.append(_text(max(a, b) + 4, y + 14, f"{weight:+.2f}", size=10))
    y = 4 + len(steps) * row
    a, b = sorted((x(0), x(total)))
    body.append(_text(left - 6, y + 14, "match weight", anchor="end"))
    body.append(
        f'<rect class="total" x="{a:.1f}" y="{y + 2}" width="{max(b - a, 1):.1f}" '
        f'height="{row - 6}" fill="#4a6fa5"/>'
    )
    body.append(_text(max(a, b) + 4, y + 14, f"{total:.2f}", size=10))
    return _svg(width, height, "Match weight waterfall", body)
