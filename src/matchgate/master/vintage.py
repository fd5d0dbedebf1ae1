"""The master file's vintage: what names a load, whichever engine makes it.

In: the two master files (FORMATS.md §1) as they lie on disk. Out: their
content hashes and the vintage id a load of them gets, which also hashes the
standardisation code and data shipped with matchgate; and which address
sources set the last known address (26 CFR 301.6212-2). Both engines name a
vintage by these, so the same files give the same id on DuckDB and on Spark.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

#: Only the most recent processed return or a formal change-of-address notice sets the LKA.
LKA_SOURCES = ("RETURN", "CHANGE_OF_ADDRESS")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def standardiser_fingerprint() -> str:
    """A hash of the standardisation code and data shipped with matchgate.

    A vintage is the master file *as standardised*: if the rules change, the
    same files make a different vintage, so a decision's vintage id always
    names exactly the records it was matched against.
    """
    digest = hashlib.sha256()
    package = resources.files("matchgate")
    for folder in ("standardise", "data"):
        for entry in sorted(package.joinpath(folder).iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".py", ".csv")):
                digest.update(entry.name.encode())
                digest.update(entry.read_bytes())
    return digest.hexdigest()


def vintage_id_for(taxpayers_sha: str, addresses_sha: str) -> str:
    """A vintage is named by its content: the same files and rules give the same id."""
    material = f"{taxpayers_sha}:{addresses_sha}:{standardiser_fingerprint()}"
    return f"V-{hashlib.sha256(material.encode()).hexdigest()[:16]}"
