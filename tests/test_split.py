"""Split plans: parts under the limit, grouped by area, tests beside their code."""

from __future__ import annotations

from bot.core.files import FileFacts, Kind, counted_kind
from rules.size.split import plan_split


def _file(path: str, lines: int) -> FileFacts:
    return FileFacts(path, counted_kind(path), lines, 0)


def test_parts_respect_limit_and_keep_areas() -> None:
    """Deep areas are split until each part fits; neighbours inside one area are joined."""
    files = [
        _file("src/api/a.py", 300),
        _file("src/api/b.py", 300),
        _file("src/db/x.py", 50),
        _file("src/db/y.py", 40),
        _file("web/app.ts", 350),
        _file("docs/guide.md", 100),
    ]
    plan = plan_split(files, max_lines=400, max_files=60)
    assert all(part.lines <= 400 for part in plan)
    assert sorted(p for part in plan for p in part.paths) == sorted(f.path for f in files)
    titles = [part.title for part in plan]
    assert titles[-1] == "docs/guide.md", "docs-only parts come last"
    assert "web/app.ts" in titles
    assert not any("web/" in t and "src/" in t for t in titles), "top-level areas are never mixed"


def test_file_above_limit_stands_alone() -> None:
    """A single file larger than the limit is its own part, not lost."""
    plan = plan_split([_file("big.py", 5000), _file("small.py", 10)], max_lines=800, max_files=60)
    assert [(p.paths, p.lines) for p in plan] == [(("big.py",), 5000), (("small.py",), 10)]


def test_tests_travel_with_their_code() -> None:
    """`tests/test_x.py`, `x_test.go` and `x.spec.ts` join the part holding `x`."""
    files = [
        _file("pkg/parser.py", 500),
        _file("tests/test_parser.py", 200),
        _file("svc/handler.go", 400),
        _file("svc/handler_test.go", 300),
        _file("ui/button.ts", 600),
        _file("ui/button.spec.ts", 100),
    ]
    assert _file("ui/button.spec.ts", 1).kind is Kind.TEST
    plan = plan_split(files, max_lines=800, max_files=60)
    by_path = {path: part for part in plan for path in part.paths}
    assert by_path["tests/test_parser.py"] is by_path["pkg/parser.py"]
    assert by_path["svc/handler_test.go"] is by_path["svc/handler.go"]
    assert by_path["ui/button.spec.ts"] is by_path["ui/button.ts"]


def test_file_count_limit_splits_too() -> None:
    """Too many files splits even when the lines fit."""
    files = [_file(f"src/m{i:02}.py", 1) for i in range(10)]
    plan = plan_split(files, max_lines=800, max_files=4)
    assert [len(p.paths) for p in plan] == [4, 4, 2]
