"""How the App reaches its LLM provider and what the review may spend, from the environment
(`SCOPEGATE_LLM_*`, or `.env`): the operator's settings, which no repository's rules file can raise.
With no provider set there is no LLM review at all.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.inference.providers import ProviderSettings, Wire
from bot.llm.budgets import BudgetLimits
from bot.settings import SettingsError

ENV_PREFIX = "SCOPEGATE_LLM_"

_NANO_PER_USD = Decimal(1_000_000_000)


class LlmSettings(BaseSettings):
    """The LLM review's settings."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    provider: Wire | None = Field(None, description="openai-responses, openai-chat or anthropic-messages.")
    api_key: SecretStr | None = Field(None, description="The provider's API key.")
    base_url: str | None = Field(
        None, description="Another server speaking the wire format (default: the vendor's)."
    )
    timeout_seconds: float = Field(60.0, gt=0, le=600, description="How long one call may take.")
    legacy_max_tokens: bool = Field(False, description="Send Chat's output cap as max_tokens.")
    model: str = Field("gpt-5-mini", min_length=1, description="The model that reviews.")
    cheaper_models: list[str] = Field(default_factory=list, description="Cheaper models to degrade to.")
    prompt_tokens: int = Field(12_000, ge=1_000, description="The diff's token budget in the prompt.")
    max_output_tokens: int = Field(2_000, ge=100, description="The answer's output cap.")
    per_pr_usd: Decimal | None = Field(Decimal("0.50"), ge=0, description="Per pull request, ever.")
    repo_month_usd: Decimal | None = Field(Decimal(25), ge=0, description="Per repository, per month.")
    team_month_usd: Decimal | None = Field(None, ge=0, description="Per owning team, per month.")
    installation_month_usd: Decimal | None = Field(
        Decimal(100), ge=0, description="Per installation, per month."
    )
    stage_month_usd: Decimal | None = Field(None, ge=0, description="Per pipeline stage, per month.")
    global_day_usd: Decimal | None = Field(Decimal(20), ge=0, description="Everything, per UTC day.")
    fail_on_error: bool = Field(
        False, description="Let a model's error fail the review check (never the gate)."
    )

    def provider_settings(self) -> ProviderSettings | None:
        """How to reach the provider, or None when no review is configured."""
        if self.provider is None or self.api_key is None:
            return None
        return ProviderSettings(
            self.provider,
            self.api_key.get_secret_value(),
            self.base_url,
            self.timeout_seconds,
            self.legacy_max_tokens,
        )

    def limits(self) -> BudgetLimits:
        """The budgets in nano-USD."""
        return BudgetLimits(
            per_pr=_nano(self.per_pr_usd),
            repo_month=_nano(self.repo_month_usd),
            team_month=_nano(self.team_month_usd),
            installation_month=_nano(self.installation_month_usd),
            stage_month=_nano(self.stage_month_usd),
            global_day=_nano(self.global_day_usd),
        )


def load_llm_settings() -> LlmSettings:
    """The settings from the environment and `.env`; SettingsError names the variable that is wrong."""
    try:
        return LlmSettings()
    except ValidationError as error:
        problems = (
            f"{ENV_PREFIX}{'_'.join(map(str, e['loc'])).upper()} is invalid: {e['msg']}"
            for e in error.errors()
        )
        raise SettingsError("; ".join(problems)) from None


def _nano(usd: Decimal | None) -> int | None:
    return None if usd is None else int(usd * _NANO_PER_USD)
