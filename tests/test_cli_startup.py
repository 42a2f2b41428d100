"""`scopegate`'s start-up: the command line loads what a command runs only when that command runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot import cost_cli, report_cli
from bot.core import review_report
from bot.llm import costs

HEAVY = ("bot.core", "bot.gather", "pydantic", "rules", "rich", "ruamel", "tree_sitter")

LOADED_BY_HELP = """
import json, sys
import bot.cli
try:
    bot.cli.main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["check", "--help"], ["cost", "--help"]], ids=["help", "check-help", "cost-help"]
)
def test_help_loads_no_rules_models_or_renderers(argv: list[str]) -> None:
    """`scopegate --help` (every command's parser built) in a fresh interpreter imports none of the rules,
    their pydantic models, the grammars, the renderers or the core: a command pays for what it runs."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_HELP.format(argv=argv)], capture_output=True, check=True, text=True
    )
    loaded = json.loads(done.stdout.splitlines()[-1])
    heavy = [name for name in loaded if name.startswith(HEAVY)]
    assert heavy == []


def test_written_out_choices_are_the_sources() -> None:
    """The `--by` and `--group-by` choices, written out so that the parser imports neither module, are
    the groupings those modules sum by."""
    assert cost_cli.GROUPINGS == costs.GROUPINGS
    assert report_cli.GROUPINGS == review_report.GROUPINGS


def test_intake_starts_without_the_rules() -> None:
    """The web app's intake reads only the core config models: importing it (and with it the rule
    interface, `rules.base`) imports none of the 21 rules; the catalogue is built when first read."""
    probe = "import json, sys\nimport bot.intake.events\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True, text=True)
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert "rules.base" in loaded
    assert [name for name in loaded if name.startswith(("rules.checks", "rules.size", "rules.routing"))] == []
