"""Renderers: the JSON contract, Markdown within GitHub's limits, SARIF 2.1.0."""

from __future__ import annotations

from bot.core.report.contract import to_contract
from bot.core.report.markdown import GITHUB_TEXT_LIMIT, to_markdown
from bot.core.report.sarif import to_sarif
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestInfo, PullRequestSnapshot
from bot.core.verdict import Conclusion, evaluate

INFO = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="a" * 40, head_sha="b" * 40)


def _snapshot(*files: ChangedFile, rules: str | None = None) -> PullRequestSnapshot:
    return PullRequestSnapshot(pull_request=INFO, files=files, rules_text=rules)


def _file(path: str, added: int) -> ChangedFile:
    return ChangedFile(path=path, status=FileStatus.MODIFIED, additions=added, deletions=1)


def test_contract_fields() -> None:
    """The JSON contract carries version, conclusion, size (with excluded files and label) and findings."""
    verdict = evaluate(_snapshot(_file("src/a.py", 899), _file("yarn.lock", 40)))
    out = to_contract(verdict)
    assert out["version"] == 1
    assert out["conclusion"] == "failure"
    assert out["size"] | {"limits": None} == {
        "effective_lines": 900,
        "added": 899,
        "deleted": 1,
        "files": 1,
        "excluded_files": [{"path": "yarn.lock", "reason": "lockfile", "added": 40, "deleted": 1}],
        "label": "size/XL",
        "limits": None,
    }
    assert out["findings"] == [
        {
            "rule": "size",
            "severity": "error",
            "path": None,
            "line": None,
            "message": out["findings"][0]["message"],
        }
    ]
    assert "900 effective lines; the limit is 800" in out["findings"][0]["message"]


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
