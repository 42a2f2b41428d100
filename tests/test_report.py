"""Renderers: the JSON contract, Markdown within GitHub's limits, SARIF 2.1.0."""

from __future__ import annotations

from bot.core.locations import RULES_PATH
from bot.core.report.contract import to_contract
from bot.core.report.markdown import GITHUB_TEXT_LIMIT, to_markdown
from bot.core.report.sarif import to_sarif
from bot.core.snapshot import (
    ChangedFile,
    ConfigSource,
    FileStatus,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.core.verdict import Conclusion, evaluate

INFO = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="a" * 40, head_sha="b" * 40)


def _snapshot(*files: ChangedFile, rules: str | None = None) -> PullRequestSnapshot:
    repository = RepositoryFiles(rules=(ConfigSource(RULES_PATH, rules),))
    return PullRequestSnapshot(pull_request=INFO, files=files, repository=repository)


def _file(path: str, added: int) -> ChangedFile:
    return ChangedFile(path=path, status=FileStatus.MODIFIED, additions=added, deletions=1)


def test_contract_fields() -> None:
    """The JSON contract carries version, conclusion, size (with excluded files, label and limits) and
    findings with their scope and fingerprint."""
    verdict = evaluate(_snapshot(_file("src/a.py", 899), _file("yarn.lock", 40)))
    out = to_contract(verdict)
    assert out["version"] == 1
    assert out["conclusion"] == "failure"
    assert out["size"] == {
        "effective_lines": 900,
        "added": 899,
        "deleted": 1,
        "files": 1,
        "excluded_files": [{"path": "yarn.lock", "reason": "lockfile", "added": 40, "deleted": 1}],
        "label": "size/XL",
        "limits": {"max_lines": 800, "warn_lines": 400, "max_files": 60},
    }
    (finding,) = out["findings"]
    assert {k: v for k, v in finding.items() if k != "fingerprint"} == {
        "rule": "size",
        "severity": "error",
        "path": None,
        "line": None,
        "message": "900 effective lines; the limit is 800.",
        "scope": "pull request",
    }
    assert out["rules"] == [
        {"id": "size", "headline": "900 effective lines (size/XL)", "labels": ["size/XL"]}
    ]


def test_fingerprint_survives_a_push_that_changes_the_message() -> None:
    """The same finding on a later push (other numbers in its message) keeps its fingerprint; another
    limit's finding has another one."""
    first = to_contract(evaluate(_snapshot(_file("src/a.py", 899))))["findings"]
    later = to_contract(evaluate(_snapshot(_file("src/a.py", 1999))))["findings"]
    files = to_contract(evaluate(_snapshot(*(_file(f"f{i}.py", 1) for i in range(61)))))["findings"]
    assert first[0]["message"] != later[0]["message"]
    assert first[0]["fingerprint"] == later[0]["fingerprint"]
    assert files[0]["fingerprint"] != first[0]["fingerprint"]


def test_markdown_of_a_huge_pr_fits_github_limit() -> None:
    """A 20,000-file PR still renders within 65,535 characters, saying how many files it left out."""
    files = [_file(f"src/area{i % 40}/module_with_a_long_name_{i}.py", 10) for i in range(20_000)]
    files += [_file(f"locks/{i}/package-lock.json", 10) for i in range(5_000)]
    verdict = evaluate(_snapshot(*files))
    text = to_markdown(verdict)
    assert len(text) <= GITHUB_TEXT_LIMIT
    assert "more" in text
    assert "Proposed split" in text


def test_markdown_names_broken_rules_file() -> None:
    """A broken rules file fails the check, and the text names the file, line and problem."""
    verdict = evaluate(_snapshot(_file("a.py", 3), rules="size:\n  max_line: 3\n"))
    assert verdict.conclusion is Conclusion.FAILURE
    assert "`.github/scopegate.yml:2` size.max_line: unknown key" in to_markdown(verdict)


def test_sarif_shape() -> None:
    """SARIF 2.1.0 with the rule catalogue in the driver; located findings carry a region."""
    verdict = evaluate(_snapshot(_file("a.py", 3), rules="size:\n  max_line: 3\n"))
    sarif = to_sarif(verdict)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"size", "config"}
    (result,) = run["results"]
    assert result["ruleId"] == "config"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": ".github/scopegate.yml"},
        "region": {"startLine": 2, "startColumn": 3},
    }
