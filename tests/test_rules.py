"""The rule catalogue: every rule documents itself, and its examples hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core.config import rules_file_model, section_config
from bot.core.report.rulesdoc import render_rule_table
from bot.core.verdict import Conclusion, evaluate
from rules import RULES
from rules.base import Example, Rule

EXAMPLES = [(rule.id, example) for rule in RULES.rules for example in rule.examples]


@pytest.mark.parametrize(("rule_id", "example"), EXAMPLES, ids=[f"{r}: {e.title}" for r, e in EXAMPLES])
def test_examples(rule_id: str, example: Example) -> None:
    """Each documented example passes or fails as its rule says."""
    verdict = evaluate(example.snapshot)
    assert (verdict.conclusion is Conclusion.SUCCESS) is example.passes


@pytest.mark.parametrize("rule", RULES.rules, ids=[r.id for r in RULES.rules])
def test_rule_documents_itself(rule: Rule[Any]) -> None:
    """Every rule has an id, a summary, help, a config section with defaults, and examples of both kinds."""
    assert rule.id
    assert rule.summary
    assert rule.help
    assert isinstance(section_config(rules_file_model(RULES)(), rule), rule.config)
    assert {e.passes for e in rule.examples} == {True, False}


def test_readme_rule_table_is_generated() -> None:
    """The README's rule table is exactly what `scopegate rules table` prints."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert render_rule_table(RULES) in readme
