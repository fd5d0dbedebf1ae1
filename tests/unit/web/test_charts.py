"""The charts are drawn from the data: one step per field, one bar per outcome."""

from __future__ import annotations

import re

from matchgate.web.charts import outcome_bars, waterfall, weight_histogram


def test_the_waterfall_has_the_prior_a_step_per_field_and_the_total() -> None:
    svg = str(waterfall({"name": 6.5, "dob": -2.0, "street": 4.25}, total=3.0))
    fields = re.findall(r'data-field="([^"]+)"', svg)
    assert fields == ["prior", "dob", "name", "street"]
    # the prior is what the fields do not explain: 3.0 - (6.5 - 2.0 + 4.25)
    assert "-5.75" in svg
    assert 'class="total"' in svg and ">3.00<" in svg


def test_outcome_bars_scale_to_the_largest_count() -> None:
    svg = str(outcome_bars({"VERIFIED": 10, "NO_MATCH": 5}))
    widths = dict(re.findall(r'data-outcome="(\w+)" x="128" y="[\d.]+" width="([\d.]+)"', svg))
    assert float(widths["NO_MATCH"]) * 2 == float(widths["VERIFIED"])


def test_the_histogram_counts_every_weight_once() -> None:
    weights = [("VERIFIED", 12.0), ("VERIFIED", 11.5), ("NO_MATCH", -3.0), ("PENDING_REVIEW", 4.0)]
    svg = str(weight_histogram(weights, bins=4))
    counts = [int(n) for n in re.findall(r"<title>\w+: (\d+)</title></rect>", svg)]
    assert sum(counts) == len(weights)


def test_labels_are_escaped() -> None:
    assert "<script>" not in str(waterfall({"<script>": 1.0}, total=1.0))
