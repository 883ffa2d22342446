"""One place for environment variables and secrets.

Every setting is read from the environment (prefix ``PERPDEX_``) or a ``.env`` file. Secrets are
``SecretStr`` so that they never print in logs, reprs or exceptions; call ``get_secret_value()`` only
at the point of use.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from perpdex_lib.domain.enums import Venue

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Real mainnet hosts: the defaults for users with a network. Tests and the demo point these at the
# simulator through PERPDEX_VENUE_URLS or `perpdex sim urls`.
DEFAULT_VENUE_URLS: dict[Venue, str] = {
    Venue.LIGHTER: "https://mainnet.zklighter.elliot.ai",
    Venue.GRVT: "https://market-data.grvt.io",
    Venue.EDGEX: "https://pro.edgex.exchange",
    Venue.BACKPACK: "https://api.backpack.exchange",
    Venue.ASTER: "https://fapi.asterdex.com",
    Venue.PARADEX: "https://api.prod.paradex.trade",
    Venue.HYPERLIQUID: "https://api.hyperliquid.xyz",
}


class Settings(BaseSettings):
    """Runtime configuration; construct through :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="PERPDEX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Warehouse. When unset, `perpdex db up` runs a private cluster under .local/pg.
    database_url: SecretStr | None = None
    local_dir: Path = PROJECT_ROOT / ".local"
    local_pg_port: int = 54329

    # Venues: per-venue base URL overrides, e.g. PERPDEX_VENUE_URLS='{"lighter": "http://127.0.0.1:18101"}'
    venue_urls: dict[Venue, str] = Field(default_factory=dict)
    http_timeout_s: float = 10.0
    http_max_attempts: int = 4

    # Simulator
    sim_host: str = "127.0.0.1"
    sim_base_port: int = 18100
    sim_seed: int = 7

    # Notifications (apprise URLs, e.g. "tgram://bot/chat", "feishu://token"); secrets.
    notify_urls: list[SecretStr] = Field(default_factory=list)

    def venue_url(self, venue: Venue) -> str:
        """Base URL for a venue: the override when given, else the real mainnet host."""
        return self.venue_urls.get(venue, DEFAULT_VENUE_URLS[venue]).rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
