"""Settings, validated once and passed in (never read at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from matchgate.errors import InvalidArgument
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
    key_file: Path | None = Field(
        default=None,
        description=(
            "The key file that encrypts the workspace's stores at rest (MATCHGATE_KEY_FILE); "
            "kept outside the workspace, 0600."
        ),
    )

    login_max_failures: int = Field(
        default=3,
        ge=1,
        description="Failed web logins in a row before the account is locked "
        "(MATCHGATE_LOGIN_MAX_FAILURES).",
    )
    login_lockout_minutes: int = Field(
        default=15,
        ge=1,
        description="How long a locked account stays locked (MATCHGATE_LOGIN_LOCKOUT_MINUTES).",
    )
    session_idle_minutes: int = Field(
        default=15,
        ge=1,
        description="A web session idle this long is ended (MATCHGATE_SESSION_IDLE_MINUTES).",
    )

    anchor_key: Path | None = Field(
        default=None,
        description=(
            "The Ed25519 key that signs or checks audit anchors (MATCHGATE_ANCHOR_KEY); "
            "kept outside the workspace."
        ),
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

    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description=(
            "The match engine for master load, training and scoring (MATCHGATE_ENGINE, "
            "or `matchgate --engine`): duckdb in-process, or spark (the [spark] extra)."
        ),
    )
    spark_master: str = Field(
        default="local[2]",
        description=(
            "The Spark master URL the spark engine connects to (MATCHGATE_SPARK_MASTER), "
            "e.g. spark://host:7077 or yarn."
        ),
    )
    spark_shuffle_partitions: int = Field(
        default=4,
        ge=1,
        description=(
            "spark.sql.shuffle.partitions for the spark engine "
            "(MATCHGATE_SPARK_SHUFFLE_PARTITIONS): small on one machine, about 2-3 per "
            "executor core on a cluster."
        ),
    )
    spark_driver_memory: str | None = Field(
        default=None,
        description=(
            "spark.driver.memory for the spark engine, e.g. 4g (MATCHGATE_SPARK_DRIVER_MEMORY); "
            "default Spark's own."
        ),
    )

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.home)


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment (and `overrides`); InvalidArgument naming each
    variable that is wrong and why, so every adapter reports it as the caller's mistake."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = [
            f"MATCHGATE_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        ]
        raise InvalidArgument("invalid setting(s): " + "; ".join(problems)) from None
