"""Settings read once from `LEDGERLINK_*` environment variables."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
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
    # Requests a client may make a minute to each API process (0: no limit); above it, 429 with Retry-After.
    rate_limit_per_minute: int = Field(default=60_000, ge=0)
    # Seconds a client has to send a request's body; a slower one gets 408 and its connection back.
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    # Requests an address may make a minute to each API process without a key this process has seen
    # authenticate: Link (and its OAuth callback), Portal, Sync Flow, /metrics, and API calls with no key or
    # a bad one (0: no limit). The address is the peer's, or X-Forwarded-For from a proxy in
    # FORWARDED_ALLOW_IPS.
    public_rate_limit_per_minute: int = Field(default=600, ge=0)
    # When set, /metrics answers only `Authorization: Bearer <token>`.
    metrics_token: str | None = None
    # FastAPI's own OpenTelemetry (traces, metrics, logs to the process's configured providers). Off unless
    # asked for: its check for a provider runs on every request, ~6 µs of a list page's ~70 µs of Python.
    opentelemetry: bool = False
    # Seconds a connection has to send a request's headers (from its opening, or from a kept-alive
    # request's first byte); a slower one is answered 408 and closed.
    header_timeout_seconds: float = Field(default=15.0, gt=0)
    # PostgreSQL's statement_timeout for the API's reads (GET requests' sessions and the read pool); a read
    # that takes longer is answered 503. Writes, pulls and migrations are not bounded by it.
    read_statement_timeout_seconds: float = Field(default=30.0, gt=0)
    # The job worker (`ledgerlink worker`, and `ledgerlink serve`'s worker process): how many jobs it runs at
    # once (0: `ledgerlink serve` starts no worker process).
    worker_concurrency: int = 4
    # Added to the niceness of `ledgerlink serve`'s worker process, so that the operating system gives the API
    # the CPU first. Its pulls then also wait for any other work on the machine at a higher priority; 0 runs
    # it at the API's.
    worker_niceness: int = Field(default=10, ge=0, le=19)
    worker_heartbeat_seconds: float = 10.0
    # A worker silent this long is taken for dead; its jobs are retried by the maintenance task.
    worker_stalled_seconds: float = 30.0
    # When the maintenance task runs (cron; a sixth column is seconds): schedules, stalled and lost jobs.
    maintenance_cron: str = "* * * * *"
    # The largest `scale` a client may give a Sandbox (`PUT .../authorization` asking for more is a 400). A
    # Sandbox computes a simulated day at a time on its worker's event loop, and a day's work grows with
    # scale (at 100, about 10 ms for the busiest Sandbox); the connectors themselves accept up to 100,000.
    sandbox_max_scale: int = Field(default=100, ge=1, le=100_000)
    # Seconds a worker told to stop (SIGTERM, SIGINT) lets running jobs finish before interrupting them; an
    # interrupted pull is queued again for the next worker. A second signal interrupts them at once.
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)
    # Days a finished pull operation stays in the history (0: for ever). A type's last successful pull is
    # kept whatever its age: the next pull of the type starts from it.
    pull_history_days: int = Field(default=365, ge=0)
    # Webhook deliveries run on their own worker (queue "webhooks"): how many consumers it serves at once,
    # and how many requests it has in flight to any one consumer.
    webhook_concurrency: int = Field(default=10, ge=1)
    webhook_consumer_parallelism: int = Field(default=4, ge=1, le=64)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    # Seconds before each attempt, comma-separated: the first is the first attempt's (Codat: immediately,
    # 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); a delivery is given up after the last one fails.
    webhook_retry_schedule: str = "0,5,300,1800,7200,18000,36000,36000"
    # A consumer whose attempts have failed without a success for this long is disabled (Codat: 5 days).
    webhook_disable_after_seconds: float = Field(default=432_000.0, gt=0)
    # What requests the server makes on a client's say-so (webhook deliveries, declared connectors) may
    # reach besides public addresses: comma-separated networks and host names (`10.2.0.0/16, ::1,
    # partner.internal, *.corp.example`). Empty: public addresses only (kit/outbound.py).
    outbound_allow: str = ""
    # Python modules with connectors of the operator's own, comma-separated: each has a `connectors()`
    # function returning Connector instances, which join the built-in ones under their platform keys.
    connector_modules: str = ""
    # YAML files declaring connectors to REST APIs (connectors/declared/spec.py), comma-separated.
    declared_connectors: str = ""
    # Xero's endpoints (tests point them at a local fake): consent page, token endpoint, the identity API
    # (`/connections`: the organisations a grant covers) and the Accounting API.
    xero_authorize_url: str = "https://login.xero.com/identity/connect/authorize"
    xero_token_url: str = "https://identity.xero.com/connect/token"
    xero_identity_url: str = "https://api.xero.com"
    xero_api_url: str = "https://api.xero.com/api.xro/2.0"
    # QuickBooks Online's endpoints (Intuit's; tests point them at a local fake): consent page, token
    # endpoint, and the Accounting API for production companies and for Intuit's sandbox companies.
    quickbooks_authorize_url: str = "https://appcenter.intuit.com/connect/oauth2"
    quickbooks_token_url: str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    quickbooks_api_url: str = "https://quickbooks.api.intuit.com/v3"
    quickbooks_sandbox_api_url: str = "https://sandbox-quickbooks.api.intuit.com/v3"
    # Plaid (banking): the installation's API keys from Plaid's dashboard, every client's unless it saved its
    # own in the Portal (neither: Plaid is not enabled, and Link does not list it), which environment they
    # belong to (`sandbox` or `production`), or a base URL for every environment (tests point it at a local
    # fake), the Plaid Link script the business's browser runs, and the countries whose banks Link offers
    # (comma-separated ISO codes).
    plaid_client_id: str | None = None
    plaid_secret: str | None = None
    plaid_environment: str = Field(default="production", pattern="^(sandbox|production)$")
    plaid_base_url: str | None = None
    plaid_link_script_url: str = "https://cdn.plaid.com/link/v2/stable/link-initialize.js"
    plaid_country_codes: str = "US"
    # Uploaded files (files/, docs/deployment.md): the largest file accepted (Codat: 10 MB), and where the
    # bytes are kept: `postgres` (large objects in the database) or `s3` (an S3-compatible object store).
    files_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    files_store: str = Field(default="postgres", pattern="^(postgres|s3)$")
    files_s3_bucket: str | None = Field(default=None, validate_default=True)
    # The store's address (MinIO, Ceph, R2, a test's moto...); unset: AWS's for the region.
    files_s3_endpoint: str | None = None
    files_s3_region: str = "us-east-1"
    files_s3_access_key_id: str | None = None
    files_s3_secret_access_key: SecretStr | None = None
    # Keys are `<prefix><companyId>/<fileId>`.
    files_s3_prefix: str = "ledgerlink/files/"
    # `package.module:name` of a virus scanner (files/scanning.py's `VirusScanner`: a class made with no
    # arguments, or an instance) every upload is given before it is stored; unset: none.
    files_scanner: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _retry_schedule(cls, value: str) -> str:
        parse_retry_schedule(value)
        return value

    @field_validator("outbound_allow")
    @classmethod
    def _outbound_allow(cls, value: str) -> str:
        from ledgerlink.kit.outbound import OutboundPolicy

        OutboundPolicy.parse(value)
        return value

    @field_validator("files_s3_bucket")
    @classmethod
    def _files_bucket(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("files_store") == "s3" and not value:
            raise ValueError("required when LEDGERLINK_FILES_STORE is s3")
        return value

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        return parse_retry_schedule(self.webhook_retry_schedule)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def parse_retry_schedule(value: str) -> tuple[float, ...]:
    """`"0,5,300"` → (0.0, 5.0, 300.0): at least one delay, none negative."""
    try:
        delays = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise ValueError("must be comma-separated seconds, such as 0,5,300") from None
    if not delays or any(not math.isfinite(delay) or delay < 0 for delay in delays):
        raise ValueError("must list at least one finite delay, none negative")
    return delays


@lru_cache
def get_settings() -> Settings:
    return Settings()
