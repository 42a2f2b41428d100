"""The App's settings: `SCOPEGATE_*` environment variables or a `.env` file, checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import UserError

ENV_PREFIX = "SCOPEGATE_"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class SettingsError(UserError):
    """A missing or invalid setting; its message is one line naming the variable."""


class Settings(BaseSettings):
    """Everything the web app and the workers are configured with."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    webhook_secret: SecretStr | None = Field(
        None, description="Secret GitHub signs deliveries with; unset, the one the setup page stored."
    )
    webhook_secret_previous: SecretStr | None = Field(
        None, description="The secret being rotated out; accepted until the rotation is over."
    )
    app_id: int | None = Field(None, gt=0, description="The GitHub App's id (workers need it).")
    private_key: SecretStr | None = Field(None, description="The App's private key, PEM (workers).")
    private_key_path: Path | None = Field(None, description="A file holding the App's private key (workers).")
    redis_url: str = Field("redis://localhost:6379/0", description="Queue, delivery de-duplication, budgets.")
    public_url: str | None = Field(
        None,
        description="The address GitHub reaches this App at; unset, as the setup link's holder confirms.",
    )
    host: str = Field("127.0.0.1", min_length=1, description="Interface `serve` and `web` listen on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `serve` and `web` listen on.")
    data_dir: Path = Field(Path(".scopegate"), description="SQLite's folder, and `serve`'s embedded Redis.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite under data_dir.")
    github_api_url: str = Field(
        "https://api.github.com", description="REST API root; GitHub Enterprise Server: https://HOST/api/v3."
    )
    debounce_seconds: float = Field(
        2.0, ge=0, le=60, description="How long an evaluation waits for more pushes."
    )
    bot_login: str | None = Field(
        None, description="The App's bot login, `<slug>[bot]` (a bare slug is fine)."
    )
    api_token: SecretStr | None = Field(
        None, description="Bearer token of GET /api/report; unset, the report API is off (404)."
    )
    client_id: str | None = Field(
        None, description="The App's OAuth client id (dashboard sign-in); unset, the setup page's."
    )
    client_secret: SecretStr | None = Field(
        None, description="The App's OAuth client secret (dashboard sign-in); unset, the setup page's."
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        """Only URLs redis-py can connect to."""
        if not value.startswith(_REDIS_SCHEMES):
            raise ValueError(f"must start with one of {', '.join(_REDIS_SCHEMES)}")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        """An empty `SCOPEGATE_WEBHOOK_SECRET=` means no secret, never the empty secret."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("github_api_url")
    @classmethod
    def _api_root(cls, value: str) -> str:
        """An http(s) URL without a trailing slash, so paths can be appended."""
        return _http_url(value, "https://api.github.com")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """An http(s) URL without a trailing slash, or None."""
        return _http_url(value, "https://scopegate.example.com") if value and value.strip() else None

    @field_validator("bot_login")
    @classmethod
    def _bot_login(cls, value: str | None) -> str | None:
        """`<slug>[bot]`, the login an App's actions are attributed to."""
        if not value or not value.strip():
            return None
        value = value.strip()
        return value if value.endswith("[bot]") else f"{value}[bot]"

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        """SQLite in the data directory unless a database URL is given."""
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'scopegate.db'}"
        return self

    def webhook_secrets(self) -> tuple[str, ...]:
        """The secrets a delivery may be signed with: the current one, then the previous one; empty when
        the environment names none (the setup page's then applies, see bot/identity.py)."""
        if self.webhook_secret is None:
            return ()
        previous = (self.webhook_secret_previous.get_secret_value(),) if self.webhook_secret_previous else ()
        return (self.webhook_secret.get_secret_value(), *previous)


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """What a worker authenticates as the App with."""

    app_id: int
    private_key: str


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and `.env`, `overrides` winning; SettingsError names what is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError("; ".join(_describe(e) for e in error.errors())) from None


def app_credentials(settings: Settings) -> AppCredentials:
    """The App id and private key the workers need; SettingsError when either is missing or unreadable."""
    if settings.app_id is None:
        raise SettingsError(f"{ENV_PREFIX}APP_ID is required")
    if settings.private_key is not None and settings.private_key_path is not None:
        raise SettingsError(f"set only one of {ENV_PREFIX}PRIVATE_KEY and {ENV_PREFIX}PRIVATE_KEY_PATH")
    if settings.private_key is not None:
        # One-line environment values often carry the PEM's newlines as the two characters `\n`.
        return AppCredentials(settings.app_id, settings.private_key.get_secret_value().replace("\\n", "\n"))
    if settings.private_key_path is None:
        raise SettingsError(f"{ENV_PREFIX}PRIVATE_KEY or {ENV_PREFIX}PRIVATE_KEY_PATH is required")
    try:
        return AppCredentials(settings.app_id, settings.private_key_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(
            f"{ENV_PREFIX}PRIVATE_KEY_PATH: cannot read {error.filename}: {error.strerror}"
        ) from None


def _http_url(value: str, example: str) -> str:
    """`value` without a trailing slash, so paths can be appended; ValueError unless it is an http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL such as {example}")
    return value.rstrip("/")


def _describe(error: ErrorDetails) -> str:
    """One pydantic error as `SCOPEGATE_NAME is required` or `SCOPEGATE_NAME is invalid: why`."""
    name = ENV_PREFIX + "_".join(str(part) for part in error["loc"]).upper()
    # An empty variable (`SCOPEGATE_WEBHOOK_SECRET=`) is as good as an unset one.
    if error["type"] == "missing" or error.get("input") == "":
        return f"{name} is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name} is invalid: {message}"
