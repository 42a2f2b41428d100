"""A rule that exists only in tests: it computes for a while on files under `slow/`, as measuring a very
large pull request does, so a test can watch what else the worker does meanwhile."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field

from rules import RULES
from rules.base import Catalogue, Context, Rule, RuleResult

ID = "slow-check"


class Config(BaseModel):
    """How long the rule computes."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(1.5, ge=0, description="CPU time spent when a file under slow/ changed.")


def evaluate(context: Context, config: Config) -> RuleResult:
    """Spin for `seconds` (pure Python, as the rules' own measuring is) when a file under slow/ changed."""
    if any(f.path.startswith("slow/") for f in context.snapshot.files):
        deadline = time.perf_counter() + config.seconds
        while time.perf_counter() < deadline:
            sum(range(1000))
    return RuleResult((), (), None)


RULE = Rule(
    id=ID,
    summary="Computes for a while, for the tests.",
    help="A test-only rule.",
    config=Config,
    evaluate=evaluate,
    examples=(),
    section=f"checks.{ID}",
)
CATALOGUE = Catalogue((*RULES.rules, RULE))
