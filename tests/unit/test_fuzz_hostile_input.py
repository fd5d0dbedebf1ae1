"""Property-based fuzzing of every reader of outside input (issue 7, hostile input).

Over the contract file readers (CSV, JSON Lines, Parquet), the envelope
parser and checker, and the agreement loader, for inputs hypothesis builds
(random bytes, near-valid text, structured JSON and YAML, corrupted Parquet):

* the only exception is the reader's own typed error (`InputFileError`,
  `AgreementError`), never a traceback from a library underneath;
* the work is bounded: each example within the deadline, and the Python
  memory it allocates stays far below what an expansion bomb would take;
* an output is written whole or not at all, whatever fails and wherever.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import envelope, reference_agreement, request_row
from matchgate.agreements.loader import parse_agreement
from matchgate.errors import AgreementError, InputFileError
from matchgate.files import write_atomically
from matchgate.intake.envelope import check_envelope, parse_envelope_bytes
from matchgate.intake.readers import REQUEST_COLUMNS, read_table_bytes

T = TypeVar("T")

FUZZ = settings(
    max_examples=120,
    deadline=timedelta(seconds=2),
    derandomize=True,  # the same examples on every run: CI never flakes on a new one
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: Far above what reading an input of a few kilobytes needs, far below any bomb.
MEMORY_LIMIT = 64 * 1024 * 1024


def bounded(call: Callable[[], T]) -> T | None:
    """Run ``call`` with its Python allocations measured; None when it raised a typed error."""
    tracemalloc.start()
    try:
        return call()
    except (InputFileError, AgreementError) as error:
        assert error.message  # a typed error always says what is wrong
        return None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < MEMORY_LIMIT, f"{peak:,} bytes allocated"


# --- the contract file readers ------------------------------------------------------------

CELLS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(['"', '""', ",", "\r\n", "\n", "\ufeff", "\x00", "\ud800", "=1+1", "  "]),
)


def csv_text() -> st.SearchStrategy[str]:
    """Near-valid CSV: contract columns and junk, ragged rows, quotes, line ends, BOMs."""
    names = st.lists(st.sampled_from([*REQUEST_COLUMNS, "", "extra", "tin", '"q"']), max_size=8)
    rows = st.lists(st.lists(CELLS, max_size=9), max_size=6)
    joiner = st.sampled_from([",", ";", '","'])
    end = st.sampled_from(["\n", "\r\n", "\r", ""])
    return st.builds(
        lambda header, body, sep, eol: eol.join(sep.join(r) for r in [header, *body]),
        names, rows, joiner, end,
    )  # fmt: skip


def encoded(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def read(name: str, data: bytes) -> pa.Table | None:
    return bounded(lambda: read_table_bytes(data, name=name, required_columns=()))


@FUZZ
@given(st.one_of(csv_text().map(encoded), st.binary(max_size=2048)))
def test_fuzz_csv_reader_only_raises_its_typed_error(data: bytes) -> None:
    table = read("batch.csv", data)
    if table is not None:
        assert all(t == pa.string() for t in table.schema.types)


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def jsonl_text() -> st.SearchStrategy[str]:
    line = st.one_of(
        st.dictionaries(st.sampled_from([*REQUEST_COLUMNS, "x", ""]), JSON_VALUES, max_size=6).map(
            json.dumps
        ),
        JSON_VALUES.map(json.dumps),
        st.text(max_size=30),
        st.just('{"a": 1, "a": 2}'),
        st.just('{"a": NaN}'),
        st.just('{"a": "\\ud800"}'),
    )
    return st.lists(line, max_size=6).map("\n".join)


@FUZZ
@given(st.one_of(jsonl_text().map(encoded), st.binary(max_size=2048)))
def test_fuzz_jsonl_reader_only_raises_its_typed_error(data: bytes) -> None:
    read("batch.jsonl", data)


def parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    rows = [request_row(request_id=f"REQ-{n}") for n in range(3)]
    pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), buffer)
    return buffer.getvalue()


VALID_PARQUET = parquet_bytes()


@st.composite
def corrupted_parquet(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID_PARQUET)
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.integers(0, len(data) - 1))
        data[where] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(data)))
    return bytes(data[: cut if draw(st.booleans()) else len(data)])


@FUZZ
@given(st.one_of(corrupted_parquet(), st.binary(max_size=512)))
def test_fuzz_parquet_reader_only_raises_its_typed_error(data: bytes) -> None:
    read("batch.parquet", data)


# --- the envelope -------------------------------------------------------------------------

ENVELOPE_KEYS = [*envelope(), "requesting_official", "x"]


@st.composite
def envelope_documents(draw: st.DrawFn) -> bytes:
    """A valid envelope with fields replaced by any JSON, or removed, or repeated."""
    document: dict[str, Any] = envelope()
    for key in draw(st.lists(st.sampled_from(ENVELOPE_KEYS), max_size=4)):
        if draw(st.booleans()):
            document[key] = draw(JSON_VALUES)
        else:
            document.pop(key, None)
    text = json.dumps(document)
    if draw(st.booleans()):
        text = text[:-1] + ', "certified": true}'
    return encoded(text)


@FUZZ
@given(st.one_of(envelope_documents(), jsonl_text().map(encoded), st.binary(max_size=1024)))
def test_fuzz_envelope_parser_and_check_only_raise_their_typed_error(data: bytes) -> None:
    document = bounded(lambda: parse_envelope_bytes(data, source="envelope.json"))
    if document is not None:
        check = check_envelope(document, reference_agreement())
        assert all(isinstance(problem, str) for problem in check.problems)


# --- the agreement loader -----------------------------------------------------------------

REFERENCE = reference_agreement().document()


@st.composite
def agreement_texts(draw: st.DrawFn) -> str:
    """The reference agreement with keys replaced by any YAML value, or junk YAML."""
    document = dict(REFERENCE)
    for key in draw(st.lists(st.sampled_from([*REFERENCE, "unknown"]), max_size=4)):
        document[key] = draw(JSON_VALUES)
    return yaml.safe_dump(document, allow_unicode=True)


YAML_JUNK = st.sampled_from(
    [
        "a: &a [1, 2]\nb: [*a, *a, *a]\n",
        "a: *undefined\n",
        "!!python/object/apply:os.system ['true']\n",
        "a: !!binary AAA=\n",
        "a: 1\na: 2\n",
        "? [1, 2]\n: x\n",
        "%YAML 9.9\n---\na: 1\n",
        "a: 'unclosed\n",
        "\t- tab\n",
    ]
)


@FUZZ
@given(st.one_of(agreement_texts(), YAML_JUNK, st.text(max_size=400)))
def test_fuzz_agreement_loader_only_raises_its_typed_error(text: str) -> None:
    bounded(lambda: parse_agreement(text, source="agreement.yaml"))


# --- outputs: whole or not at all ---------------------------------------------------------


class Stop(Exception):
    """The producer of an output failed."""


@FUZZ
@given(
    chunks=st.lists(st.binary(max_size=64), max_size=8),
    fail_at=st.one_of(st.none(), st.integers(0, 8)),
    existing=st.one_of(st.none(), st.binary(max_size=32)),
)
def test_fuzz_an_output_is_whole_or_absent(
    tmp_path: Path, chunks: list[bytes], fail_at: int | None, existing: bytes | None
) -> None:
    folder = tmp_path / f"case-{abs(hash((tuple(chunks), fail_at, existing)))}"
    folder.mkdir()
    target = folder / "response.csv"
    if existing is not None:
        target.write_bytes(existing)

    def produce() -> Iterator[bytes]:
        for index, chunk in enumerate(chunks):
            if index == fail_at:
                raise Stop
            yield chunk

    failed = fail_at is not None and fail_at < len(chunks)
    if failed:
        with pytest.raises(Stop):
            write_atomically(target, produce())
    else:
        write_atomically(target, produce())
    after = target.read_bytes() if target.exists() else None
    assert after == (existing if failed else b"".join(chunks))
    assert [p.name for p in folder.iterdir()] == (["response.csv"] if after is not None else [])
