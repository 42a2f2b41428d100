"""Rework of a push: how far the PR's own diff moved between two heads (bot/core/interdiff.py)."""

from __future__ import annotations

import pytest

from bot.core.interdiff import FileDiff, rework_lines


def diff(path: str, *lines: str) -> FileDiff:
    """A file's diff with `lines` (each starting with + or -) under one hunk header."""
    patch = "\n".join(("@@ -1,3 +1,3 @@", " context", *lines))
    return FileDiff(path, patch, sum(1 for x in lines if x[0] == "+"), sum(1 for x in lines if x[0] == "-"))


BEFORE = [diff("a.py", "+x = 1", "+y = 2"), diff("b.py", "-old = 0", "+new = 0")]
CASES = [
    ("the same diff (a rebase that leaves the changes alone)", BEFORE, 0),
    ("a line added", [diff("a.py", "+x = 1", "+y = 2", "+z = 3"), BEFORE[1]], 1),
    ("an added line rewritten", [diff("a.py", "+x = 1", "+y = 20"), BEFORE[1]], 2),
    ("a file's change dropped", [BEFORE[0]], 2),
    ("a new file", [*BEFORE, diff("c.py", "+c = 1", "+d = 2")], 2),
    (
        "a binary file's counts",
        [*BEFORE[:1], FileDiff("b.py", None, 4, 1)],
        3,
    ),
]


@pytest.mark.parametrize(("after", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rework_lines(after: list[FileDiff], expected: int) -> None:
    """The lines in which the diff after differs from the diff before, each side counted."""
    assert rework_lines(BEFORE, after) == expected


def test_context_and_hunk_headers_do_not_count() -> None:
    """Moving a hunk (other header, other context) with the same changed lines is no rework."""
    moved = FileDiff("a.py", "@@ -10,3 +10,4 @@\n other\n+x = 1\n+y = 2", 2, 0)
    assert rework_lines(BEFORE[:1], [moved]) == 0
