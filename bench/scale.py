"""National-scale benchmark: matchgate's stages and the bare Splink floor, per scale.

For each named scale (M, L, XL; see `scale_data.py`) it generates the data if
absent (under `--data-root`, outside the repository), then runs as separate
processes, each under a memory cap:
- `matchgate master load` into a fresh workspace,
- `matchgate model train` on it,
- `matchgate verify` of the scale's batch against that workspace,
- `scale_bare.py`, the bare Splink 5 + DuckDB link job on the same data,
and records per stage the wall time, the peak resident memory of the whole
process tree (sampled from /proc every 0.2 s: the process, its workers and
anything they start) and how it ended. A stage whose tree grows past the cap
is killed and recorded as `killed_by_cap` with the memory and the last
progress line it reached; a failed stage is recorded as `failed`; the bench
goes on with the next stage. After every stage, any process of the stage's
session still alive is counted (`leftover_processes`) and ended.

Writes `bench/results/scale.json` (results by scale, merged with earlier
runs) and `bench/results/scale.md` (ending with the hand-written
`bench/results/scale_notes.md`), and prints how each stage grows from one
scale to the next and each matchgate stage as a ratio to the bare job.

Usage: python bench/scale.py --scale M --scale L [--cap-gb 10] [--stages load,train,verify,bare]
       python bench/scale.py --scale M --engine spark --stages load,train,verify
(`--engine spark` runs matchgate's stages on the Spark engine, with the
MATCHGATE_SPARK_* settings of the environment; its results are kept beside
DuckDB's, as "M spark".)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from scale_data import SCALES, is_complete
from speed import stage_seconds

RESULTS = Path(__file__).parent / "results"
HERE = Path(__file__).parent
MATCHGATE = str(Path(sys.executable).with_name("matchgate"))
PAGE = os.sysconf("SC_PAGE_SIZE")
STAGES = ("generate", "load", "train", "verify", "bare")
ORDER = ("S", "M", "L", "XL")
ENGINES = ("duckdb", "spark")


def result_key(scale: str, engine: str) -> str:
    """Where a run's results go in scale.json: "L" on DuckDB (the default), "L spark"."""
    return scale if engine == "duckdb" else f"{scale} {engine}"


def _keys(results: dict[str, Any]) -> list[str]:
    """The results' keys, DuckDB's scales first in size order, then each other engine's."""
    return [result_key(s, e) for e in ENGINES for s in ORDER if result_key(s, e) in results]


def _session_pids(session: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # field 6 of stat: the session id
            pids.append(int(entry))
    return pids


def _rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


TIMELINE_SECONDS = 5.0


def _last_step(log: Path) -> str:
    """The description of the last progress line a stage wrote (no figures from data)."""
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - 4000))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in tail.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1][:60].split("━")[0].strip() if lines else ""


def run_stage(
    name: str, command: list[str], cap_bytes: int, timeout: float, log: Path
) -> dict[str, Any]:
    """Run `command` in a session of its own under the memory cap; what it took."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "COLUMNS": "160", "MATCHGATE_USER": "bench"},
        )
        peak = 0
        status = "ok"
        stop = threading.Event()

        timeline: list[tuple[float, int, str]] = []

        def watch() -> None:
            nonlocal peak, status
            next_mark = 0.0
            while not stop.is_set():
                rss = _rss_bytes(_session_pids(process.pid))
                peak = max(peak, rss)
                elapsed = time.perf_counter() - started
                if elapsed >= next_mark:
                    # Where the memory goes: RSS beside the step the stage reports.
                    timeline.append((round(elapsed), round(rss / 2**20), _last_step(log)))
                    next_mark = elapsed + TIMELINE_SECONDS
                if rss > cap_bytes:
                    status = "killed_by_cap"
                    os.killpg(process.pid, signal.SIGKILL)
                    return
                if time.perf_counter() - started > timeout:
                    status = "timeout"
                    os.killpg(process.pid, signal.SIGKILL)
                    return
                stop.wait(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        code = process.wait()
        stop.set()
        watcher.join()
    wall = time.perf_counter() - started
    leftovers = _session_pids(process.pid)
    for pid in leftovers:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    if status == "ok" and code != 0:
        status = "failed"
    text = log.read_text(encoding="utf-8", errors="replace")
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    result = {
        "stage": name,
        "status": status,
        "exit_code": code,
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(peak / 2**20),
        "leftover_processes": len(leftovers),
        # The machine is shared: the 1-minute load average before and after.
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "log": str(log),
        "timeline": timeline,
    }
    if status != "ok":
        result["last_output"] = lines[-3:]
    print(f"  {name}: {status} {wall:.1f} s, peak {peak / 2**30:.2f} GiB", flush=True)
    return result


def verify_against_truth(response: Path, truth: Path) -> dict[str, Any]:
    """Share verified and rejected, against the truth's expected outcome class."""
    expected = {row["request_id"]: row["expected"] for row in pq.read_table(truth).to_pylist()}
    counts: dict[str, dict[str, int]] = {}
    with response.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by = counts.setdefault(expected.get(row["request_id"], "?"), {})
            by[row["outcome"]] = by.get(row["outcome"], 0) + 1
    total = sum(sum(by.values()) for by in counts.values()) or 1
    verified = sum(by.get("VERIFIED", 0) for by in counts.values())
    rejected = sum(by.get("REJECTED", 0) for by in counts.values())
    return {
        "outcomes_by_expected_class": counts,
        "share_verified": round(verified / total, 4),
        "share_expected_verifiable": round(sum(counts.get("VERIFIABLE", {}).values()) / total, 4),
        "share_rejected": round(rejected / total, 4),
        "share_expected_rejected": round(sum(counts.get("REJECTED", {}).values()) / total, 4),
        "verified_but_not_verifiable": counts.get("NOT_VERIFIABLE", {}).get("VERIFIED", 0),
    }


def run_scale(scale: str, args: argparse.Namespace) -> dict[str, Any]:
    data = args.data_root / scale
    cap = int(args.cap_gb * 2**30)
    logs = Path(tempfile.mkdtemp(prefix=f"scale-{scale}-logs-", dir=args.data_root))
    key = result_key(scale, args.engine).replace(" ", "-")
    work = args.data_root / f"{key}-workspace"
    stages: dict[str, Any] = {}
    print(f"scale {scale} (cap {args.cap_gb} GiB)", flush=True)
    if not is_complete(data):
        stages["generate"] = run_stage(
            "generate",
            [sys.executable, str(HERE / "scale_data.py"), "--scale", scale, "--out", str(data)],
            cap, args.timeout, logs / "generate.log",
        )  # fmt: skip
    summary = json.loads((data / "summary.json").read_text())
    wanted = args.stages.split(",")
    if "load" in wanted:
        subprocess.run(["rm", "-rf", str(work)], check=True)
        # Loading and training are an operator's: the bench acts as its own admin.
        subprocess.run(
            [MATCHGATE, "user", "add", "bench", "--role", "admin", "--role", "operator",
             "--workspace", str(work)],
            check=True, capture_output=True, env={**os.environ, "MATCHGATE_USER": "bench"},
        )  # fmt: skip
        stages["load"] = run_stage(
            "load",
            [MATCHGATE, "master", "load", "--taxpayers", str(data / "taxpayers.parquet"),
             "--addresses", str(data / "addresses.parquet"), "--workspace", str(work)],
            cap, args.timeout, logs / "load.log",
        )  # fmt: skip
    if "train" in wanted:
        stages["train"] = run_stage(
            "train", [MATCHGATE, "model", "train", "--workspace", str(work)],
            cap, args.timeout, logs / "train.log",
        )  # fmt: skip
    if "verify" in wanted:
        response = args.data_root / f"{key}-response.csv"
        stages["verify"] = run_stage(
            "verify",
            [MATCHGATE, "verify", "--requests", str(data / "requests.parquet"),
             "--envelope", str(data / "envelope.json"), "--out", str(response),
             "--workspace", str(work)],
            cap, args.timeout, logs / "verify.log",
        )  # fmt: skip
        if stages["verify"]["status"] == "ok":
            stages["verify"]["truth"] = verify_against_truth(response, data / "truth.parquet")
            log = Path(stages["verify"]["log"]).read_text(errors="replace")
            stages["verify"]["stage_seconds"] = stage_seconds(log)
    if "bare" in wanted:
        stages["bare"] = run_stage(
            "bare",
            [sys.executable, str(HERE / "scale_bare.py"), str(data),
             "--memory-limit", args.bare_memory_limit, "--temp", str(args.data_root)],
            cap, args.timeout, logs / "bare.log",
        )  # fmt: skip
        if stages["bare"]["status"] == "ok":
            text = Path(stages["bare"]["log"]).read_text()
            stages["bare"]["summary"] = json.loads(text[text.index("{") :])
    return {
        "scale": scale,
        "taxpayers": summary["taxpayers"],
        "address_rows": summary["address_rows"],
        "requests": summary["requests"],
        "cap_gib": args.cap_gb,
        "stages": stages,
    }


def _growth(results: dict[str, Any]) -> list[str]:
    lines = []
    scales = [s for s in ORDER if s in results]
    for small, big in itertools.pairwise(scales):
        size = results[big]["address_rows"] / results[small]["address_rows"]
        parts = []
        for stage in ("load", "train", "verify", "bare"):
            a = results[small]["stages"].get(stage)
            b = results[big]["stages"].get(stage)
            if a and b and a["status"] == b["status"] == "ok" and a["wall_seconds"]:
                parts.append(
                    f"{stage} x{b['wall_seconds'] / a['wall_seconds']:.1f} time, "
                    f"x{b['peak_rss_mib'] / max(a['peak_rss_mib'], 1):.1f} memory"
                )
        lines.append(f"- {small} -> {big} (x{size:.1f} address rows): " + "; ".join(parts))
    return lines


def _vs_bare(result: dict[str, Any]) -> str:
    bare = result["stages"].get("bare")
    if not bare or bare["status"] != "ok":
        return ""
    parts = []
    for stage in ("load", "train", "verify"):
        own = result["stages"].get(stage)
        if own and own["status"] == "ok":
            parts.append(f"{stage} {own['wall_seconds'] / bare['wall_seconds']:.1f}x")
    total = sum(
        result["stages"][s]["wall_seconds"]
        for s in ("load", "train", "verify")
        if s in result["stages"] and result["stages"][s]["status"] == "ok"
    )
    return ", ".join(parts) + f"; load+train+verify {total / bare['wall_seconds']:.1f}x"


#: verify's own stages, in the order a batch goes through them (`verify` is their sum).
_VERIFY_PARTS = ("store", "intake", "standardise", "match", "decide", "commit", "release")


def _verify_parts(result: dict[str, Any]) -> str:
    """`store 1.2, ..., other 3.4 of verify 56.7`: where verify spent its time."""
    seconds = result["stages"].get("verify", {}).get("stage_seconds") or {}
    if "verify" not in seconds:
        return ""
    parts = [(name, seconds[name]) for name in _VERIFY_PARTS if name in seconds]
    # Validation, the batch-wide plan and start-up are not timed on their own.
    other = seconds["verify"] - sum(value for _, value in parts)
    shown = ", ".join(f"{name} {value:.1f}" for name, value in [*parts, ("other", other)])
    return f"{shown} of verify {seconds['verify']:.1f}"


def _load(stage: dict[str, Any]) -> str:
    load = stage.get("load_average")
    return f"{load[0]} / {load[1]}" if load else "?"


def write_results(results: dict[str, Any], folder: Path = RESULTS) -> str:
    machine = f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, python "
    machine += platform.python_version()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scale.json").write_text(
        json.dumps({"machine": machine, "results": results}, indent=2) + "\n"
    )
    lines = [
        "# National scale: matchgate's stages and the bare Splink floor",
        "",
        f"Machine: {machine}. Measured with `python bench/scale.py`: each stage is a separate",
        "process under a memory cap, peak RSS is the whole process tree; load avg is the",
        "machine's 1-minute load average before / after the stage (with 2 CPUs, above 2 means",
        "other work was competing and the time is not the stage's alone).",
        "",
        "| scale | taxpayers | address rows | requests | stage | status | wall s | peak RSS MiB "
        "| load avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for scale in _keys(results):
        r = results[scale]
        for stage in STAGES:
            s = r["stages"].get(stage)
            if s is None:
                continue
            lines.append(
                f"| {scale} | {r['taxpayers']:,} | {r['address_rows']:,} | {r['requests']:,} "
                f"| {stage} | {s['status']} | {s['wall_seconds']} | {s['peak_rss_mib']:,} "
                f"| {_load(s)} |"
            )
    lines += ["", "Growth from one scale to the next:", "", *_growth(results), ""]
    lines += ["matchgate's stages as multiples of the bare job's wall time:", ""]
    for scale in _keys(results):
        ratio = _vs_bare(results[scale])
        if ratio:
            lines.append(f"- {scale}: {ratio}")
    lines += ["", "Where verify's time went (its own `Time per stage`, seconds):", ""]
    for scale in _keys(results):
        parts = _verify_parts(results[scale])
        if parts:
            lines.append(f"- {scale}: {parts}")
    lines.append("")
    for scale in _keys(results):
        truth = results[scale]["stages"].get("verify", {}).get("truth")
        if truth:
            lines.append(
                f"- {scale} verify vs truth: verified {truth['share_verified']:.1%} "
                f"(verifiable {truth['share_expected_verifiable']:.1%}), rejected "
                f"{truth['share_rejected']:.1%} (expected {truth['share_expected_rejected']:.1%}),"
                f" verified but not verifiable: {truth['verified_but_not_verifiable']}"
            )
    text = "\n".join(lines) + "\n"
    # What a table cannot say (machine load, profiles, why a target is missed) is
    # written by hand beside it, and carried into every rewrite.
    notes = RESULTS / "scale_notes.md"
    if notes.is_file():
        text += "\n" + notes.read_text()
    (folder / "scale.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", action="append", choices=sorted(SCALES), required=True)
    parser.add_argument("--data-root", type=Path, default=Path("/work/scale-data"))
    parser.add_argument("--cap-gb", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--stages", default="load,train,verify,bare")
    parser.add_argument("--bare-memory-limit", default="4GB")
    parser.add_argument(
        "--engine", choices=ENGINES, default="duckdb", help="matchgate's engine (MATCHGATE_ENGINE)"
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="folder for scale.json and scale.md"
    )
    args = parser.parse_args(argv)
    args.data_root.mkdir(parents=True, exist_ok=True)
    existing = args.results / "scale.json"
    # Every matchgate command a stage runs uses this engine (the bare job is DuckDB's own).
    os.environ["MATCHGATE_ENGINE"] = args.engine
    for scale in args.scale:
        fresh = run_scale(scale, args)
        # Read again just before merging: another run may have written meanwhile.
        results: dict[str, Any] = (
            json.loads(existing.read_text())["results"] if existing.is_file() else {}
        )
        key = result_key(scale, args.engine)
        old = results.get(key, {}).get("stages", {})
        results[key] = {**fresh, "engine": args.engine, "stages": {**old, **fresh["stages"]}}
        print(write_results(results, args.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
