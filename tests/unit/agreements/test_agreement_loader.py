"""Agreement files: the built-in reference, the content hash, and errors that name the key."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from factories import agreement
from matchgate.agreements.loader import (
    AGREEMENT_MAX_BYTES,
    BUILTIN_IDS,
    DEFAULT_AGREEMENT_ID,
    builtin_agreement,
    load_agreement,
    resolve_agreement,
)
from matchgate.agreements.schema import Agreement, agreement_json_schema
from matchgate.errors import AgreementError, ErrorCategory


def reference_yaml() -> str:
    builtin = resources.files("matchgate.agreements").joinpath("builtin/reference-6103i2.yaml")
    return builtin.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "agreement.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reference_encodes_formats_section_4() -> None:
    ref = resolve_agreement(None)
    assert ref.id == "reference-6103i2"
    assert not ref.suspended
    assert ref.signatory_titles == ("Secretary", "Director", "Inspector General")
    assert ref.statutes == (
        "8 U.S.C. 1253(a)(1)",
        "8 U.S.C. 1306",
        "8 U.S.C. 1325(a)",
        "8 U.S.C. 1326",
        "18 U.S.C. 1546",
    )
    assert ref.tax_period_years_back == 6
    assert ref.required_fields == ("request_id", "case_number")
    assert (ref.accept_po_box, ref.accept_rural_route) == (False, False)
    assert ref.quota_per_batch is None
    assert (ref.boilerplate_reason_max_share, ref.boilerplate_reason_min_rows) == (0.05, 10)
    assert ref.match.min_match_probability == 0.999
    assert ref.match.runner_up_margin_weight == 6.0
    assert ref.match.require_address_on_file is True
    assert ref.disclose == ("lka_street", "lka_city", "lka_state", "lka_zip")
    assert (ref.review_required, ref.two_person_release) == (True, True)


def test_builtin_ids_match_the_shipped_files() -> None:
    shipped = resources.files("matchgate.agreements").joinpath("builtin").iterdir()
    stems = {Path(f.name).stem for f in shipped if f.name.endswith(".yaml")}
    assert stems == set(BUILTIN_IDS)
    assert DEFAULT_AGREEMENT_ID in BUILTIN_IDS


def test_builtin_agreement_unknown_id_is_none() -> None:
    assert builtin_agreement("no-such-agreement") is None


def test_resolve_by_builtin_id_and_by_path(tmp_path: Path) -> None:
    assert resolve_agreement("reference-6103i2") is builtin_agreement("reference-6103i2")
    from_file = resolve_agreement(write(tmp_path, reference_yaml()))
    assert from_file == resolve_agreement(None)
    assert from_file.content_hash == resolve_agreement(None).content_hash


def test_content_hash_is_sha256_hex_and_stable() -> None:
    ref = resolve_agreement(None)
    assert len(ref.content_hash) == 64
    assert int(ref.content_hash, 16) >= 0
    assert agreement().content_hash == ref.content_hash  # same document, same hash


def test_content_hash_ignores_comments_key_order_and_spelled_out_defaults(tmp_path: Path) -> None:
    data = yaml.safe_load(reference_yaml())
    del data["suspended"]  # the default is false
    reordered = dict(reversed(list(data.items())))
    path = write(tmp_path, yaml.safe_dump(reordered, sort_keys=False))
    assert load_agreement(path).content_hash == resolve_agreement(None).content_hash


@pytest.mark.parametrize(
    "change",
    [
        {"suspended": True},
        {"tax_period_years_back": 5},
        {"statutes": ["8 U.S.C. 1326"]},
        {"match": {"min_match_probability": 0.99}},
        {"disclose": []},
    ],
)
def test_content_hash_changes_with_any_rule(change: dict[str, object]) -> None:
    assert agreement(**change).content_hash != resolve_agreement(None).content_hash


def test_empty_disclose_list_is_allowed() -> None:
    assert agreement(disclose=[]).disclose == ()


def test_json_schema_forbids_unknown_keys() -> None:
    schema = agreement_json_schema()
    assert schema["additionalProperties"] is False
    assert "tax_period_years_back" in schema["required"]


@pytest.mark.parametrize(
    ("edit", "names"),
    [
        (lambda d: d.update(acept_po_box=False), "unknown key 'acept_po_box'"),
        (lambda d: d.pop("accept_po_box"), "missing key 'accept_po_box'"),
        (lambda d: d["match"].update(min_match_probability=1.5), "match.min_match_probability"),
        (lambda d: d["match"].update(margin=3), "unknown key 'match.margin'"),
        (lambda d: d.update(tax_period_years_back="six"), "tax_period_years_back"),
        (lambda d: d.update(quota_per_batch=0), "quota_per_batch"),
        (lambda d: d.update(accept_po_box="no"), "accept_po_box"),
        (lambda d: d.update(disclose=["lka_street", "tin"]), "disclose[1]"),
        (lambda d: d.update(required_fields=["request_id", "ssn"]), "required_fields[1]"),
        (lambda d: d.update(signatory_titles=[]), "signatory_titles"),
        (lambda d: d["statutes"].append("INA 243"), "statutes[5]"),
        (lambda d: d["statutes"].append("26 U.S.C. 7201"), "Title 26"),
        (lambda d: d.update(version=0), "version"),
        (lambda d: d.update(id="has spaces"), "'id'"),
    ],
)
def test_bad_agreement_error_names_file_and_key(
    tmp_path: Path, edit: Callable[[dict[str, Any]], object], names: str
) -> None:
    data = yaml.safe_load(reference_yaml())
    edit(data)
    path = write(tmp_path, yaml.safe_dump(data))
    with pytest.raises(AgreementError) as caught:
        load_agreement(path)
    assert str(path) in caught.value.message
    assert names in caught.value.message
    assert caught.value.category is ErrorCategory.BAD_INPUT


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("id: a\nid: b\n", "key 'id' appears twice"),
        ("statutes: [\n", "not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
    ],
)
def test_malformed_yaml_is_an_agreement_error(tmp_path: Path, text: str, names: str) -> None:
    with pytest.raises(AgreementError, match=names):
        load_agreement(write(tmp_path, text))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="file not found"):
        load_agreement(tmp_path / "absent.yaml")
    with pytest.raises(AgreementError, match="is a directory"):
        load_agreement(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, reference_yaml())
    path.chmod(0)
    try:
        with pytest.raises(AgreementError, match="cannot be read"):
            load_agreement(path)
    finally:
        path.chmod(0o600)


def test_agreement_is_frozen() -> None:
    ref = resolve_agreement(None)
    with pytest.raises(ValueError, match="frozen"):
        ref.suspended = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("title", "allowed"),
    [
        ("Director", True),
        ("director", True),
        ("  Inspector   General ", True),
        ("SECRETARY", True),
        ("Deputy Director", False),
        ("Field Office Director", False),
        ("", False),
        (None, False),
    ],
)
def test_signatory_titles_ignore_case_and_spacing(title: str | None, allowed: bool) -> None:
    assert resolve_agreement(None).signatory_allowed(title) is allowed


def test_agreement_model_round_trips_through_its_document() -> None:
    ref = resolve_agreement(None)
    assert Agreement.model_validate(ref.document()) == ref


# --- issue row 7: documents built to be expensive are refused before anything is built


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """A billion-laughs document: each level lists the previous one ``width`` times."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    lines.append(f"statutes: *l{levels - 1}")
    return "\n".join(lines) + "\n"


def test_row07_an_alias_bomb_is_refused_before_it_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = alias_bomb()
    assert len(text.encode()) < 1500  # about 1.3 KB that would expand to 10^9 values
    built: list[object] = []
    monkeypatch.setattr(
        yaml.constructor.BaseConstructor, "construct_document", lambda *args: built.append(args)
    )
    with pytest.raises(AgreementError) as caught:
        load_agreement(write(tmp_path, text, "bomb.yaml"))
    assert caught.value.category is ErrorCategory.BAD_INPUT
    assert str(tmp_path / "bomb.yaml") in caught.value.message
    assert "aliases expand to more than" in caught.value.message
    assert built == []  # refused from the node graph: no object was built


def test_row07_too_many_aliases_are_refused(tmp_path: Path) -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(AgreementError, match="more than 100 aliases"):
        load_agreement(write(tmp_path, text, "aliases.yaml"))


def test_row07_an_alias_to_its_own_ancestor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="aliases expand"):
        load_agreement(write(tmp_path, "statutes: &s [*s]\n", "loop.yaml"))


def test_row07_a_few_aliases_are_fine(tmp_path: Path) -> None:
    text = reference_yaml()
    text = text.replace("accept_po_box: false", "accept_po_box: &no false")
    text = text.replace("accept_rural_route: false", "accept_rural_route: *no")
    assert "*no" in text
    loaded = load_agreement(write(tmp_path, text))
    assert (loaded.accept_po_box, loaded.accept_rural_route) == (False, False)
    assert loaded.content_hash == resolve_agreement(None).content_hash


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_row07_nesting_too_deep_is_refused_not_a_crash(tmp_path: Path, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    text = opening * 3_000 + "x" + closing * 3_000
    with pytest.raises(AgreementError, match=r"deep\.yaml: not an agreement: nested too deeply"):
        load_agreement(write(tmp_path, text, "deep.yaml"))


def test_row07_an_agreement_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, reference_yaml() + "#" * AGREEMENT_MAX_BYTES + "\n", "big.yaml")
    with pytest.raises(AgreementError, match=r"big\.yaml: larger than the limit"):
        load_agreement(path)


@pytest.mark.parametrize("text", ["? [1, 2]\n: x\n", "? {a: 1}\n: x\n"])
def test_a_key_that_is_a_list_or_mapping_is_an_agreement_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(AgreementError, match="a key is a list or a mapping"):
        load_agreement(write(tmp_path, text, "keys.yaml"))


def test_unprintable_characters_are_an_agreement_error(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="not valid YAML"):
        load_agreement(write(tmp_path, "id: x\x07\n", "bell.yaml"))
