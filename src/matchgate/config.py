"""Settings, validated once and passed in (never read at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    anchor_key: Path | None = Field(
        default=None,
        description=(
            "The Ed25519 key that signs or checks audit anchors (MATCHGATE_ANCHOR_KEY); "
            "kept outside the workspace."
        ),
    )

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.home)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
