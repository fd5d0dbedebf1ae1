"""The scripts under bench/ still import against the package they measure.

They run outside the test suite (minutes to hours), so an API they use can
change under them unnoticed; importing each one here catches that early.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py")))
def test_every_bench_script_imports(name: str) -> None:
    assert _load(name).__doc__


def test_the_scale_generator_has_names_for_every_group() -> None:
    scale_data = _load("scale_data")
    assert set(scale_data.GIVEN_POOLS) == set(scale_data.SURNAME_POOLS)
    for male, female in scale_data.GIVEN_POOLS.values():
        assert male and female
    assert all(scale_data.SURNAME_POOLS.values())


def test_the_speed_bench_reads_verifys_time_per_stage_as_piped_and_as_drawn() -> None:
    speed = _load("speed")
    piped = "# Time per stage\nstage\tseconds\nload\t53.90\nverify\t188.60\n"
    assert speed.stage_seconds(piped) == {"load": 53.9, "verify": 188.6}
    assert speed.stage_seconds("│ train │ 56.5 │\n") == {"train": 56.5}


def test_the_speed_bench_finds_what_a_baseline_lacks(tmp_path: Path) -> None:
    speed = _load("speed")
    lock = tmp_path / "requirements.lock"
    lock.write_text("pytest==0.0.1\nno-such-package-here==1.0\n# a comment\n")
    unmet = speed.unmet_pins(lock)
    assert any(u.startswith("pytest==0.0.1 (installed ") for u in unmet)
    assert "no-such-package-here==1.0 (not installed)" in unmet


def test_the_scale_bench_says_where_verifys_time_went() -> None:
    scale = _load("scale")
    seconds = {"verify": 100.0, "store": 10.0, "match": 50.0, "commit": 25.0, "release": 5.0}
    result = {"stages": {"verify": {"stage_seconds": seconds}}}
    assert scale._verify_parts(result) == (
        "store 10.0, match 50.0, commit 25.0, release 5.0, other 10.0 of verify 100.0"
    )
    assert scale._verify_parts({"stages": {}}) == ""


def test_the_scale_bench_keeps_each_engines_results_apart() -> None:
    scale = _load("scale")
    results = {"XL": {}, "M spark": {}, "M": {}, "L": {}}
    assert scale.result_key("M", "duckdb") == "M"
    assert scale._keys(results) == ["M", "L", "XL", "M spark"]
