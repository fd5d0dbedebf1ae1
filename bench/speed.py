"""Speed and memory benchmark: one-shot `matchgate verify` at a named scale.

Synthesises the data once (not timed), then runs `matchgate verify` (load the
master file, train the model, verify the batch, write the response) in a
fresh process with a fresh workspace, and records wall time, the time per
stage the command reports, the peak resident memory of that process tree
(from wait4 of the child: its largest single process) and the load average
around the run, since the machine may be shared.

With `--baseline-ref REF` the same data is verified back to back by the code
of that git ref and by the working tree: REF's `src/` is exported with
`git archive` into a scratch folder and run by this same interpreter and
virtual environment with `PYTHONPATH` pointing at it (the working tree runs
with `PYTHONPATH` at its own `src/`, so both start the same way). That works
when the ref's dependencies are those installed here: the script first checks
that the ref's command line imports, and records which of the ref's pinned
requirements differ from what is installed. `--repeat N` alternates the two
N times (baseline first) and compares the fastest run of each, the usual way
to damp a shared machine's noise.

Writes `bench/results/speed.json` and `bench/results/speed.md`.

Usage: python bench/speed.py [--scale M] [--baseline-ref REF] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from matchgate import demo

RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parent.parent
SCALES = {"S": (5_000, 2_000), "M": (200_000, 20_000)}
STAGES = {
    "read", "load", "train", "verify", "store", "intake", "standardise", "match", "decide",
    "commit", "release",
}  # fmt: skip
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def export_ref(ref: str, into: Path) -> tuple[str, Path]:
    """Write the `src/` and `requirements.lock` of git ref `ref` under `into`; returns
    the full commit id and the exported `src` folder."""
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "ref.tar"
    with archive.open("wb") as handle:
        subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", commit, "src", "requirements.lock"],
            stdout=handle,
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    archive.unlink()
    return commit, into / "tree" / "src"


def unmet_pins(lock: Path) -> list[str]:
    """The ref's pinned requirements that the running environment does not have as pinned."""
    if not lock.exists():
        return []
    unmet = []
    for line in lock.read_text().splitlines():
        found = _PIN.match(line.strip())
        if not found:
            continue
        name, version = found.groups()
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            unmet.append(f"{name}=={version} (not installed)")
            continue
        if installed != version:
            unmet.append(f"{name}=={version} (installed {installed})")
    return unmet


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "200"}


def check_imports(src: Path) -> None:
    """Refuse to time a tree whose command line does not import from `src` here."""
    probe = subprocess.run(
        [sys.executable, "-c", "import matchgate, matchgate.cli.app; print(matchgate.__file__)"],
        capture_output=True,
        text=True,
        env=_env(src),
        check=False,
    )
    if probe.returncode != 0:
        raise SystemExit(f"{src}: matchgate does not import here:\n{probe.stderr[-2000:]}")
    if not Path(probe.stdout.strip()).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"{src}: matchgate was imported from {probe.stdout.strip()} instead")


def run_verify(src: Path, files: dict[str, Path], scratch: Path, label: str) -> dict[str, Any]:
    """One `python -m matchgate verify` of the code in `src`, in a fresh workspace."""
    workspace = Path(tempfile.mkdtemp(prefix=f"ws-{label}-", dir=scratch))
    command = [
        sys.executable, "-m", "matchgate",
        "verify",
        "--taxpayers", str(files["taxpayers"]),
        "--addresses", str(files["addresses"]),
        "--requests", str(files["requests"]),
        "--envelope", str(files["envelope"]),
        "--out", str(workspace / "response.csv"),
        "--workspace", str(workspace / "workspace"),
    ]  # fmt: skip
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=_env(src))
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    load_after = os.getloadavg()
    if process.returncode != 0:
        raise SystemExit(f"{label}: verify failed ({process.returncode}):\n{stderr[-2000:]}")
    return {
        "label": label,
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 0),
        "stage_seconds": stage_seconds(stdout),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }


def stage_seconds(stdout: str) -> dict[str, float]:
    """The "Time per stage" table of `verify`'s output: tab-separated lines when the
    output is not a terminal (as here), a Rich table in older versions."""
    found = re.findall(r"^(\w+)\t([\d.]+)\s*$", stdout, flags=re.MULTILINE)
    found += re.findall(r"│\s*(\w+)\s*│\s*([\d.]+)\s*│", stdout)
    return {name: float(value) for name, value in found if name in STAGES}


def _head() -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def run(
    scale: str, *, baseline_ref: str | None = None, repeat: int = 1, seed: int = 7
) -> dict[str, Any]:
    taxpayers, requests = SCALES[scale]
    result: dict[str, Any] = {
        "scale": scale,
        "taxpayers": taxpayers,
        "requests": requests,
        "seed": seed,
        "cpus": os.cpu_count(),
        "working_tree": _head(),
    }
    with tempfile.TemporaryDirectory(prefix=f"matchgate-speed-{scale}-") as tmp:
        scratch = Path(tmp)
        trees = [("working tree", REPO / "src")]
        if baseline_ref:
            commit, baseline_src = export_ref(baseline_ref, scratch / "baseline")
            result["baseline"] = {
                "ref": baseline_ref,
                "commit": commit,
                "unmet_pins": unmet_pins(baseline_src.parent / "requirements.lock"),
            }
            trees.insert(0, ("baseline", baseline_src))
        for _, src in trees:
            check_imports(src)
        files = demo.synthesise(scratch / "data", taxpayers=taxpayers, requests=requests, seed=seed)
        runs = [
            run_verify(src, files, scratch, label)
            for _ in range(max(1, repeat))
            for label, src in trees
        ]
    result["runs"] = runs
    best = {
        label: min((r for r in runs if r["label"] == label), key=lambda r: r["wall_seconds"])
        for label, _ in trees
    }
    current = best["working tree"]
    # Kept at the top level as before: the working tree's (fastest) run.
    result.update(
        wall_seconds=current["wall_seconds"],
        peak_rss_mib=current["peak_rss_mib"],
        stage_seconds=current["stage_seconds"],
    )
    if baseline_ref:
        base = best["baseline"]
        result["ratio_to_baseline"] = round(current["wall_seconds"] / base["wall_seconds"], 3)
        result["verify_stage_ratio_to_baseline"] = (
            round(current["stage_seconds"]["verify"] / base["stage_seconds"]["verify"], 3)
            if base["stage_seconds"].get("verify") and current["stage_seconds"].get("verify")
            else None
        )
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Speed and memory: one-shot `matchgate verify`",
        "",
        f"Machine: {result['machine']}, {result['cpus']} CPUs. Working tree: "
        f"`{result['working_tree']}`.",
        "",
    ]
    baseline = result.get("baseline")
    if baseline:
        lines += [
            f"Baseline: `{baseline['ref']}` = `{baseline['commit'][:12]}`, run from its own "
            "`src/` with this environment, back to back with the working tree on the same "
            "data.",
            "",
        ]
        if baseline["unmet_pins"]:
            lines += [
                "The baseline's pins not installed as pinned (its command line imports "
                "without them): " + ", ".join(baseline["unmet_pins"]) + ".",
                "",
            ]
    lines += [
        "| scale | code | taxpayers | requests | wall seconds | peak RSS (MiB) "
        "| load avg before / after (1 min) | seconds per stage |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["runs"]:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stage_seconds"].items())
        lines.append(
            f"| {result['scale']} | {r['label']} | {result['taxpayers']:,} "
            f"| {result['requests']:,} | {r['wall_seconds']} | {r['peak_rss_mib']:.0f} "
            f"| {r['load_average_before'][0]} / {r['load_average_after'][0]} | {stages} |"
        )
    lines.append("")
    if baseline:
        lines += [
            f"Working tree / baseline, fastest run of each: wall time "
            f"{result['ratio_to_baseline']:.3f}, verify stage "
            f"{result['verify_stage_ratio_to_baseline']}.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="M", choices=sorted(SCALES))
    parser.add_argument("--baseline-ref", help="git ref to time back to back with the working tree")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, alternated")
    args = parser.parse_args(argv)
    result = run(args.scale, baseline_ref=args.baseline_ref, repeat=args.repeat)
    result["machine"] = (
        f"{platform.machine()} {platform.system()}, python {platform.python_version()}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (RESULTS / "speed.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
