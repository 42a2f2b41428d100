"""`.gitattributes` matching for linguist-generated / linguist-vendored, as gitattributes(5) reads it."""

from __future__ import annotations

import pytest

from bot.core.gitattributes import GitAttributes
from bot.core.snapshot import GitAttributesFile

CASES = [
    ("*.pb.go linguist-generated", "", "api/v1/x.pb.go", True),
    ("*.pb.go linguist-generated=true", "", "x.pb.go", True),
    ("*.pb.go linguist-generated=false", "", "x.pb.go", False),
    ("*.pb.go -linguist-generated", "", "x.pb.go", False),
    ("/gen/*.py linguist-generated", "", "gen/a.py", True),
    ("/gen/*.py linguist-generated", "", "sub/gen/a.py", False),
    ("gen/*.py linguist-generated", "", "gen/deep/a.py", False),
    ("gen/** linguist-generated", "", "gen/deep/a.py", True),
    ("**/gen/*.py linguist-generated", "", "a/b/gen/x.py", True),
    ("gen/ linguist-generated", "", "gen/a.py", False),
    ("gen linguist-generated", "", "gen/a.py", False),
    ("*.py linguist-generated", "sub", "sub/x/a.py", True),
    ("*.py linguist-generated", "sub", "other/a.py", False),
    ("/a.py linguist-generated", "sub", "sub/a.py", True),
    ("file[0-9].txt linguist-generated", "", "file7.txt", True),
    ("file[!0-9].txt linguist-generated", "", "file7.txt", False),
    ("# *.py linguist-generated", "", "a.py", False),
    ("*.py text eol=lf", "", "a.py", False),
]


@pytest.mark.parametrize(
    ("line", "directory", "path", "expected"), CASES, ids=[c[0] + "|" + c[2] for c in CASES]
)
def test_patterns(line: str, directory: str, path: str, expected: bool) -> None:
    """Each pattern matches exactly the paths git would give the attribute to."""
    attributes = GitAttributes([GitAttributesFile(directory, line + "\n")])
    assert attributes.is_set(path, "linguist-generated") is expected


def test_deeper_file_overrides_root() -> None:
    """A nested `.gitattributes` takes precedence over the root's, and later lines over earlier ones."""
    files = [
        GitAttributesFile("api", "*.py -linguist-generated\nkeep/*.py linguist-generated\n"),
        GitAttributesFile("", "*.py linguist-generated\n"),
    ]
    attributes = GitAttributes(files)
    assert attributes.is_set("main.py", "linguist-generated")
    assert not attributes.is_set("api/main.py", "linguist-generated")
    assert attributes.is_set("api/keep/x.py", "linguist-generated")


def test_vendored_is_separate_attribute() -> None:
    """`linguist-vendored` does not imply generated, nor the reverse."""
    attributes = GitAttributes([GitAttributesFile("", "third/** linguist-vendored\n")])
    assert attributes.is_set("third/lib.c", "linguist-vendored")
    assert not attributes.is_set("third/lib.c", "linguist-generated")
