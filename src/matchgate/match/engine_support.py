"""Stage 3 (match): what both engines' implementations of the port share.

In: a workspace and the rows an engine reads. Out: the workspace's current
model (or a not-ready error), the port's summary of a model, and a taxpayer's
record as filed. Engine-free: the DuckDB and Spark engines both call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matchgate.domain.taxpayers import FiledAddress, TaxpayerRecord
from matchgate.errors import WorkspaceError
from matchgate.match.model import MatchModel, current_model
from matchgate.match.port import ModelSummary
from matchgate.workspace import Workspace


def require_model(workspace: Workspace) -> MatchModel:
    """The workspace's current model; WorkspaceError (not ready) when none is trained."""
    model = current_model(workspace)
    if model is None:
        raise WorkspaceError(
            f"no trained model in workspace {workspace.home}: run `matchgate model train` first"
        )
    return model


def model_summary(model: MatchModel, workspace: Workspace) -> ModelSummary:
    """What the port tells of a model: its version, vintage and file."""
    location = workspace.models_dir / f"{model.version}.json"
    return ModelSummary(model.version, model.vintage_id, str(location))


def taxpayer_record_from_row(row: Mapping[str, Any]) -> TaxpayerRecord:
    """A taxpayer's record as filed, from the row either engine reads it into.

    Both engines name the row's fields and its addresses' fields as the
    records do, so a field added on one side and not the other fails here.
    """
    addresses = tuple(FiledAddress(**address) for address in row["addresses"])
    return TaxpayerRecord(**{**row, "addresses": addresses})
