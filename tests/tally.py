"""What a property test compared, counted over its examples and reported once at the end of its module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import cast

import pytest
from _pytest.capture import CaptureManager


def reported_tally(
    request: pytest.FixtureRequest, summary: Callable[[Counter[str]], str]
) -> Iterator[Counter[str]]:
    """A counter for the examples to fill; once they have run, `summary` of it is written to the terminal
    (past output capture), so a CI log states how much was compared."""
    counts: Counter[str] = Counter()
    yield counts
    capture = cast("CaptureManager", request.config.pluginmanager.get_plugin("capturemanager"))
    reporter = cast("pytest.TerminalReporter", request.config.pluginmanager.get_plugin("terminalreporter"))
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\n{summary(counts)}")
