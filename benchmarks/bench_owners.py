"""CODEOWNERS matching against the `codeowners` package: how fast, and where the two answer differently.

The `codeowners` package (PyPI) tries every line's regex on every path, last line first. The same synthetic
CODEOWNERS and paths go to both in the same run; the file mixes the documented forms (`*.ext` defaults,
anchored folders and files, names anywhere, `docs/*`, `**`, lines that clear ownership) with lines GitHub
skips. Each path where the two disagree is counted under the GitHub rule that explains it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeowners import CodeOwners

from benchmarks.common import figure
from bot.core.owners import Codeowners, owners_of, parse_codeowners

_WORDS = ["api", "app", "auth", "cache", "cli", "core", "db", "docs", "gen", "lib", "net", "ops", "src", "ui"]
_EXTS = ["py", "js", "ts", "go", "md", "json", "yml", "c", "h", "rs"]
# (share, line from a folder, an extension, a team and a user); GitHub skips or cuts short the last five.
_LINES: list[tuple[float, Callable[[str, str, str, str], str]]] = [
    (0.50, lambda f, e, t, u: f"/{f}/ {t} {u}"),
    (0.10, lambda f, e, t, u: f"/{f}/f1.{e} {t}"),
    (0.05, lambda f, e, t, u: f"/{f}/* {t}"),
    (0.05, lambda f, e, t, u: f"/{f}/**/*.{e} {t}"),
    (0.05, lambda f, e, t, u: f"{f.rsplit('/', 1)[-1]}/ {t}"),
    (0.03, lambda f, e, t, u: f"**/{f.rsplit('/', 1)[-1]}/f2.{e} {t}"),
    (0.03, lambda f, e, t, u: f"/{f}/"),  # clears ownership
    (0.10, lambda f, e, t, u: f"# owners of {f}"),
    (0.04, lambda f, e, t, u: ""),
    (0.01, lambda f, e, t, u: f"/{f}/*.[ch] {t}"),  # `[ ]`: GitHub skips the line
    (0.01, lambda f, e, t, u: f"!/{f}/ {t}"),  # `!`: GitHub skips the line
    (0.01, lambda f, e, t, u: f"/{f}/ {t} {u[1:]}"),  # an owner that is none: GitHub skips the line
    (0.01, lambda f, e, t, u: f"/{f}/ {t} # was {u}"),  # the owners end at `#`
    (0.01, lambda f, e, t, u: f"\\#{f} {t}"),  # no escaping a leading `#`: GitHub skips the line
]
# Why the package's answer is not GitHub's, by the reason scopegate gives for skipping the line it chose.
_CAUSES = {
    "character": "GitHub skips a line with [ ]; codeowners reads a character range",
    "negation": "GitHub skips a line starting with !; codeowners reads a literal !",
    "escaping": "GitHub skips a line starting with \\#; codeowners reads an escaped #",
    "the": "GitHub skips the pattern /; codeowners keeps it",
}
_BAD_OWNER = (
    "GitHub skips a line with an owner that is no @user, @org/team or email; codeowners drops the owner"
)


def _tree(rng: random.Random, folders: int) -> list[str]:
    out = {"src"}
    while len(out) < folders:
        parent = rng.choice(sorted(out)) if rng.random() < 0.8 else ""
        name = f"{rng.choice(_WORDS)}{rng.randrange(30)}"
        out.add(f"{parent}/{name}" if parent else name)
    return sorted(out)


def _codeowners(rng: random.Random, folders: list[str], lines: int) -> str:
    """`lines` lines: defaults first, as GitHub's example and large repositories write them, then the rest."""
    out = ["# synthetic CODEOWNERS", "* @org/everyone", *(f"*.{ext} @org/{ext}-owners" for ext in _EXTS)]
    shares, makers = zip(*_LINES, strict=True)
    while len(out) < lines:
        (make,) = rng.choices(makers, shares)
        out.append(
            make(
                rng.choice(folders),
                rng.choice(_EXTS),
                f"@org/t{rng.randrange(300)}",
                f"@u{rng.randrange(500)}",
            )
        )
    return "\n".join(out)


def _paths(rng: random.Random, folders: list[str], count: int) -> list[str]:
    return [f"{rng.choice(folders)}/f{rng.randrange(40)}.{rng.choice(_EXTS)}" for _ in range(count)]


def _why(ours: Codeowners, ours_line: int | None, theirs_line: int | None) -> str:
    """The GitHub rule behind one disagreement, named from the line the package chose."""
    skipped = {bad.line: bad.reason for bad in ours.invalid}
    if theirs_line in skipped:
        return _CAUSES.get(skipped[theirs_line].split()[0], _BAD_OWNER)
    if theirs_line == ours_line:
        return "same line; GitHub ends the owners at an inline #, codeowners reads the @names after it"
    return "unexplained"


def main() -> None:
    """Print both matchers' times for the same paths, their ratio, and the disagreements by cause."""
    options = argparse.ArgumentParser()
    options.add_argument("--quick", action="store_true")
    quick = options.parse_args().quick
    lines, count, folders = (200, 5_000, 300) if quick else (2_000, 100_000, 3_000)
    rng = random.Random(11)
    tree = _tree(rng, folders)
    text = _codeowners(rng, tree, lines)
    paths = _paths(rng, tree, count)

    start = time.perf_counter()
    ours = parse_codeowners(text)
    ours_parse = time.perf_counter() - start
    start = time.perf_counter()
    theirs = CodeOwners(text)
    theirs_parse = time.perf_counter() - start

    owners_of(ours, paths[0])  # warm
    start = time.perf_counter()
    our_answers = [owners_of(ours, path) for path in paths]
    ours_match = time.perf_counter() - start
    start = time.perf_counter()
    their_answers = [theirs.matching_line(path) for path in paths]
    theirs_match = time.perf_counter() - start

    causes: Counter[str] = Counter()
    for mine, (owned, line, _pattern, _section) in zip(our_answers, their_answers, strict=True):
        if (mine.line, mine.owners) != (line, tuple(name for _kind, name in owned)):
            causes[_why(ours, mine.line, line)] += 1

    shape = f"{count} paths, {lines}-line CODEOWNERS"
    figure(f"match {shape}", ours_match * 1000, "ms", "codeowners (PyPI)", theirs_match * 1000)
    figure(f"per path, {lines}-line CODEOWNERS", ours_match / count * 1e6, "us", "codeowners (PyPI)",
           theirs_match / count * 1e6)  # fmt: skip
    figure(
        f"parse {lines}-line CODEOWNERS", ours_parse * 1000, "ms", "codeowners (PyPI)", theirs_parse * 1000
    )
    figure(f"lines GitHub skips, of {lines}", len(ours.invalid), "lines")
    figure(f"paths where scopegate and codeowners disagree, of {count}", sum(causes.values()), "paths")
    for cause, number in sorted(causes.items()):
        figure(f"disagreements: {cause}", number, "paths")


if __name__ == "__main__":
    main()
