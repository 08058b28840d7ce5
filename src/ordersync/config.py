"""LedgerSettings: how an ordersync process is configured (``ORDERSYNC_*`` variables, .env file)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    data_dir = Path(platformdirs.user_data_dir("ordersync", appauthor=False))
    return f"sqlite:///{data_dir / 'ledger.db'}"


class LedgerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERSYNC_", env_file=".env", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    """SQLAlchemy URL: ``sqlite:///path/ledger.db`` (default, under the platform data directory)
    or ``postgresql+psycopg://user@host:5432/db``."""

    reservation_ttl_seconds: int = Field(default=900, ge=1)
    """How long a reservation holds its units when the caller names no time limit."""

    idempotency_retention_days: int = Field(default=35, ge=30)
    """Operation ids are kept at least this long; a replay within it gets the first result."""

    expiry_sweep_seconds: float = Field(default=5.0, gt=0)
    """How often each server process releases reservations whose time is up."""

    token_cache_seconds: float = Field(default=2.0, ge=0)
    """How long a server process trusts a token lookup; a revoked token stops working after this."""

    writer_max_batch: int = Field(default=256, ge=1, le=10_000)
    """How many queued operations one group commit may hold."""

    feed_page_limit: int = Field(default=5_000, ge=1, le=100_000)
    """The largest page of the change feed a caller may ask for."""

    routing_policy: Path | None = None
    """A routing policy TOML file (default: the packaged ``routing.toml``); re-read on change."""

    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    """How long a SQLite writer waits for another process's transaction before giving up."""

    staff_max_attempts: int = Field(default=5, ge=1, le=100)
    """Wrong PINs in a row after which a person is locked out on the device that saw them."""

    staff_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """How long such a lockout lasts; the right PIN is refused until it ends."""

    hq_secret: SecretStr | None = None
    """The key that signs head-office (``/hq``) session cookies; every process serving the same
    ledger must share it. Left out, one is generated on first use and kept in ``hq-secret``
    beside the SQLite ledger file, or in the platform data directory for PostgreSQL."""

    hq_session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    """How long a head-office sign-in lasts before the browser must sign in again."""
