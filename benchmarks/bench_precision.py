"""How precise the tree-sitter checks are on mature code: every check rule, with its default severity,
over the Python, JavaScript and TypeScript files of the installed packages (code nobody here wrote),
every line counted as added. Goal: at most 1 error-severity finding per 10,000 lines; an error there is
most likely a false positive that would fail someone's pull request.

Each file is checked under its path inside site-packages, so a package's own tests are classified as
tests, and with a pyproject.toml above it declaring what its distribution requires without a marker
(its installed metadata's `Requires-Dist`), so a guarded import of a required dependency is found as in
the package's own repository. Prints, per rule, the findings by severity and the errors per 10,000
lines; then the files and lines scanned, and the time of the whole rule set (parse included) against the
raw tree-sitter parse of the same files. `--show N` prints up to N error findings per rule to stderr,
to look at by hand. `--quick` (CI) checks a seeded sample of 300 files. `--root PATH` checks the files
under another folder instead (npm's own `/usr/lib/node_modules`: JavaScript), each with the manifests
found on disk above it.

python benchmarks/bench_precision.py [--quick] [--show N] [--root PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import sysconfig
import time
from collections import Counter, defaultdict
from dataclasses import replace
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import figure
from bot.core.checks.languages import language_of, parser
from bot.core.checks.source import MAX_BYTES
from bot.core.files import classify
from bot.core.findings import Finding, Severity
from bot.core.snapshot import PullRequestSnapshot
from rules import RULES
from rules.base import Context
from rules.checks.common import added_file

SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".tsx")
QUICK_FILES = 300
PER_LINES = 10_000
BASELINE = "raw tree-sitter parse"
ON_DISK = ("package.json", "pyproject.toml", "setup.cfg", "requirements.txt")


def corpus(root: Path, quick: bool) -> list[tuple[str, bytes]]:
    """(path inside `root`, bytes) of every checked file a grammar reads, in path order; a seeded sample
    with `quick`. Files above the engine's size cap are left out (the engine skips them too)."""
    paths = sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    found = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        text = path.read_bytes()
        if language_of(relative) is not None and 0 < len(text) <= MAX_BYTES:
            found.append((relative, text))
    return random.Random(0).sample(found, min(QUICK_FILES, len(found))) if quick else found


def declared() -> dict[str, str]:
    """A pyproject.toml by top-level module (`yaml/pyproject.toml`; a single-file module's at the root,
    under its own name) listing the unconditional requirements of the distribution that installed it."""
    found = {}
    for top, names in metadata.packages_distributions().items():
        requires = [r for r in metadata.distribution(names[0]).requires or () if ";" not in r]
        found[top] = f"[project]\nname = {json.dumps(names[0])}\ndependencies = {json.dumps(requires)}\n"
    return found


def with_manifest(snapshot: PullRequestSnapshot, path: str, manifests: dict[str, str]) -> PullRequestSnapshot:
    """`snapshot` with the manifest of the package `path` is in, where a repository would keep it."""
    top, _, rest = path.partition("/")
    name = top if rest else top.rpartition(".")[0]
    if name not in manifests:
        return snapshot
    where = f"{top}/pyproject.toml" if rest else "pyproject.toml"
    return replace(snapshot, repository=replace(snapshot.repository, manifests={where: manifests[name]}))


def with_manifests_on_disk(snapshot: PullRequestSnapshot, path: str, root: Path) -> PullRequestSnapshot:
    """`snapshot` with the manifests found on disk in the folders above `path` (inside `root`)."""
    found = {}
    folder = (root / path).parent
    while folder == root or root in folder.parents:
        for name in ON_DISK:
            if (folder / name).is_file():
                found[(folder / name).relative_to(root).as_posix()] = (folder / name).read_text(
                    "utf-8", "replace"
                )
        folder = folder.parent
    return replace(snapshot, repository=replace(snapshot.repository, manifests=found))


def main() -> None:
    """Run the rule set over the corpus and print the figures."""
    options = argparse.ArgumentParser()
    options.add_argument("--quick", action="store_true")
    options.add_argument("--show", type=int, default=0, metavar="N")
    options.add_argument("--root", type=Path, metavar="PATH")
    arguments = options.parse_args()
    root = arguments.root.resolve() if arguments.root else Path(sysconfig.get_paths()["purelib"])
    files = corpus(root, arguments.quick)
    checks = [(rule, rule.config()) for rule in RULES.rules if rule.section.startswith("checks.")]
    manifests = {} if arguments.root else declared()
    counts: Counter[tuple[str, Severity]] = Counter()
    errors: defaultdict[str, list[Finding]] = defaultdict(list)
    lines = parse_s = checks_s = 0.0
    for path, raw in files:
        text = raw.decode("utf-8", "replace")
        snapshot = added_file(path, text)
        if arguments.root:
            snapshot = with_manifests_on_disk(snapshot, path, root)
        else:
            snapshot = with_manifest(snapshot, path, manifests)
        data = text.encode()
        lines += data.count(b"\n")
        language = language_of(path)
        assert language is not None
        start = time.perf_counter()
        parser(language).parse(data)
        parse_s += time.perf_counter() - start
        context = Context(snapshot, classify(snapshot))
        start = time.perf_counter()
        found = [f for rule, config in checks for f in rule.run(context, config).findings]
        checks_s += time.perf_counter() - start
        for finding in found:
            counts[finding.rule, finding.severity] += 1
            if finding.severity is Severity.ERROR:
                errors[finding.rule].append(finding)
    where = f"under {root}" if arguments.root else "of installed packages"
    scope = f"{len(files)} files, {int(lines)} lines {where}, every line added"
    for rule, _ in checks:
        for severity in Severity:
            figure(f"{rule.id}: {severity.value} findings ({scope})", counts[rule.id, severity], "findings")
        figure(f"{rule.id}: errors per {PER_LINES:,} lines", _per(counts[rule.id, Severity.ERROR], lines), "")
        for finding in errors[rule.id][: arguments.show]:
            print(f"{rule.id}: {finding.path}:{finding.line}: {finding.message}", file=sys.stderr)
    total = sum(n for (_, severity), n in counts.items() if severity is Severity.ERROR)
    figure(f"all check rules: errors per {PER_LINES:,} lines (goal <= 1)", _per(total, lines), "")
    figure("files scanned", len(files), "files")
    figure("lines scanned", lines, "lines")
    figure(f"all check rules over {scope}, parse included", checks_s, "s", BASELINE, parse_s)


def _per(count: int, lines: float) -> float:
    return count * PER_LINES / lines if lines else 0.0


if __name__ == "__main__":
    main()
