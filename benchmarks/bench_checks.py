"""How fast the tree-sitter checks are: the whole check rule set against the raw parse of the same file,
same run (goal: at most 2x the parse).

The files are real code from the installed packages, every line counted as added (the worst case for
the scopes): Python is mypy's `checker.py`, `semanal.py` and `checkexpr.py` joined (about 1.1 MB); the
only JavaScript file installed is werkzeug's debugger `debugger.js` (about 10 KB), repeated to about 1 MB.
The rule set's time includes the engine's own parse (each run reads a fresh context, nothing parsed); the
baseline is `Parser.parse` on the same bytes. The set is timed twice: with its defaults, and with every
rule on (those off by default, `function-metrics`, at `severity: warning`). Each rule's own time, on the
parsed tree and with the rule on, follows: the ratio says what share of a parse it costs. `--quick` (CI)
measures a quarter of each: mypy's `checkexpr.py`, and the debugger repeated to about 250 KB. `--cpu`
times each figure as this process's CPU time, the least of 9 runs: on a machine other jobs share,
wall-clock medians swing by a factor of two, and the least CPU time is closest to what the code costs.

python benchmarks/bench_checks.py [--quick] [--cpu]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import figure, median_seconds
from bot.core.checks.languages import language_of, parser
from bot.core.checks.source import parse
from bot.core.files import classify
from rules import RULES
from rules.base import Context, Rule
from rules.checks.common import CheckConfig, added_file

MB = 1_000_000
Timer = Callable[[Callable[[], object], int], float]
BASELINE = "raw tree-sitter parse"


def _package(name: str) -> Path:
    """The folder of installed package `name`, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"bench_checks needs the package {name} installed (pip install -e '.[dev]')")
    return Path(next(iter(spec.submodule_search_locations)))


def corpus(quick: bool) -> list[tuple[str, str, bytes]]:
    """(label, path, text) of the two measured files; a quarter of each with `quick` (CI)."""
    mypy = _package("mypy")
    names = ("checkexpr.py",) if quick else ("checker.py", "semanal.py", "checkexpr.py")
    python = b"".join((mypy / name).read_bytes() for name in names)
    debugger = (_package("werkzeug") / "debug" / "shared" / "debugger.js").read_bytes()
    copies = (MB // 4 if quick else MB) // len(debugger) + 1
    return [
        (f"mypy {'+'.join(n.removesuffix('.py') for n in names)}", "mypy/checks.py", python),
        (f"werkzeug debugger.js x{copies}", "static/debugger.js", debugger * copies),
    ]


def least_cpu_seconds(action: Callable[[], object], repeat: int) -> float:
    """The least CPU time of this process over `repeat` runs of `action`, after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return min(times)


def _off(config: object) -> bool:
    """Whether `config` is a built-in check's turned off (the custom rules' list has no severity)."""
    return isinstance(config, CheckConfig) and config.severity == "off"


def rule_configs(every: bool) -> list[tuple[Rule[Any], Any]]:
    """Each check rule with its default config; with `every`, those off by default at `severity: warning`."""
    checks = []
    for rule in RULES.rules:
        if rule.section.startswith("checks."):
            config = rule.config()
            checks.append((rule, rule.config(severity="warning") if every and _off(config) else config))
    return checks


def measure(label: str, path: str, text: bytes, repeat: int, timed: Timer = median_seconds) -> None:
    """Print the rule set's time and throughput on `text` against the raw parse's, with its defaults and
    with every rule on, then each rule's time on the parsed tree."""
    language = language_of(path)
    assert language is not None
    snapshot = added_file(path, text.decode("utf-8"))
    context = Context(snapshot, classify(snapshot))
    if parse(language, text) is None:
        raise SystemExit(f"{label}: the engine abandoned the parse (deadline): the figures would be empty")

    def rule_set(checks: list[tuple[Rule[Any], Any]]) -> None:
        fresh = Context(snapshot, classify(snapshot))  # its files not parsed yet
        for rule, config in checks:
            rule.run(fresh, config)

    parse_s = timed(lambda: parser(language).parse(text), repeat)
    lines, megabytes = text.count(b"\n"), len(text) / MB
    size = f"{megabytes:.2f} MB, {lines} lines, every line added"
    for every in (False, True):
        checks = rule_configs(every)
        whole_s = timed(partial(rule_set, checks), repeat)
        which = f"{label}, every rule on" if every else label
        figure(
            f"checks on {which} ({size}): {len(checks)} rules, parse included",
            whole_s * 1000,
            "ms",
            BASELINE,
            parse_s * 1000,
        )
        figure(f"checks on {which}: throughput", lines / whole_s, "lines/s", BASELINE, lines / parse_s)
        figure(f"checks on {which}: throughput", megabytes / whole_s, "MB/s", BASELINE, megabytes / parse_s)
    for rule, config in rule_configs(every=True):
        found = len(rule.run(context, config).findings)
        rule_s = timed(partial(rule.run, context, config), repeat)
        figure(
            f"checks on {label}: {rule.id} alone ({found} findings)",
            rule_s * 1000,
            "ms",
            BASELINE,
            parse_s * 1000,
        )


def main() -> None:
    """Print the figures for the Python and the JavaScript file."""
    options = argparse.ArgumentParser()
    options.add_argument("--quick", action="store_true")
    options.add_argument("--cpu", action="store_true")
    arguments = options.parse_args()
    for label, path, text in corpus(arguments.quick):
        if arguments.cpu:
            measure(label, path, text, 1 if arguments.quick else 9, least_cpu_seconds)
        else:
            measure(label, path, text, 1 if arguments.quick else 5)


if __name__ == "__main__":
    main()
