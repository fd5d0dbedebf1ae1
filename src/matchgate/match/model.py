"""A trained match model as a versioned, content-hashed JSON document.

In: Splink's settings dictionary after training. Out: `models/<version>.json`
in the workspace, where the version is derived from the content, so the same
training on the same master file gives the same version, and a decision that
records a model version names exactly the parameters it used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matchgate.errors import ModelError
from matchgate.files import write_atomically
from matchgate.workspace import Workspace

#: Parameters are rounded so that floating-point noise between runs (thread
#: scheduling changes the order of sums) does not change the model version.
_SIGNIFICANT_DIGITS = 6


@dataclass(frozen=True)
class MatchModel:
    version: str
    settings: dict[str, Any]
    metadata: dict[str, Any]

    @property
    def vintage_id(self) -> str:
        return str(self.metadata.get("vintage_id", ""))


def _round_floats(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.{_SIGNIFICANT_DIGITS}g}")
    if isinstance(value, dict):
        return {k: _round_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_floats(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def make_model(settings: dict[str, Any], metadata: dict[str, Any]) -> MatchModel:
    """Version a trained model by the hash of its parameters and provenance."""
    settings = _round_floats(settings)
    settings.pop("linker_uid", None)  # random per linker; not part of the model
    body = {"settings": settings, "metadata": metadata}
    version = "M-" + hashlib.sha256(canonical_json(body)).hexdigest()[:16]
    return MatchModel(version=version, settings=settings, metadata=metadata)


def save_model(model: MatchModel, workspace: Workspace) -> Path:
    workspace.ensure()
    path = workspace.models_dir / f"{model.version}.json"
    document = {"version": model.version, "metadata": model.metadata, "settings": model.settings}
    text = json.dumps(document, indent=2, sort_keys=True)
    write_atomically(path, text.encode("utf-8"), what="model file")
    write_atomically(
        workspace.current_model_pointer, f"{model.version}\n".encode(), what="model pointer"
    )
    return path


def load_model(path: Path) -> MatchModel:
    """Read a model file and check that its content still matches its version."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        settings, metadata, version = (
            document["settings"],
            document["metadata"],
            document["version"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a matchgate model file ({type(exc).__name__})") from exc
    model = make_model(settings, metadata)
    if model.version != version:
        raise ModelError(f"{path}: content does not match its version {version}")
    return model


def current_model(workspace: Workspace) -> MatchModel | None:
    """The model most recently trained in the workspace, if any."""
    pointer = workspace.current_model_pointer
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    return load_model(workspace.models_dir / f"{version}.json")


def master_trained_base(model: MatchModel, workspace: Workspace) -> MatchModel:
    """The model trained on the master file that `model` is, or came from: m-probabilities
    learnt from requests always start from it, so training again on more batches pools
    them rather than compounding one estimate on another."""
    trained_on = model.metadata.get("m_trained_on") or {}
    base = trained_on.get("base_model") if isinstance(trained_on, dict) else None
    if not base:
        return model
    return load_model(workspace.models_dir / f"{base}.json")
