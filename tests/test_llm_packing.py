"""Prompt packing: changed hunks only, ranked, stripped when tight, every file either sent or listed."""

from __future__ import annotations

import pytest

from bot.core.diff import parse_diff
from bot.core.findings import Finding, Scope, Severity
from bot.core.snapshot import (
    ChangedFile,
    FileStatus,
    GitAttributesFile,
    Hunk,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.llm.packing import STRIP_ORDER, Strip, Unseen, pack_diff
from bot.llm.tokens import estimate_tokens

INFO = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="a" * 40, head_sha="b" * 40)
SERVICE = '''"""Billing service."""

import json
import logging
from decimal import Decimal

log = logging.getLogger(__name__)


def total(items):
    """Sum the items.

    Every item has a price.
    """
    # prices are Decimals already
    amount = sum(Decimal(i["price"]) for i in items)
    log.info("total %s", amount)
    return amount


def dump(items):
    return json.dumps(items)
'''
# The pull request added the imports, `total` with its docstring and comment, and `dump`'s return.
SERVICE_DIFF = """diff --git a/billing/service.py b/billing/service.py
--- a/billing/service.py
+++ b/billing/service.py
@@ -2,0 +3,3 @@
+import json
+import logging
+from decimal import Decimal
@@ -6,0 +10,9 @@
+def total(items):
+    \"\"\"Sum the items.
+
+    Every item has a price.
+    \"\"\"
+    # prices are Decimals already
+    amount = sum(Decimal(i["price"]) for i in items)
+    log.info("total %s", amount)
+    return amount
@@ -13 +22 @@
-    return str(items)
+    return json.dumps(items)
"""


def _file(path: str, added: range, *, head: bytes | None = None) -> ChangedFile:
    """A modified file whose one hunk adds the lines `added`."""
    hunk = Hunk(added.start, 0, added.start, len(added), added, ())
    size = None if head is None else len(head)
    return ChangedFile(path, FileStatus.MODIFIED, len(added), 0, hunks=(hunk,), head=head, head_size=size)


def _snapshot(*files: ChangedFile, repository: RepositoryFiles | None = None) -> PullRequestSnapshot:
    return PullRequestSnapshot(INFO, files, repository=repository or RepositoryFiles())


def _lines(count: int, word: str = "value") -> str:
    return "".join(f"{word}_{n} = compute({n})\n" for n in range(1, count + 1))


def test_only_the_changed_hunks_go_in_with_their_context() -> None:
    """Added lines are marked with their head line number; three lines of context around them; the rest
    of the file and the removed lines' text are not sent (a removal is only counted)."""
    (service,) = parse_diff(SERVICE_DIFF)
    packed = pack_diff(_snapshot(service), [], budget=10_000, texts={"billing/service.py": SERVICE})
    lines = packed.text.splitlines()
    assert lines[0] == "### billing/service.py (modified, +13 -1)"
    assert "+3: import json" in lines
    assert " 7: log = logging.getLogger(__name__)" in lines  # context
    assert "- (1 line removed)" in lines
    assert "+22:     return json.dumps(items)" in lines
    assert packed.files == ("billing/service.py",)
    assert packed.unseen == ()
    assert packed.stripped == {}
    assert packed.tokens == estimate_tokens(packed.text) <= 10_000


def test_context_is_three_lines_each_side() -> None:
    """Of a 40-line file with line 20 added, lines 17 to 23 are sent and nothing else."""
    packed = pack_diff(_snapshot(_file("a.py", range(20, 21))), [], 10_000, texts={"a.py": _lines(40)})
    numbers = [line.split(":")[0] for line in packed.text.splitlines()[2:]]
    assert numbers == [" 17", " 18", " 19", "+20", " 21", " 22", " 23"]


def test_files_left_out_are_listed_with_why() -> None:
    """Generated (by the base's .gitattributes), lockfile, binary, removed, deletion-only, patchless and
    text-less files are never sent, and each is listed; deletion-only hunks are counted."""
    go_sum = b"example.com/mod v1.0.0 h1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=\n"
    files = (
        _file("src/app.py", range(1, 3)),
        _file("gen/client.py", range(1, 3)),
        _file("go.sum", range(1, 2), head=go_sum),
        ChangedFile("logo.png", FileStatus.MODIFIED, 0, 0, binary=True),
        ChangedFile("old.py", FileStatus.REMOVED, 0, 4, hunks=(Hunk(1, 4, 0, 0, (), range(1, 5)),)),
        ChangedFile("trim.py", FileStatus.MODIFIED, 0, 2, hunks=(Hunk(3, 2, 2, 0, (), range(3, 5)),)),
        ChangedFile("big.sql", FileStatus.MODIFIED, 9000, 0, patch_available=False),
        _file("src/untexted.py", range(1, 2)),
    )
    repository = RepositoryFiles(
        gitattributes=(GitAttributesFile("", "gen/** linguist-generated\n"),),
        manifests={"go.mod": "module x\n"},
    )
    texts = {"src/app.py": _lines(5), "gen/client.py": _lines(5)}
    packed = pack_diff(_snapshot(*files, repository=repository), [], budget=10_000, texts=texts)
    assert packed.files == ("src/app.py",)
    assert packed.unseen == (
        Unseen("gen/client.py", "generated"),
        Unseen("go.sum", "lockfile"),
        Unseen("logo.png", "binary"),
        Unseen("old.py", "removed"),
        Unseen("trim.py", "deletions only"),
        Unseen("big.sql", "no patch (GitHub sends none for large files)"),
        Unseen("src/untexted.py", "its text at the head was not gathered"),
    )
    assert packed.deletion_only_hunks == 2
    # The naive prompt has the generated file's hunk too.
    assert packed.naive_tokens > packed.tokens


def test_text_that_does_not_match_the_diff_is_not_sent() -> None:
    """A diff naming line 9 of a 5-line text is not rendered from the wrong text."""
    packed = pack_diff(_snapshot(_file("a.py", range(9, 10))), [], 10_000, texts={"a.py": _lines(5)})
    assert packed.unseen == (Unseen("a.py", "its text at the head does not match the diff"),)


def test_main_language_first_then_findings() -> None:
    """Python has most added lines, so Python files lead; among them the one with an error; then the Go
    file despite its finding; docs last."""
    files = (
        _file("docs/guide.md", range(1, 3)),
        _file("cmd/main.go", range(1, 3)),
        _file("pkg/quiet.py", range(1, 6)),
        _file("pkg/flagged.py", range(1, 4)),
    )
    findings = [
        Finding("size", Severity.ERROR, "big", path="pkg/flagged.py", line=1, scope=Scope.ADDED),
        Finding("size", Severity.ERROR, "big", path="cmd/main.go", line=1, scope=Scope.ADDED),
        Finding("size", Severity.INFO, "pull request", scope=Scope.PULL_REQUEST),
    ]
    texts = {f.path: _lines(6) for f in files}
    packed = pack_diff(_snapshot(*files), findings, 10_000, texts=texts)
    assert packed.files == ("pkg/flagged.py", "pkg/quiet.py", "cmd/main.go", "docs/guide.md")


def test_strips_in_order_only_as_far_as_needed() -> None:
    """Under a budget a little short of the whole diff, the first strip level is used and counted; under
    tighter budgets, each further level in turn; a budget that fits everything strips nothing."""
    (service,) = parse_diff(SERVICE_DIFF)
    texts = {"billing/service.py": SERVICE}
    full = pack_diff(_snapshot(service), [], 10_000, texts=texts).tokens
    seen_levels: list[tuple[Strip, ...]] = []
    for budget in range(full, 0, -1):
        packed = pack_diff(_snapshot(service), [], budget, texts=texts)
        assert packed.tokens <= budget
        if not packed.files:
            assert packed.unseen[0].reason.startswith("over the token budget")
            break
        levels = tuple(packed.stripped)
        assert levels == STRIP_ORDER[: len(levels)]
        if not seen_levels or seen_levels[-1] != levels:
            seen_levels.append(levels)
    assert seen_levels[0] == ()
    assert [len(levels) for levels in seen_levels] == list(range(len(STRIP_ORDER) + 1))


def test_what_each_level_strips() -> None:
    """With every level on, the comment, the docstring's lines, the imports and all context are gone and
    counted; the added code stays."""
    (service,) = parse_diff(SERVICE_DIFF)
    texts = {"billing/service.py": SERVICE}
    full = pack_diff(_snapshot(service), [], 10_000, texts=texts)
    tight = None
    for budget in range(full.tokens, 0, -1):
        packed = pack_diff(_snapshot(service), [], budget, texts=texts)
        if len(packed.stripped) == len(STRIP_ORDER) and packed.files:
            tight = packed
    assert tight is not None
    assert tight.stripped[Strip.COMMENTS] == 1
    assert tight.stripped[Strip.DOCSTRINGS] == 4
    assert tight.stripped[Strip.IMPORTS] == 3
    assert tight.stripped[Strip.CONTEXT] + tight.stripped[Strip.REPEATED_CONTEXT] > 0
    code = [line for line in tight.text.splitlines() if line.startswith("+")]
    assert code == [
        "+10: def total(items):",
        '+16:     amount = sum(Decimal(i["price"]) for i in items)',
        '+17:     log.info("total %s", amount)',
        "+18:     return amount",
        "+22:     return json.dumps(items)",
    ]


def test_over_budget_leaves_out_the_lowest_ranked_whole() -> None:
    """When stripping is not enough, files are left out whole, lowest rank first, and listed; a smaller
    file further down may still fit."""
    files = (_file("a.py", range(1, 41)), _file("b.py", range(1, 41)), _file("c.py", range(1, 3)))
    texts = {"a.py": _lines(40, "alpha"), "b.py": _lines(40, "beta"), "c.py": _lines(2, "gamma")}
    first = pack_diff(_snapshot(files[0]), [], 10_000, texts=texts).tokens
    last = pack_diff(_snapshot(files[2]), [], 10_000, texts=texts).tokens
    budget = first + 1 + last  # a newline between the two sections
    findings = [Finding("r", Severity.WARNING, "w", path="a.py", line=1)]
    packed = pack_diff(_snapshot(*files), findings, budget, texts=texts)
    assert packed.files == ("a.py", "c.py")
    (dropped,) = packed.unseen
    assert dropped.path == "b.py"
    assert dropped.reason.startswith("over the token budget")
    assert packed.tokens == budget
    assert packed.stripped == dict.fromkeys(STRIP_ORDER, 0)  # every level tried, none of use here


@pytest.mark.parametrize("budget", [0, 5, 50, 500, 5000], ids=lambda b: f"budget_{b}")
def test_every_file_is_sent_or_listed(budget: int) -> None:
    """Whatever the budget, each changed file is either in the prompt or in the unseen list, never both,
    and the estimate never exceeds the budget."""
    (service,) = parse_diff(SERVICE_DIFF)
    files = (service, _file("b.py", range(1, 20)), _file("gen.lock", range(1, 2)))
    texts = {"billing/service.py": SERVICE, "b.py": _lines(20), "gen.lock": "x\n"}
    packed = pack_diff(_snapshot(*files), [], budget, texts=texts)
    unseen = [u.path for u in packed.unseen]
    assert sorted([*packed.files, *unseen]) == sorted(f.path for f in files)
    assert not set(packed.files) & set(unseen)
    assert packed.tokens <= budget
