"""API load: 16 concurrent clients for 60 s on status, review queue and decide, on loopback.

Builds the demo workspace (synthetic master file, model, users, tokens, a
batch in review), starts `matchgate serve` on it in its own process, then
runs a bounded closed-loop load: each client repeatedly calls, in turn,
the requester's batch status, the officer's review queue, and a review
decision (the next held item while any is left, then an item already
decided, which the API must refuse with 409: an expected answer, not an
error). Errors are transport failures and any status other than the one
expected. Records p50/p95 latency per endpoint and the counts.

Writes `bench/results/api_load.json` and `.md`.

Usage: python bench/api_load.py [--clients 16] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx

from matchgate.demo_workspace import build_demo_workspace

RESULTS = Path(__file__).parent / "results"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def _load(
    base: str, requester: str, officer: str, batch_id: str, clients: int, seconds: float
) -> dict[str, Any]:
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    errors: Counter[str] = Counter()
    pending: list[str] = []
    decided: list[str] = []
    as_requester = {"Authorization": f"Bearer {requester}"}
    as_officer = {"Authorization": f"Bearer {officer}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        queue = await client.get("/api/v1/review", params={"batch": batch_id}, headers=as_officer)
        pending = [item["item_id"] for item in queue.json()]
        stop = time.monotonic() + seconds

        async def call(name: str, expected: set[int], method: str, url: str, **kw: Any) -> None:
            started = time.perf_counter()
            try:
                response = await client.request(method, url, **kw)
            except httpx.HTTPError as exc:
                errors[f"{name}: {type(exc).__name__}"] += 1
                return
            latencies[name].append(time.perf_counter() - started)
            statuses[name][response.status_code] += 1
            if response.status_code not in expected:
                errors[f"{name}: HTTP {response.status_code}"] += 1

        async def worker() -> None:
            while time.monotonic() < stop:
                await call(
                    "status", {200}, "GET", f"/api/v1/batches/{batch_id}", headers=as_requester
                )
                await call(
                    "queue",
                    {200},
                    "GET",
                    "/api/v1/review",
                    params={"batch": batch_id},
                    headers=as_officer,
                )
                if pending:
                    item, expected = pending.pop(), {200}
                    decided.append(item)
                else:
                    item, expected = decided[0] if decided else "NO-ITEM", {409, 404}
                await call(
                    "decide",
                    expected,
                    "POST",
                    f"/api/v1/review/{item}/decision",
                    json={"confirm": False, "note": "load test"},
                    headers=as_officer,
                )

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - started
    return {
        "elapsed_s": round(elapsed, 1),
        "endpoints": {
            name: {
                "requests": len(values),
                "p50_ms": round(1000 * statistics.median(values), 1),
                "p95_ms": round(1000 * _percentile(values, 0.95), 1),
                "statuses": {str(k): v for k, v in sorted(statuses[name].items())},
                "per_second": round(len(values) / elapsed, 1),
            }
            for name, values in sorted(latencies.items())
        },
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="matchgate-api-load-") as scratch:
        built = build_demo_workspace(Path(scratch))
        port = _free_port()
        env = {**os.environ, "MATCHGATE_HOME": str(built.settings.home)}
        env.pop("MATCHGATE_DATABASE_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "matchgate", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/api/v1/openapi.json", timeout=2)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            result = asyncio.run(
                _load(
                    base,
                    built.requester_token,
                    built.officer_token,
                    built.batch_id,
                    args.clients,
                    args.seconds,
                )
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    result.update(
        clients=args.clients,
        seconds=args.seconds,
        store="SQLite (workspace)",
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_load.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# API load (loopback)",
        "",
        f"{args.clients} concurrent clients for {args.seconds:.0f} s against `matchgate serve` "
        f"(one uvicorn process, {result['store']}), {result['machine']}.",
        "",
        "| endpoint | requests | per second | p50 ms | p95 ms | statuses |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in result["endpoints"].items():
        lines.append(
            f"| {name} | {row['requests']} | {row['per_second']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['statuses']} |"
        )
    lines += ["", f"Errors: {result['errors']} {result['error_kinds'] or ''}".rstrip(), ""]
    lines.append(
        "`decide` answers 200 for each held item and then 409 (already decided): both expected."
    )
    (RESULTS / "api_load.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
