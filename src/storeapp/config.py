"""StoreSettings: how a store terminal is configured (``STOREAPP_*`` variables or a TOML file)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

APP_NAME = "storeapp"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file_path() -> Path:
    """The settings file: ``STOREAPP_CONFIG`` if set, else ``config.toml`` in the config dir."""
    override = os.environ.get("STOREAPP_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


class _TomlFileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = config_file_path()
        if not path.is_file():
            return {}
        with path.open("rb") as handle:
            return dict(tomllib.load(handle))


class StoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STOREAPP_", extra="ignore")

    ledger_url: str = "http://127.0.0.1:8700"
    """Base URL of the ordersync ledger."""

    token: str = ""
    """This device's bearer token (from ``ordersync token create``)."""

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the local cache lives (``cache.db``) and its sync lock."""

    locale: str = "fr_FR"
    """Language and formats of the screens: ``fr_FR`` or ``en_GB``/``en_US``."""

    timezone: str = "Europe/Paris"
    """The store's time zone, for the times shown to staff."""

    request_timeout_seconds: float = Field(default=5.0, gt=0)
    """How long one call to the ledger may take before the app treats it as offline."""

    lookup_timeout_seconds: float = Field(default=1.5, gt=0)
    """How long a live availability lookup may take before the cache answers instead."""

    sync_interval_seconds: float = Field(default=5.0, gt=0)
    """Pause between two sync rounds when nothing is waiting."""

    push_batch_size: int = Field(default=200, ge=1, le=500)
    """Outbox entries sent per request."""

    feed_page_size: int = Field(default=5000, ge=1, le=100_000)
    """Change-feed rows asked per request."""

    staff_max_attempts: int = Field(default=5, ge=1, le=100)
    """Wrong PINs in a row after which a person is locked out of this terminal."""

    staff_lockout_minutes: float = Field(default=15, gt=0)
    """How long a locked-out person must wait before signing in on this terminal again."""

    idle_sign_out_minutes: float = Field(default=5, gt=0)
    """Minutes without a key press after which the terminal UI signs its person out."""

    confirm_units_above: int = Field(default=10, ge=1)
    """Units on one sale or return line above which staff must confirm the quantity (a finger
    that slipped on the keypad), in the terminal UI with a question and with ``--yes`` on the
    command line."""

    label_dir: Path | None = None
    """Where carrier labels are written, one file per parcel (``labels`` in ``data_dir`` when
    not set)."""

    label_format: Literal["pdf", "zpl"] = "pdf"
    """Carrier labels as ``pdf`` (a 4x6 in page, any printer) or ``zpl`` (thermal printers)."""

    label_carrier: str = Field(default="", max_length=60)
    """The carrier named on the labels (the store's contract); none named when empty."""

    @property
    def cache_path(self) -> Path:
        return self.data_dir / "cache.db"

    @property
    def labels_path(self) -> Path:
        return self.label_dir or self.data_dir / "labels"

    @property
    def sync_lock_path(self) -> Path:
        """Held by the one process that syncs this cache."""
        return self.data_dir / "sync.lock"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls))


def save_settings(values: dict[str, str]) -> Path:
    """Write ``values`` over the settings file (keeping its other keys); returns its path."""
    path = config_file_path()
    current: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as handle:
            current = dict(tomllib.load(handle))
    current.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {_toml_string(str(value))}" for key, value in sorted(current.items())]
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(temporary, 0o600)
    temporary.replace(path)
    return path


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
