"""Settings read once from `LEDGERLINK_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGERLINK_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path(".ledgerlink")
    # Unset: `ledgerlink serve` starts a private PostgreSQL in `data_dir`.
    database_url: str | None = None
    # Seeds an API key the server accepts (stored hashed).
    api_key: str | None = None
    # Base of every URL the API hands out; defaults to http://HOST:PORT.
    public_url: str | None = None
    # Fernet key for secrets at rest; generated into `data_dir` when unset.
    secret_key: str | None = None
    log_format: str = Field(default="console", pattern="^(console|json)$")
    log_level: str = "INFO"
    # Bodies larger than this are refused with 413 before they are read in full.
    max_body_bytes: int = 1_048_576
    # The in-process job worker of `ledgerlink serve`: how many jobs it runs at once (0: no worker).
    worker_concurrency: int = 4
    worker_heartbeat_seconds: float = 10.0
    # A worker silent this long is taken for dead; its jobs are retried by the maintenance task.
    worker_stalled_seconds: float = 30.0
    # When the maintenance task runs (cron; a sixth column is seconds): schedules, stalled and lost jobs.
    maintenance_cron: str = "* * * * *"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
