"""Settings, validated once and passed in (never read at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from matchgate.pipeline import DEFAULT_CHUNK_ROWS
from matchgate.workspace import Workspace


class Settings(BaseSettings):
    """matchgate's settings; each can be set by a `MATCHGATE_*` variable."""

    model_config = SettingsConfigDict(env_prefix="MATCHGATE_", extra="ignore")

    home: Path = Field(
        default=Path("matchgate-workspace"),
        description="The workspace folder (MATCHGATE_HOME).",
    )

    database_url: str | None = Field(
        default=None,
        description="Workflow store URL (MATCHGATE_DATABASE_URL); default SQLite in the workspace.",
    )
    user: str | None = Field(
        default=None,
        description="The acting user when --as is not given (MATCHGATE_USER).",
    )
    engine_memory_limit: str | None = Field(
        default=None,
        description=(
            "DuckDB's memory limit for every engine operation, e.g. 4GB "
            "(MATCHGATE_ENGINE_MEMORY_LIMIT); default a quarter of the machine, 1-4 GB. "
            "Beyond it DuckDB spills to a folder in the workspace."
        ),
    )
    chunk_rows: int = Field(
        default=DEFAULT_CHUNK_ROWS,
        ge=1,
        description=(
            "Requests matched, decided and committed together (MATCHGATE_CHUNK_ROWS): "
            "bounds a batch's memory; a killed batch resumes after its last committed chunk."
        ),
    )

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.home)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
