"""Shared helpers for benchmarks: timing, child peak memory, and the one-JSON-object-per-figure output."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


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
    """Run a command; return its wall time in seconds and its own peak RSS in MiB (from wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read() if process.stderr else b""
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{argv[0]} exited {process.returncode}: {stderr.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024
