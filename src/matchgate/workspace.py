"""The workspace: one folder holding everything matchgate keeps.

`MATCHGATE_HOME` (default `./matchgate-workspace`) holds the standardised
master file (`master.duckdb`) and the trained models (`models/`). Nothing is
written elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matchgate.errors import WorkspaceError


@dataclass(frozen=True)
class Workspace:
    home: Path

    @property
    def master_db(self) -> Path:
        return self.home / "master.duckdb"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def current_model_pointer(self) -> Path:
        return self.models_dir / "CURRENT"

    def ensure(self) -> Workspace:
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot create workspace {self.home}: {exc.strerror}") from exc
        return self

    def require_master(self) -> Path:
        if not self.master_db.is_file():
            raise WorkspaceError(
                f"no master file in workspace {self.home}: run `matchgate master load` first"
            )
        return self.master_db
