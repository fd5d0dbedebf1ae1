"""Speed and memory benchmark: one-shot `matchgate verify` at a named scale.

Synthesises the data (not timed), then runs `matchgate verify` (load the
master file, train the model, verify the batch, write the response) in a
fresh process with a fresh workspace, and records wall time, the time per
stage the command reports, and the peak resident memory of the process tree
(the largest single process, from getrusage of the waited-for children).

Writes `bench/results/speed.json` and `bench/results/speed.md`.

Usage: python bench/speed.py [--scale M]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from matchgate import demo

RESULTS = Path(__file__).parent / "results"
SCALES = {"S": (5_000, 2_000), "M": (200_000, 20_000)}
MATCHGATE = Path(sys.executable).with_name("matchgate")
STAGES = {"read", "load", "train", "verify", "intake", "standardise", "match", "decide", "store"}


def run(scale: str, seed: int = 7) -> dict[str, Any]:
    taxpayers, requests = SCALES[scale]
    with tempfile.TemporaryDirectory(prefix=f"matchgate-speed-{scale}-") as scratch:
        folder = Path(scratch)
        files = demo.synthesise(folder, taxpayers=taxpayers, requests=requests, seed=seed)
        command = [
            str(MATCHGATE),
            "verify",
            "--taxpayers", str(files["taxpayers"]),
            "--addresses", str(files["addresses"]),
            "--requests", str(files["requests"]),
            "--envelope", str(files["envelope"]),
            "--out", str(folder / "response.csv"),
            "--workspace", str(folder / "workspace"),
        ]  # fmt: skip
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            check=False,
        )
        wall = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if completed.returncode != 0:
        raise SystemExit(f"verify failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    stages = {
        name: float(value)
        for name, value in re.findall(r"│\s*(\w+)\s*│\s*([\d.]+)\s*│", completed.stdout)
        if name in STAGES
    }
    return {
        "scale": scale,
        "taxpayers": taxpayers,
        "requests": requests,
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(peak_kib / 1024, 0),
        "stage_seconds": stages,
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="M", choices=sorted(SCALES))
    args = parser.parse_args(argv)
    result = run(args.scale)
    result["machine"] = (
        f"{platform.machine()} {platform.system()}, python {platform.python_version()}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Speed and memory: one-shot `matchgate verify`",
        "",
        f"Machine: {result['machine']}, {result['cpus']} CPUs",
        "",
        "| scale | taxpayers | requests | wall seconds | peak RSS (MiB) |",
        "|---|---|---|---|---|",
        f"| {result['scale']} | {result['taxpayers']:,} | {result['requests']:,} "
        f"| {result['wall_seconds']} | {result['peak_rss_mib']:.0f} |",
        "",
        "Seconds per stage: "
        + ", ".join(f"{k} {v:.1f}" for k, v in result["stage_seconds"].items()),
        "",
    ]
    (RESULTS / "speed.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
