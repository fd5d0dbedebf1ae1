"""Load agreement documents from YAML files or from the built-in set.

In: a path to an agreement YAML file, a built-in agreement id, or nothing
(the default, ``reference-6103i2``). Out: a validated, frozen
:class:`~matchgate.agreements.schema.Agreement`.

Errors are :class:`~matchgate.errors.AgreementError` (exit code 2) whose
message names the file and the offending key (``match.min_match_probability``,
``statutes[2]``), so whoever edits the YAML can fix it without reading code.
Unknown keys and repeated keys are errors: in a legal document a typo must
never fall back to a default silently.

A YAML document can be built to be expensive: a kilobyte of anchors and
aliases that expands to a billion values, or lists nested thousands deep.
An agreement is a page of rules, so it has limits, checked before anything
is built from it: its size (``AGREEMENT_MAX_BYTES``), how many aliases it
uses (``AGREEMENT_MAX_ALIASES``) and how many values it holds once every
alias is expanded (``AGREEMENT_MAX_VALUES``); a document past one of them,
or nested deeper than the parser follows, is an AgreementError.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import ValidationError

from matchgate.agreements.schema import Agreement, agreement_json_schema
from matchgate.errors import AgreementError

__all__ = [
    "BUILTIN_IDS",
    "DEFAULT_AGREEMENT_ID",
    "builtin_agreement",
    "load_agreement",
    "parse_agreement",
    "parse_agreement_bytes",
    "resolve_agreement",
]

DEFAULT_AGREEMENT_ID = "reference-6103i2"
#: Limits far above any real agreement (the reference is 3 KB, about 60 values).
AGREEMENT_MAX_BYTES = 256 * 1024
AGREEMENT_MAX_ALIASES = 100
AGREEMENT_MAX_VALUES = 100_000
# Kept in step with the files in builtin/ (a unit test checks it).
BUILTIN_IDS: tuple[str, ...] = (DEFAULT_AGREEMENT_ID,)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a mapping which repeats a key, and too many aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > AGREEMENT_MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"more than {AGREEMENT_MAX_ALIASES} aliases", mark
                )
        node: yaml.Node | None = super().compose_node(parent, index)
        return node


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, "a key is a list or a mapping, not a name", mark
            )
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice", mark)
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def load_agreement(path: Path) -> Agreement:
    """Read and validate an agreement YAML file; AgreementError names the file and key."""
    if path.is_dir():
        raise AgreementError(f"agreement file {path}: is a directory, not a file")
    try:
        with path.open("rb") as handle:
            data = handle.read(AGREEMENT_MAX_BYTES + 1)
    except FileNotFoundError:
        raise AgreementError(f"agreement file {path}: file not found") from None
    except OSError as exc:
        raise AgreementError(f"agreement file {path}: cannot be read ({exc.strerror})") from None
    _check_size(len(data), f"agreement file {path}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AgreementError(
            f"agreement file {path}: not UTF-8 (byte offset {exc.start})"
        ) from None
    return parse_agreement(text, source=str(path))


def parse_agreement_bytes(data: bytes, *, source: str) -> Agreement:
    """Validate an agreement that arrived as bytes (an upload); errors name ``source``."""
    _check_size(len(data), f"agreement file {source}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AgreementError(
            f"agreement file {source}: not UTF-8 (byte offset {exc.start})"
        ) from None
    return parse_agreement(text, source=source)


def _check_size(size: int, where: str) -> None:
    if size > AGREEMENT_MAX_BYTES:
        raise AgreementError(f"{where}: larger than the limit of {AGREEMENT_MAX_BYTES:,} bytes")


def parse_agreement(text: str, *, source: str) -> Agreement:
    """Validate agreement YAML text; ``source`` names it in error messages."""
    where = f"agreement file {source}"
    _check_size(len(text), where)  # characters: never more than its UTF-8 bytes
    try:
        # A SafeLoader subclass: no object tags. Its reader refuses unprintable text.
        loader = _UniqueKeyLoader(text)
    except yaml.YAMLError as exc:
        raise AgreementError(f"{where}: not valid YAML: {_yaml_problem(exc)}") from None
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_values(node) > AGREEMENT_MAX_VALUES:
            raise AgreementError(
                f"{where}: its aliases expand to more than {AGREEMENT_MAX_VALUES:,} values"
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise AgreementError(f"{where}: not valid YAML: {_yaml_problem(exc)}") from None
    except RecursionError:
        raise AgreementError(f"{where}: not an agreement: nested too deeply") from None
    finally:
        loader.dispose()
    if data is None:
        raise AgreementError(f"{where}: the document is empty")
    if not isinstance(data, dict):
        raise AgreementError(f"{where}: the document must be a mapping of keys to values")
    schema_problems = _schema_problems(data)
    if schema_problems:
        raise AgreementError(f"{where}: " + "; ".join(schema_problems))
    try:
        return Agreement.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"key {_key_path(err['loc'])!r}: {err['msg']}" for err in exc.errors(include_url=False)
        ]
        raise AgreementError(f"{where}: " + "; ".join(problems)) from None


@cache
def builtin_agreement(agreement_id: str) -> Agreement | None:
    """The built-in agreement with this id, or None when there is none."""
    if agreement_id not in BUILTIN_IDS:
        return None
    resource = resources.files("matchgate.agreements").joinpath(f"builtin/{agreement_id}.yaml")
    agreement = parse_agreement(
        resource.read_text(encoding="utf-8"), source=f"builtin:{agreement_id}"
    )
    if agreement.id != agreement_id:  # a packaging mistake, not a user error
        raise AgreementError(f"built-in agreement {agreement_id!r} declares id {agreement.id!r}")
    return agreement


def resolve_agreement(path_or_id: Path | str | None) -> Agreement:
    """The agreement a command should use.

    ``None`` -> the built-in default (``reference-6103i2``); a string that is
    a built-in id -> that built-in agreement; anything else is a path to a
    YAML file.
    """
    if path_or_id is None:
        path_or_id = DEFAULT_AGREEMENT_ID
    if isinstance(path_or_id, str) and path_or_id in BUILTIN_IDS:
        builtin = builtin_agreement(path_or_id)
        if builtin is not None:
            return builtin
    return load_agreement(Path(path_or_id))


def _schema_problems(data: dict[str, Any]) -> list[str]:
    """Every JSON Schema violation in ``data``, each naming its key; sorted, de-duplicated."""
    schema = agreement_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[str] = []
    for error in validator.iter_errors(data):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in known:
                    problems.append(f"unknown key {_key_path([*path, key])!r}")
        elif error.validator == "required" and isinstance(error.instance, dict):
            for key in error.validator_value:
                if key not in error.instance:
                    problems.append(f"missing key {_key_path([*path, key])!r}")
        else:
            problems.append(f"key {_key_path(path)!r}: {error.message}")
    return sorted(set(problems))


def _expanded_values(root: yaml.Node) -> int:
    """How many values the document holds with every alias expanded (capped past the limit).

    An alias is the same node object reached twice, so each node's expanded
    size is computed once, children first, without recursion. A node that
    contains itself (an alias to its own ancestor) expands without end.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if children_done:
            total = 1 + sum(sizes[id(child)] for child in children)
            sizes[key] = min(total, AGREEMENT_MAX_VALUES + 1)
            open_nodes.discard(key)
            continue
        if key in open_nodes:
            return AGREEMENT_MAX_VALUES + 1
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                return AGREEMENT_MAX_VALUES + 1  # a node that contains itself
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _key_path(parts: Any) -> str:
    """``["match", "x"]`` -> ``match.x``; ``["statutes", 2]`` -> ``statutes[2]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(problem)
