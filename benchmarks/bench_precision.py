"""How precise the tree-sitter checks are on mature code: every check rule, with its default severity,
over the files a grammar reads (Python, JavaScript, TypeScript, Go, Java, Rust, Ruby) of the installed
packages or of other code nobody here wrote, every line counted as added. Goal: at most 1 error-severity
finding per 10,000 lines, per language; an error there is most likely a false positive that would fail
someone's pull request.

Each file is checked under its path inside site-packages, so a package's own tests are classified as
tests, and with a pyproject.toml above it declaring what its distribution requires without a marker
(its installed metadata's `Requires-Dist`), so a guarded import of a required dependency is found as in
the package's own repository. Prints, per rule, the findings by severity and the errors per 10,000
lines, per language and over all; then the files and lines scanned, and the time of the whole rule set
(parse included) against the raw tree-sitter parse of the same files. `--show N` prints up to N error
findings per rule to stderr, to look at by hand. `--quick` (CI) checks a seeded sample of 300 files,
`--sample N` one of N. Instead of the installed packages: `--root PATH` checks the files under a folder
(npm's own `/usr/lib/node_modules`: JavaScript; Ruby's standard library `/usr/lib/ruby`; Debian's Rust
crates `/usr/share/cargo/registry`), each with the manifests found on disk above it; `--git-dir DIR` the
files of a repository's HEAD (a bare repository will do); `--zip PATH` the files of an archive (the JDK's
`lib/src.zip`). Each may be given more than once; the files are unpacked into a temporary folder.

python benchmarks/bench_precision.py [--quick] [--sample N] [--show N] [--root PATH] [--git-dir DIR]
    [--zip PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import replace
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import figure
from bot.core.checks.languages import LANGUAGES, language_of, parser
from bot.core.checks.source import MAX_BYTES
from bot.core.files import classify
from bot.core.findings import Finding, Severity
from bot.core.snapshot import PullRequestSnapshot
from rules import RULES
from rules.base import Context
from rules.checks.common import added_file

QUICK_FILES = 300
PER_LINES = 10_000
BASELINE = "raw tree-sitter parse"
ON_DISK = ("package.json", "pyproject.toml", "setup.cfg", "requirements.txt")


def corpus(root: Path) -> list[tuple[str, bytes]]:
    """(path inside `root`, bytes) of every file under `root` a grammar reads, in path order. Files above
    the engine's size cap are left out (the engine skips them too)."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if language_of(relative) is None or path.is_symlink():
            continue
        text = path.read_bytes()
        if 0 < len(text) <= MAX_BYTES:
            found.append((relative, text))
    return found


def unpacked_git(git_dir: Path, into: Path) -> Path:
    """The files a grammar reads of the HEAD of the repository `git_dir`, written under `into` (a file
    whose contents the repository lacks, as a partial clone may, is left out)."""
    git = ["git", "--git-dir", str(git_dir)]
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True).stdout
    wanted = []
    for entry in listing.split(b"\0"):
        info, _, name = entry.partition(b"\t")
        path = name.decode("utf-8", "replace")
        if info.startswith(b"100") and language_of(path) is not None:  # a regular file, not a link
            wanted.append((info.split()[2], path))
    batch = b"".join(sha + b"\n" for sha, _ in wanted)
    out = subprocess.run([*git, "cat-file", "--batch"], input=batch, capture_output=True, check=True).stdout
    at = 0
    for _, path in wanted:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].split()
        at = header_end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        (into / path).write_bytes(out[at : at + size])
        at += size + 1
    return into


def unpacked_zip(archive: Path, into: Path) -> Path:
    """The files a grammar reads of the zip `archive`, written under `into`."""
    with zipfile.ZipFile(archive) as unzip:
        unzip.extractall(into, [n for n in unzip.namelist() if language_of(n) is not None])
    return into


def roots(arguments: argparse.Namespace, temporary: Path) -> list[Path]:
    """The folders to check: those given, and the repositories and archives given unpacked into
    `temporary`, each in a folder named after it."""
    found: list[Path] = [r.resolve() for r in arguments.root]
    for number, git_dir in enumerate(arguments.git_dir):
        name = git_dir.resolve().name if git_dir.resolve().name != "repo" else git_dir.resolve().parent.name
        found.append(unpacked_git(git_dir, temporary / f"{number}-{name}"))
    for number, archive in enumerate(arguments.zip):
        found.append(unpacked_zip(archive, temporary / f"zip{number}-{archive.stem}"))
    return found


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
    options.add_argument("--sample", type=int, default=0, metavar="N")
    options.add_argument("--show", type=int, default=0, metavar="N")
    options.add_argument("--root", type=Path, metavar="PATH", action="append", default=[])
    options.add_argument("--git-dir", type=Path, metavar="DIR", action="append", default=[])
    options.add_argument("--zip", type=Path, metavar="PATH", action="append", default=[])
    arguments = options.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        given = roots(arguments, Path(temporary))
        installed = not given
        folders = given or [Path(sysconfig.get_paths()["purelib"])]
        files = [(root, path, text) for root in folders for path, text in corpus(root)]
        size = QUICK_FILES if arguments.quick else arguments.sample
        if size:
            files = random.Random(0).sample(files, min(size, len(files)))
        named = [*arguments.root, *arguments.git_dir, *arguments.zip]
        measure(files, installed, arguments.show, ", ".join(map(str, named)) or "installed packages")


def measure(files: list[tuple[Path, str, bytes]], installed: bool, show: int, where: str) -> None:
    """Run every check rule over `files` (each under its path inside its root) and print the figures,
    per language and over all."""
    checks = [(rule, rule.config()) for rule in RULES.rules if rule.section.startswith("checks.")]
    manifests = declared() if installed else {}
    counts: Counter[tuple[str, str, Severity]] = Counter()
    errors: defaultdict[str, list[Finding]] = defaultdict(list)
    lines: Counter[str] = Counter()
    scanned: Counter[str] = Counter()
    parse_s = checks_s = 0.0
    for root, path, raw in files:
        text = raw.decode("utf-8", "replace")
        snapshot = added_file(path, text)
        if installed:
            snapshot = with_manifest(snapshot, path, manifests)
        else:
            snapshot = with_manifests_on_disk(snapshot, path, root)
        data = text.encode()
        language = language_of(path)
        assert language is not None
        lines[language] += data.count(b"\n")
        scanned[language] += 1
        start = time.perf_counter()
        parser(language).parse(data)
        parse_s += time.perf_counter() - start
        context = Context(snapshot, classify(snapshot))
        start = time.perf_counter()
        found = [f for rule, config in checks for f in rule.run(context, config).findings]
        checks_s += time.perf_counter() - start
        for finding in found:
            counts[language, finding.rule, finding.severity] += 1
            if finding.severity is Severity.ERROR:
                errors[finding.rule].append(finding)
    for language in (name for name in LANGUAGES if not scanned[name]):
        figure(
            f"{language}: not measured, no {language} files in {where} (--root, --git-dir, --zip)", 0, "files"
        )
    for language in (name for name in LANGUAGES if scanned[name]):
        scope = f"{language}: {scanned[language]} files, {lines[language]} lines of {where}, every line added"
        for rule, _ in checks:
            for severity in Severity:
                if counts[language, rule.id, severity]:
                    figure(
                        f"{language} {rule.id}: {severity.value} findings ({scope})",
                        counts[language, rule.id, severity],
                        "findings",
                    )
        total = sum(
            n for (name, _, severity), n in counts.items() if name == language and severity is Severity.ERROR
        )
        figure(
            f"{language}: errors per {PER_LINES:,} lines (goal <= 1; {scope})",
            _per(total, lines[language]),
            "",
        )
    for rule, _ in checks:
        for finding in errors[rule.id][:show]:
            print(f"{rule.id}: {finding.path}:{finding.line}: {finding.message}", file=sys.stderr)
    total = sum(n for (_, _, severity), n in counts.items() if severity is Severity.ERROR)
    all_lines = sum(lines.values())
    figure(f"all languages: errors per {PER_LINES:,} lines (goal <= 1)", _per(total, all_lines), "")
    figure("files scanned", len(files), "files")
    figure("lines scanned", all_lines, "lines")
    figure(
        f"all check rules over {len(files)} files of {where}, parse included",
        checks_s,
        "s",
        BASELINE,
        parse_s,
    )


def _per(count: int, lines: float) -> float:
    return count * PER_LINES / lines if lines else 0.0


if __name__ == "__main__":
    main()
