"""Audit overhead: what appending to the audit chain adds to batch processing.

Synthesises a master file and batch at a named scale, loads and trains (not
timed), then submits and processes the batch through the workflow store
(`batch submit` path) twice: once with the audit event builders and appends
replaced by no-ops, once as shipped. The overhead is the difference over the
run without audit.

Writes `bench/results/audit_overhead.json` and `.md`.

Usage: python bench/audit_overhead.py [--scale M]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matchgate import demo
from matchgate.agreements.loader import resolve_agreement
from matchgate.domain.lifecycle import Role
from matchgate.files import read_upload
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.match.port import MasterFiles
from matchgate.progress import NullProgress
from matchgate.workflow import events, process, submit
from matchgate.workflow.store import add_user, open_store
from matchgate.workspace import Workspace

RESULTS = Path(__file__).parent / "results"
SCALES = {"S": (5_000, 2_000), "M": (200_000, 20_000)}
ROUNDS = 2


def _process(workspace: Workspace, files: dict[str, Path], store_dir: Path) -> float:
    store = open_store(Workspace(store_dir))
    try:
        add_user(store, "admin", [Role.ADMIN], actor=None)
        add_user(store, "op", [Role.OPERATOR], actor="admin")
        started = time.perf_counter()
        batch_id, _ = submit.submit_batch(
            store,
            read_upload(files["requests"]),
            read_upload(files["envelope"]),
            resolve_agreement(None),
            actor="op",
        )
        with DuckDBEngine(workspace).matcher() as factory:
            process.process_batch(store, batch_id, factory)
        return time.perf_counter() - started
    finally:
        store.close()


def _no_audit() -> Callable[[], None]:
    """Replace the audit appends and payload builders with no-ops; returns an undo."""
    saved = {
        (submit, "append_event"): submit.append_event,
        (process, "append_events"): process.append_events,
        (events, "decision_made"): events.decision_made,
        (events, "decision_recorded"): events.decision_recorded,
        (events, "request_rejected"): events.request_rejected,
        (events, "batch_received"): events.batch_received,
    }
    for module, name in saved:
        setattr(module, name, lambda *args, **kwargs: None)

    def undo() -> None:
        for (module, name), original in saved.items():
            setattr(module, name, original)

    return undo


def run(scale: str, seed: int = 7) -> dict[str, Any]:
    taxpayers, requests = SCALES[scale]
    with tempfile.TemporaryDirectory(prefix=f"matchgate-audit-{scale}-") as scratch:
        folder = Path(scratch)
        files = demo.synthesise(folder, taxpayers=taxpayers, requests=requests, seed=seed)
        workspace = Workspace(folder / "workspace")
        engine = DuckDBEngine(workspace)
        master = MasterFiles(files["taxpayers"], files["addresses"])
        engine.load_master(master, progress=NullProgress())
        engine.train(seed=42, progress=NullProgress())
        # Alternate the two runs and keep the fastest of each, so that warm
        # caches (the first run parses every street) favour neither side.
        timings: dict[str, list[float]] = {"without": [], "with": []}
        for round_ in range(ROUNDS):
            undo = _no_audit()
            try:
                timings["without"].append(
                    _process(workspace, files, folder / f"store-without-{round_}")
                )
            finally:
                undo()
            timings["with"].append(_process(workspace, files, folder / f"store-with-{round_}"))
        without, with_audit = min(timings["without"]), min(timings["with"])
    return {
        "scale": scale,
        "taxpayers": taxpayers,
        "requests": requests,
        "processing_seconds_without_audit": round(without, 2),
        "processing_seconds_with_audit": round(with_audit, 2),
        "overhead_percent": round(100 * (with_audit - without) / without, 1),
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
    (RESULTS / "audit_overhead.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Audit overhead on batch processing",
        "",
        f"Machine: {result['machine']}",
        "",
        "| scale | requests | without audit (s) | with audit (s) | overhead |",
        "|---|---|---|---|---|",
        f"| {result['scale']} | {result['requests']:,} "
        f"| {result['processing_seconds_without_audit']} "
        f"| {result['processing_seconds_with_audit']} | {result['overhead_percent']}% |",
        "",
        "Processing = submit (store the rows) + validate + match + decide, each step",
        "committed to a fresh SQLite workflow store; the run without audit replaces the",
        "event builders and appends with no-ops. Same master file, model and batch.",
        "",
    ]
    (RESULTS / "audit_overhead.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
