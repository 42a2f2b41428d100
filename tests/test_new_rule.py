"""A rule added by files alone reaches every output: `rules init`, `rules schema`, `check` in each format.

The dummy rule lives in tests/dummy_rule.py; no module of bot/ or rules/ names it. The App's path
(annotations, labels, ledger) is in tests/test_app_e2e.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.findings import Finding, Scope, Severity
from bot.core.verdict import Conclusion, evaluate
from rules.base import Catalogue, Context, Example, Rule, RuleResult
from tests.dummy_rule import CATALOGUE, RULE
from tests.dummy_rule import Config as DummyConfig
from tests.gitrepo import GitRepo, lines


@pytest.fixture
def branch(tmp_path: Path) -> GitRepo:
    """A branch of four files under a base rules file that sets the dummy's limit to 2."""
    repo = GitRepo(tmp_path / "repo")
    repo.write(".github/scopegate.yml", "checks:\n  dummy-check:\n    limit: 2\n")
    repo.commit("rules")
    repo.topic()
    for name in ("a", "b", "c"):
        repo.write(f"src/{name}.py", lines(5))
    repo.commit("change")
    return repo


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv), rules=CATALOGUE)
    return code, capsys.readouterr().out


@pytest.mark.parametrize("example", RULE.examples, ids=[e.title for e in RULE.examples])
def test_examples_hold(example: Example) -> None:
    """The dummy's examples pass or fail as documented, like every rule's."""
    verdict = evaluate(example.snapshot, CATALOGUE)
    assert (verdict.conclusion is Conclusion.SUCCESS) is example.passes


def test_rules_init_and_schema_carry_the_nested_section(capsys: pytest.CaptureFixture[str]) -> None:
    """`rules init` prints the dummy's section under `checks:` with its default and description, and it
    validates; `rules schema` describes `checks.dummy-check.limit`."""
    _, init = _run(capsys, "rules", "init")
    assert "\nchecks:\n" in init
    assert "  dummy-check:\n    # Changed files above which the dummy fails the gate.\n    limit: 3\n" in init
    _, schema = _run(capsys, "rules", "schema")
    definitions = json.dumps(json.loads(schema))
    assert '"dummy-check"' in definitions
    assert "Changed files above which the dummy fails" in definitions


def test_rules_validate_rejects_an_unknown_key_in_the_new_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The new section is validated like the others: an unknown key is reported with its place."""
    rules = tmp_path / "r.yml"
    rules.write_text("checks:\n  dummy-check:\n    limti: 2\n")
    code, out = _run(capsys, "rules", "validate", str(rules))
    assert code == 2
    assert f"{rules}:3:5: checks.dummy-check.limti: unknown key" in out


def test_check_json_and_sarif_carry_the_rule(branch: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """The base's setting reaches the rule; its data, finding and labels are in the JSON contract, and
    SARIF lists the rule and its located result."""
    code, out = _run(capsys, "check", "--repo", str(branch.root), "--base", "main", "--format", "json")
    contract = json.loads(out)
    assert code == 1  # 3 files > the base's limit of 2
    assert contract["dummy"] == {"files": 3, "limit": 2}
    located = [f for f in contract["findings"] if f["rule"] == "dummy-check" and f["line"] == 1]
    assert located == [located[0]]
    assert located[0]["path"] == "src/a.py"
    assert located[0]["scope"] == "added"
    assert {"id": "dummy-check", "headline": "dummy counted 3", "labels": ["dummy/3"]} in contract["rules"]
    assert contract["size"]["effective_lines"] == 15  # the size rule still runs beside it
    _, out = _run(capsys, "check", "--repo", str(branch.root), "--base", "main", "--format", "sarif")
    run = json.loads(out)["runs"][0]
    assert "dummy-check" in {r["id"] for r in run["tool"]["driver"]["rules"]}
    dummy = [r for r in run["results"] if r["ruleId"] == "dummy-check" and "locations" in r]
    assert dummy[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/a.py"


@pytest.mark.parametrize("output", ["markdown", "text"])
def test_check_markdown_and_text_show_the_section(
    branch: GitRepo, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    """The rule's headline joins the title, and its table and findings are shown in Markdown and text."""
    _, out = _run(capsys, "check", "--repo", str(branch.root), "--base", "main", "--format", output)
    assert "dummy counted 3" in out
    assert "dummy file" in out
    assert "src/c.py" in out
    assert "dummy saw 3 files" in out
    assert "more than 2 files" in out


def test_identical_findings_get_distinct_fingerprints() -> None:
    """The same statement found twice in a file is two findings with two fingerprints (the ledger keys
    findings by fingerprint), and the first keeps the fingerprint it has when it stands alone."""

    def twice(context: Context, config: DummyConfig) -> RuleResult:
        finding = Finding("twice", Severity.INFO, "print() in library code", "a.py", scope=Scope.ADDED)
        return RuleResult((finding, replace(finding, line=9)))

    rule = Rule("twice", "Twice.", "Twice.", DummyConfig, twice, RULE.examples)
    verdict = evaluate(RULE.examples[0].snapshot, Catalogue((rule,)))
    first, second = verdict.findings
    assert first.fingerprint != second.fingerprint
    assert first.fingerprint == Finding("twice", Severity.INFO, "print() in library code", "a.py").fingerprint
