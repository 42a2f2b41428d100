"""How fast CODEOWNERS matching is: scopegate's matcher against fnmatch over the same lines, same run.

The baseline is the naive reading (every line, last match wins, `fnmatch` on the path); it is not GitHub's
semantics, only a yardstick. The issue's target baseline, the `codeowners` package, is not wired in yet.
"""

from __future__ import annotations

import argparse
import fnmatch
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import figure, median_seconds
from bot.core.owners import owners_of, parse_codeowners


def main() -> None:
    """Print the time to match the paths with each matcher, one JSON figure."""
    options = argparse.ArgumentParser()
    options.add_argument("--quick", action="store_true")
    quick = options.parse_args().quick
    lines, count = (200, 5_000) if quick else (2_000, 100_000)
    rng = random.Random(11)
    folders = [f"pkg{i}/mod{j}" for i in range(40) for j in range(50)]
    text = "\n".join(f"/{rng.choice(folders)}/ @team{i}" for i in range(lines))
    paths = [f"{rng.choice(folders)}/file{rng.randrange(100)}.py" for _ in range(count)]
    parsed = parse_codeowners(text)
    naive = [(ln.split()[0].strip("/") + "/*", ln.split()[1]) for ln in text.splitlines()]

    def ours() -> None:
        for path in paths:
            owners_of(parsed, path)

    def baseline() -> None:
        for path in paths:
            next((o for p, o in reversed(naive) if fnmatch.fnmatchcase(path, p)), None)

    repeat = 1
    figure(
        f"match {count} paths, {lines}-line CODEOWNERS",
        median_seconds(ours, repeat) * 1000,
        "ms",
        "fnmatch, last line wins",
        median_seconds(baseline, repeat) * 1000,
    )


if __name__ == "__main__":
    main()
