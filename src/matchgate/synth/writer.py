"""Write a `SynthData` to a folder (synth stage, the only synth module doing I/O).

In: the generated data and an output folder. Out: taxpayers.csv,
addresses.csv, requests.csv, truth.csv (RFC 4180 via the csv module, CRLF
line ends, UTF-8 without BOM, header row, empty cell = missing) and
envelope.json, and their paths by role; with past batches, also
past_requests_N.csv and past_envelope_N.json for each.

Every file is written to a hidden temporary file in the same folder and
renamed into place only after all of them were written, so an error leaves
no partial output (and no temporary files) behind.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from matchgate.synth.generator import SynthData

FILE_NAMES = {
    "taxpayers": "taxpayers.csv",
    "addresses": "addresses.csv",
    "requests": "requests.csv",
    "envelope": "envelope.json",
    "truth": "truth.csv",
}


def _write_csv(table: pa.Table, fh: TextIO) -> None:
    columns = [table.column(name).to_pylist() for name in table.column_names]
    writer = csv.writer(fh)  # default dialect: RFC 4180 quoting, CRLF
    writer.writerow(table.column_names)
    writer.writerows(zip(*columns, strict=True))  # None -> empty cell


def _write_json(envelope: dict[str, object], fh: TextIO) -> None:
    json.dump(envelope, fh, indent=2, ensure_ascii=False)
    fh.write("\n")


def write(data: SynthData, out_dir: Path) -> dict[str, Path]:
    """Write all five files into `out_dir` (created if missing); their paths by role."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: dict[str, str] = {}
    try:
        for role, name in FILE_NAMES.items():
            handle, temp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            temps[role] = temp
            with open(handle, "w", encoding="utf-8", newline="") as fh:
                if role == "envelope":
                    _write_json(data.envelope, fh)
                else:
                    _write_csv(getattr(data, role), fh)
        paths = {role: out_dir / name for role, name in FILE_NAMES.items()}
        for number, (requests, envelope) in enumerate(data.past, start=1):
            roles = (f"past_requests_{number}", f"past_envelope_{number}")
            for role, name in zip(roles, (f"{roles[0]}.csv", f"{roles[1]}.json"), strict=True):
                handle, temp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
                temps[role] = temp
                with open(handle, "w", encoding="utf-8", newline="") as fh:
                    if role.startswith("past_envelope"):
                        _write_json(envelope, fh)
                    else:
                        _write_csv(requests, fh)
                paths[role] = out_dir / name
        for role, temp in temps.items():
            os.replace(temp, paths[role])
        return paths
    except BaseException:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        raise
