"""The workspace: one folder holding everything matchgate keeps.

`MATCHGATE_HOME` (default `./matchgate-workspace`) holds the standardised
master file (`master.duckdb`), the trained models (`models/`), the SQLite
workflow store (`workflow.sqlite`) and the application log. Nothing is
written elsewhere. The workspace and every folder in it are 0700 and every
file 0600 (`files.py`): it holds taxpayer data (REQ-37).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matchgate.errors import WorkspaceError
from matchgate.files import create_private_file, private_folder


@dataclass(frozen=True)
class Workspace:
    home: Path

    @property
    def master_db(self) -> Path:
        return self.home / "master.duckdb"

    @property
    def workflow_db(self) -> Path:
        return self.home / "workflow.sqlite"

    @property
    def log_file(self) -> Path:
        return self.home / "matchgate.log"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def current_model_pointer(self) -> Path:
        return self.models_dir / "CURRENT"

    def ensure(self) -> Workspace:
        """The workspace and its models folder, created (or tightened to) 0700."""
        try:
            private_folder(self.home)
            private_folder(self.models_dir)
        except OSError as exc:
            raise WorkspaceError(f"cannot create workspace {self.home}: {exc.strerror}") from exc
        return self

    def private_file(self, path: Path) -> Path:
        """``path`` in the workspace created empty and 0600 if absent, for an engine to fill."""
        self.ensure()
        try:
            return create_private_file(path)
        except OSError as exc:
            raise WorkspaceError(f"cannot create {path}: {exc.strerror}") from exc

    def require_master(self) -> Path:
        if not self.master_db.is_file():
            raise WorkspaceError(
                f"no master file in workspace {self.home}: run `matchgate master load` first"
            )
        return self.master_db
