"""The rule catalogue, in the order rules run and are documented."""

from rules import size
from rules.base import RuleModule

RULES: tuple[RuleModule, ...] = (size,)
