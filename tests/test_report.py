"""Renderers: the JSON contract, Markdown within GitHub's limits, SARIF 2.1.0, the terminal and CI logs."""

from __future__ import annotations

import json
from dataclasses import replace
from io import StringIO
from typing import Any

import pytest
from sarif_kit import validation_errors

from bot.core.locations import RULES_PATH
from bot.core.report.contract import to_contract, to_json
from bot.core.report.markdown import SUMMARY_LIMIT, to_markdown
from bot.core.report.sarif import artifact_uri, to_sarif
from bot.core.report.terminal import console_for, print_verdict
from bot.core.snapshot import (
    ChangedFile,
    ConfigSource,
    FileStatus,
    OverrideClaim,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.core.verdict import Conclusion, Verdict, evaluate
from bot.github.publish import COMMENT_LIMIT, MARKER, comment_text, fail_check_run
from tests.test_render_fuzz import markdown_problems

INFO = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="a" * 40, head_sha="b" * 40)
# Files under `gen/` are excluded by the rules file: their paths are then listed in the summary.
EXCLUDE_GEN = "size:\n  exclude: ['gen/**']\n"


def _snapshot(*files: ChangedFile, rules: str | None = None) -> PullRequestSnapshot:
    repository = RepositoryFiles(rules=(ConfigSource(RULES_PATH, rules),))
    return PullRequestSnapshot(pull_request=INFO, files=files, repository=repository)


def _file(path: str, added: int, binary: bool = False) -> ChangedFile:
    return ChangedFile(path=path, status=FileStatus.MODIFIED, additions=added, deletions=1, binary=binary)


def _terminal(verdict: Verdict) -> str:
    stream = StringIO()
    print_verdict(verdict, console_for(stream))
    return stream.getvalue()


def test_contract_fields() -> None:
    """The JSON contract carries version, conclusion, size (excluded files, every changed file with its
    kind, counted lines and reason, label and limits) and findings with their scope and fingerprint."""
    verdict = evaluate(_snapshot(_file("src/a.py", 899), _file("logo.png", 40, binary=True)))
    out = to_contract(verdict)
    assert out["version"] == 1
    assert out["conclusion"] == "failure"
    assert out["size"] == {
        "effective_lines": 900,
        "added": 899,
        "deleted": 1,
        "files": 1,
        "excluded_files": [{"path": "logo.png", "reason": "binary", "added": 40, "deleted": 1}],
        "changed_files": [
            {"path": "src/a.py", "kind": "source", "added": 899, "deleted": 1, "counted": 900, "reason": ""},
            {
                "path": "logo.png",
                "kind": "binary",
                "added": 40,
                "deleted": 1,
                "counted": 0,
                "reason": "binary",
            },
        ],
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
        {"id": "size", "headline": "900 effective lines (size/XL)", "labels": ["size/XL"]},
        {"id": "attribution", "headline": "", "labels": []},  # no AI marker: no headline
        {"id": "syntax-error", "headline": "", "labels": []},
        {"id": "debug-output", "headline": "", "labels": []},
        {"id": "skipped-or-focused-test", "headline": "", "labels": []},
        {"id": "test-without-assertion", "headline": "", "labels": []},
        {"id": "swallowed-exception", "headline": "", "labels": []},
        {"id": "optional-import-of-required-dependency", "headline": "", "labels": []},
        {"id": "undeclared-import", "headline": "", "labels": []},
        {"id": "redundant-type-guard", "headline": "", "labels": []},
        {"id": "todo-added", "headline": "", "labels": []},
        {"id": "commented-out-code", "headline": "", "labels": []},
        {"id": "duplicate-block", "headline": "", "labels": []},
        {"id": "function-metrics", "headline": "", "labels": []},
        {"id": "suppression-added", "headline": "", "labels": []},
        {"id": "hardcoded-secret", "headline": "", "labels": []},
        {"id": "lockfile-without-manifest", "headline": "", "labels": []},
        {"id": "mixed-concerns", "headline": "", "labels": []},
        {"id": "custom", "headline": "", "labels": []},
        {"id": "routing", "headline": "", "labels": []},
        {"id": "rework", "headline": "", "labels": []},  # no review history in the CLI
    ]


def test_contract_routing() -> None:
    """`routing`: the reviewers that would be requested with their reasons, those already counted, the
    owners left out and why, the author, what the plan rests on (no availability or approvals known), the
    changed files by owner group and the CODEOWNERS lines skipped; logins and teams without `@`."""
    codeowners = "* @org/docs\n/src/ @ada @bob\n/src/[x] @eve\n"
    snapshot = replace(
        _snapshot(_file("src/a.py", 29), _file("README.md", 4)),
        pull_request=replace(INFO, author="ada"),
        repository=RepositoryFiles(rules=(ConfigSource(RULES_PATH, None),), codeowners=codeowners),
    )
    assert to_contract(evaluate(snapshot))["routing"] == {
        "codeowners": True,
        "reviewers_wanted": 2,
        "requested": [
            {"reviewer": "bob", "team": False, "reason": "owns 30 of 35 changed lines (1 of 2 files)"},
            {
                "reviewer": "org/docs",
                "team": True,
                "reason": "team owns 5 of 35 changed lines (1 of 2 files); requested as the team, GitHub's "
                "team review assignment picks who",
            },
        ],
        "counted": [],
        "skipped": [{"owner": "ada", "reason": "the author"}],
        "note": None,
        "author": "ada",
        "availability_known": False,
        "require_all_owners": False,
        "approvals_known": False,
        "owner_groups": [
            {"owners": ["ada", "bob"], "paths": ["src/a.py"]},
            {"owners": ["org/docs"], "paths": ["README.md"]},
        ],
        "skipped_lines": [{"line": 3, "reason": "character ranges with '[ ]' are not supported"}],
    }


def test_contract_routing_without_codeowners_says_why() -> None:
    """Without a CODEOWNERS at the base, `routing` is still there: nobody requested, and the note says why."""
    routing = to_contract(evaluate(_snapshot(_file("src/a.py", 3))))["routing"]
    assert routing["codeowners"] is False
    assert (routing["requested"], routing["owner_groups"]) == ([], [])
    assert routing["note"] == "no CODEOWNERS at the base (.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)"


def test_changed_files_say_why_a_claimed_kind_was_not_believed() -> None:
    """A file that declares itself generated in the head, unlike at the base, counts, and its entry in
    `changed_files` says why."""
    header = b"// Code generated by protoc. DO NOT EDIT.\n"
    claimed = ChangedFile("api/client.go", FileStatus.MODIFIED, 30, 0, head=header, base_start=b"package x\n")
    (entry,) = to_contract(evaluate(_snapshot(claimed)))["size"]["changed_files"]
    assert (entry["kind"], entry["counted"]) == ("source", 30)
    assert entry["reason"].startswith("declares itself generated: counted")


def test_json_holds_names_that_are_not_utf8() -> None:
    """A name kept as undecodable bytes (lone surrogates) is written as `\\udcxx` escapes, so the JSON is
    valid UTF-8 and reads back as the same name."""
    verdict = evaluate(_snapshot(_file("gen/caf\udce9.py", 3)))
    text = to_json(to_contract(verdict))
    assert "caf\\udce9.py" in text
    assert json.loads(text.encode())["size"]["changed_files"][0]["path"] == "gen/caf\udce9.py"


def test_fingerprint_survives_a_push_that_changes_the_message() -> None:
    """The same finding on a later push (other numbers in its message) keeps its fingerprint; another
    limit's finding has another one."""
    first = to_contract(evaluate(_snapshot(_file("src/a.py", 899))))["findings"]
    later = to_contract(evaluate(_snapshot(_file("src/a.py", 1999))))["findings"]
    files = to_contract(evaluate(_snapshot(*(_file(f"f{i}.py", 1) for i in range(61)))))["findings"]
    assert first[0]["message"] != later[0]["message"]
    assert first[0]["fingerprint"] == later[0]["fingerprint"]
    assert files[0]["fingerprint"] != first[0]["fingerprint"]


HOSTILE_PATHS = [
    pytest.param("gen/a`b.py", "``gen/a`b.py``", id="backtick"),
    pytest.param("gen/x`", "`` gen/x` ``", id="backtick-at-the-end"),
    pytest.param("gen/</details><details>.py", "`gen/</details><details>.py`", id="details-tags"),
    pytest.param("gen/@octocat.py", "`gen/@octocat.py`", id="mention"),
    pytest.param("gen/a|b.py", "`gen/a\\|b.py`", id="pipe-in-a-table"),
    pytest.param("gen/<!-- x -->.py", "`gen/<!-- x -->.py`", id="html-comment"),
    pytest.param("gen/a\nb.py", "`gen/a\\nb.py`", id="newline"),
    pytest.param("gen/\x1b[31mred.py", "`gen/\\x1b[31mred.py`", id="escape"),
    pytest.param("gen/*a* _b_ [c](d).py", "`gen/*a* _b_ [c](d).py`", id="emphasis-and-link"),
    pytest.param("gen/# h &amp;.py", "`gen/# h &amp;.py`", id="hash-and-entity"),
]


@pytest.mark.parametrize(("path", "shown"), HOSTILE_PATHS)
def test_markdown_keeps_a_hostile_path_in_one_code_span(path: str, shown: str) -> None:
    """A path is one code span nothing in it can close (its fence outruns its backticks, a `|` is escaped
    in a table, a newline or ESC is shown as an escape): no mention, no tag, no broken table."""
    markdown = to_markdown(evaluate(_snapshot(_file(path, 3), rules=EXCLUDE_GEN)))
    assert f"| {shown} | excluded by config |" in markdown
    assert markdown_problems(markdown, SUMMARY_LIMIT) == []


def test_markdown_escapes_split_plan_titles_and_messages() -> None:
    """A split part titled by a hostile path is a code span; a rules-file message quoting a hostile key is
    escaped text: no HTML, no mention, no emphasis."""
    rules = 'size:\n  "<b>@octocat</b> *x*": 1\n'
    verdict = evaluate(_snapshot(_file("src/@team`x`.py", 900), rules=rules))
    markdown = to_markdown(verdict)
    assert "1. ``src/@team`x`.py``: 901 lines" in markdown
    assert "size.&lt;b&gt;@\u2060octocat&lt;/b&gt; \\*x\\*: unknown key" in markdown
    assert markdown_problems(markdown, SUMMARY_LIMIT) == []


def test_markdown_title_from_a_hostile_label_is_plain_text() -> None:
    """The title carries the size label, whose name comes from the rules file: a label named with `@`, `#12`,
    backticks, `|` and `</details>` reads as written in the heading, pings no one, links nothing and opens
    no code span or tag."""
    rules = json.dumps({"size": {"labels": {"@octocat</details>`x`|#12 *y*": 7}}})
    markdown = to_markdown(evaluate(_snapshot(_file("src/a.py", 5), rules=rules)))
    heading = markdown.split("\n", 1)[0]
    assert heading == (
        "### ✅ scopegate: 6 effective lines "
        "(size/@\u2060octocat&lt;/details&gt;\\`x\\`\\|#\u206012 \\*y\\*): within limits"
    )
    assert markdown_problems(markdown, SUMMARY_LIMIT) == []


def test_markdown_override_reason_is_escaped_and_names_the_overrider() -> None:
    """The override line names its author (a GitHub login) and shows the reason as text, never as HTML."""
    claim = OverrideClaim("mona", "2024-05-01T12:00:00Z", "comment", "maintain", "</details> *now*", "b" * 40)
    verdict = evaluate(replace(_snapshot(_file("src/a.py", 900)), override_claims=(claim,)))
    assert "> **Overridden** by @mona (comment) at 2024-05-01T12:00:00Z: &lt;/details&gt; \\*now\\*" in (
        to_markdown(verdict)
    )


def test_markdown_of_a_huge_pr_fits_github_limit() -> None:
    """A 20,000-file PR still renders within 65,535 bytes, its 5,000 excluded files summarised."""
    files = [_file(f"src/area{i % 40}/module_with_a_long_name_{i}.py", 10) for i in range(20_000)]
    files += [_file(f"gen/{i}/client.py", 10) for i in range(5_000)]
    verdict = evaluate(_snapshot(*files, rules=EXCLUDE_GEN))
    text = to_markdown(verdict)
    assert len(text.encode()) <= SUMMARY_LIMIT
    assert "| excluded: by config | 50,000 | 5,000 | 5,000 |" in text
    assert "Proposed split" in text


def test_markdown_budget_is_in_bytes() -> None:
    """Paths of three-byte characters: 41,659 characters are 89,667 bytes, over GitHub's limit, so the
    lists are shortened until the bytes fit; the comment fits with its marker too."""
    verdict = evaluate(_snapshot(*(_file(f"src/{i}/{'日本語' * 40}.py", 900) for i in range(100))))
    summary, comment = to_markdown(verdict), f"{MARKER}\n{comment_text(verdict)}"
    whole = to_markdown(verdict, max_bytes=10**6)
    assert len(whole) < SUMMARY_LIMIT < len(whole.encode())
    assert len(summary.encode()) <= SUMMARY_LIMIT
    assert len(comment.encode()) <= COMMENT_LIMIT
    assert markdown_problems(summary, SUMMARY_LIMIT) == []


def test_a_3000_file_refactor_with_long_non_ascii_paths_fits() -> None:
    """3,000 renamed-and-edited files under long Cyrillic paths (78-85 characters, 140-147 bytes): in full
    the summary is several times GitHub's limit in bytes; the check summary and the sticky comment are cut
    to fit it and still open with the verdict, the findings and the counts."""

    def path(i: int, folder: str) -> str:
        return f"пакет_{i % 30}/{folder}_обработки_данных_{i}/реализация_алгоритма_сортировки_{i}.py"

    files = [
        ChangedFile(f"ядро/{path(i, 'компонент')}", FileStatus.RENAMED, 3, 3, previous_path=path(i, "модуль"))
        for i in range(3000)
    ]
    verdict = evaluate(_snapshot(*files))
    summary, comment = to_markdown(verdict), f"{MARKER}\n{comment_text(verdict)}"
    assert len(to_markdown(verdict, max_bytes=10**7).encode()) > 4 * SUMMARY_LIMIT
    assert len(summary.encode()) <= SUMMARY_LIMIT
    assert len(comment.encode()) <= COMMENT_LIMIT
    assert markdown_problems(summary, SUMMARY_LIMIT) == []
    assert summary.startswith("### ❌ scopegate: 18,000 effective lines (size/XXL): 2 blocking findings\n")
    assert "- ❌ **size** 3,000 files changed; the limit is 60." in summary
    assert "| counted | 9,000 | 9,000 | 3,000 |" in summary


@pytest.mark.parametrize("budget", [900, 1_500, 2_345, 3_000, 4_000], ids=lambda b: f"{b}-bytes")
def test_a_cut_closes_what_it_leaves_open(budget: int) -> None:
    """When even the shortest lists do not fit, whole lines are kept while they fit: the text ends with a
    note, each `<details>` it opened is closed, and it is within the budget."""
    files = [_file(f"pkg{i}/é{i}.py", 900) for i in range(40)]
    markdown = to_markdown(evaluate(_snapshot(*files)), max_bytes=budget)
    assert markdown.endswith("… (cut to fit GitHub's size limit)")
    assert markdown_problems(markdown, budget) == []


async def test_a_failed_check_fits_and_keeps_its_reason_in_one_block() -> None:
    """An evaluation error of any length and content is shown in one fenced block within the byte limit."""
    sent: list[dict[str, Any]] = []

    class Gateway:
        async def update_check_run(self, check_id: int, body: dict[str, Any]) -> None:
            sent.append(body)

    await fail_check_run(Gateway(), 1, "Traceback\n```\n@octocat " + "é" * 70_000)  # type: ignore[arg-type]
    summary = sent[0]["output"]["summary"]
    assert len(summary.encode()) <= SUMMARY_LIMIT
    assert "\n````\nTraceback\n```\n@octocat éé" in summary
    assert summary.endswith(
        "\n````\n\nscopegate tries again by itself at its next sweeps; re-run to retry now."
    )


def test_markdown_names_broken_rules_file() -> None:
    """A broken rules file fails the check, and the text names the file, line and problem."""
    verdict = evaluate(_snapshot(_file("a.py", 3), rules="size:\n  max_line: 3\n"))
    assert verdict.conclusion is Conclusion.FAILURE
    assert "`.github/scopegate.yml:2` size.max_line: unknown key" in to_markdown(verdict)


def test_excluded_files_are_summarised_by_kind() -> None:
    """Past 50 excluded files, Markdown and text give their counts by kind, not the list; the JSON keeps
    every file."""
    files = [_file(f"gen/{i}.py", 2) for i in range(60)] + [_file(f"img/{i}.png", 1, True) for i in range(3)]
    verdict = evaluate(_snapshot(_file("src/a.py", 5), *files, rules=EXCLUDE_GEN))
    markdown, text = to_markdown(verdict), _terminal(verdict)
    for row in (
        "| excluded | 123 | 63 | 63 |",
        "| excluded: by config | 120 | 60 | 60 |",
        "| excluded: binary | 3 |",
    ):
        assert row in markdown
    assert "gen/7.py" not in markdown
    assert "excluded: by config" in text
    assert "gen/7.py" not in text
    assert len(to_contract(verdict)["size"]["changed_files"]) == 64


def test_a_few_excluded_files_are_listed() -> None:
    """Up to 50 excluded files are listed with their reason, folded in Markdown."""
    verdict = evaluate(_snapshot(_file("src/a.py", 5), _file("gen/x.py", 4), rules=EXCLUDE_GEN))
    markdown = to_markdown(verdict)
    assert "| excluded: by config | 4 | 1 | 1 |" in markdown
    assert "<details><summary>Excluded from the size (1 file)</summary>" in markdown
    assert "| `gen/x.py` | excluded by config | 4 | 1 |" in markdown


def test_sarif_shape() -> None:
    """SARIF 2.1.0 with the rule catalogue in the driver; located findings carry a region."""
    verdict = evaluate(_snapshot(_file("a.py", 3), rules="size:\n  max_line: 3\n"))
    sarif = to_sarif(verdict)
    assert validation_errors(sarif) == []
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


def test_sarif_pull_request_findings_sit_on_the_rules_file() -> None:
    """A size limit is about the whole pull request; code scanning takes no result without a location,
    so it is placed on line 1 of the rules file, and the log stays schema-valid."""
    sarif = to_sarif(evaluate(_snapshot(_file("src/a.py", 900))))
    assert validation_errors(sarif) == []
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": RULES_PATH}, "region": {"startLine": 1}}}
    ]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        pytest.param("docs/read me.md", "docs/read%20me.md", id="space"),
        pytest.param("a/#1 100%?.py", "a/%231%20100%25%3F.py", id="hash-percent-query"),
        pytest.param("c:/x.py", "c%3A/x.py", id="colon-is-no-scheme"),
        pytest.param("naïve/日本.py", "na%C3%AFve/%E6%97%A5%E6%9C%AC.py", id="non-ascii"),
        pytest.param("caf\udce9.py", "caf%E9.py", id="undecodable-byte"),
    ],
)
def test_sarif_uri_is_percent_encoded(path: str, uri: str) -> None:
    """An artifact URI is the path as a relative URI reference, each byte that needs it percent-encoded."""
    assert artifact_uri(path) == uri


@pytest.mark.parametrize("path", ["src/[/]x.py", "src/[bold]x[/bold].py", "src/a\\", "src/:smile:.py"])
def test_terminal_shows_markup_in_a_path_as_it_is(path: str) -> None:
    """A path that looks like rich markup or an emoji code neither crashes the text output nor styles it."""
    text = _terminal(evaluate(_snapshot(_file(path, 900))))
    assert f"       {path}\n" in text


def test_terminal_escapes_control_characters() -> None:
    """ESC and other control bytes in a path are shown as escapes, never sent to the terminal."""
    text = _terminal(evaluate(_snapshot(_file("src/\x1b]0;pwned\x07\x1b[2J.py", 900))))
    assert "src/\\x1b]0;pwned\\x07\\x1b[2J.py" in text
    assert "\x1b" not in text


def test_terminal_does_not_wrap_off_a_terminal() -> None:
    """Off a terminal (a CI log) a long line stays one line: no wrapping at 80 columns, no colour codes."""
    path = "src/" + "very_long_directory_name/" * 8 + "module.py"
    text = _terminal(evaluate(_snapshot(_file(path, 900))))
    assert f"       {path}\n" in text
    assert "\x1b[" not in text
