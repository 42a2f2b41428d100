"""Shared helpers for benchmarks: timing, child peak memory, and the one-JSON-object-per-figure output."""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

GNU_TIME = "/usr/bin/time"  # Debian's `time` package; .ci/run installs it where it is missing


def figure(
    name: str, value: float, unit: str, baseline: str | None = None, baseline_value: float | None = None
) -> None:
    """Print one figure as a JSON line (DESIGN §10), with its ratio to the baseline when there is one."""
    row: dict[str, object] = {"figure": name, "value": round(value, 3), "unit": unit}
    if baseline is not None and baseline_value is not None:
        row |= {"baseline": baseline, "baseline_value": round(baseline_value, 3)}
        row["ratio"] = round(value / baseline_value, 2) if baseline_value else None
    print(json.dumps(row), flush=True)


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` runs of `action`, after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_child(argv: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Run a command in `cwd`; return its wall time in seconds and its own peak RSS in MiB.

    The peak is measured by GNU time, which forks the command from its own small process: wait4 from
    here would not do, because Linux carries the parent's resident size into a forked (or vforked)
    child's peak, so a `git diff` started from this benchmark would report the benchmark's memory.
    """
    with tempfile.NamedTemporaryFile(mode="r") as peak:
        start = time.perf_counter()
        done = subprocess.run(
            [GNU_TIME, "-f", "%M", "-o", peak.name, *argv],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{argv[0]} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
        kib = int(peak.read().split()[-1])
    return elapsed, kib / 1024
