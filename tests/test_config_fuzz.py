"""Property tests of the rules loader: any YAML-ish text, validated on its own, through `scopegate rules
validate` and as a layer of `load_config`, gives located problems or none, never an exception, in bounded
time and memory; and a file that validates is one `check` can run with.

CI runs about 1,000 examples each; `HYPOTHESIS_PROFILE=full pytest -m fuzz tests/test_config_fuzz.py` 10,000.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.cli import main
from bot.core.config import load_config, validate_text
from bot.core.report.rulesdoc import render_rules_init
from bot.core.snapshot import ChangedFile, ConfigSource, FileStatus, PullRequestInfo, PullRequestSnapshot
from bot.core.verdict import evaluate
from rules import RULES

pytestmark = pytest.mark.fuzz

PROBLEM = re.compile(r"^(?P<file>.+?):\d+:\d+: .+$")
SECONDS = 1.0
PEAK_BYTES = 50 * 1024 * 1024
T = TypeVar("T")

# Real rules files to mutate: the generated default file, and the shapes the README shows.
REAL = [
    render_rules_init(RULES),
    "size:\n  max_lines: 300\n  labels: {XL: 2000}\n  exclude: ['**/__snapshots__/**', '*.snap']\n",
    "report:\n  comment: on-failure\noverride:\n  label: ship-it\n  min_permission: write\n",
    "size:\n  exclude:\n    - 'docs/**'\n    - '!docs/keep.md'\n  warn_lines: 100\n",
]

_PIECES = st.sampled_from(
    [
        "size",
        "max_lines",
        "warn_lines",
        "labels",
        "exclude",
        "report",
        "comment",
        "<<",
        "!!",
        "!!omap",
        "!!set",
        "!!python/object:os.system",
        "!!str",
        "!!int",
        "!!binary",
        "&a",
        "*a",
        "&b",
        "*b",
        ": ",
        ":",
        "- ",
        "? ",
        ",",
        "[",
        "]",
        "{",
        "}",
        "'",
        '"',
        "#",
        "|",
        ">",
        "%YAML 1.2",
        "---",
        "...",
        "\n",
        "\n  ",
        "\n    ",
        "\t",
        " ",
        "\x00",
        "\ufeff",
        "\x1b",
        "\u2028",
        ".inf",
        ".nan",
        "true",
        "null",
        "~",
        "0x",
        "0o",
        "1_000",
        "9" * 5000,
        "\\",
        "**/",
        "[z-a]",
        "!",
        "*a*a*c",
    ]
)
yamlish = st.lists(st.one_of(_PIECES, st.text(alphabet="abcXYZ019-_.*/ ", max_size=8)), max_size=40).map(
    "".join
)

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["**/a", "[z-a]", "!", "\\", "*.snap", "**/**/**/a", "*a*a*c", "#x", ""]),
)
_KEYS = st.one_of(
    st.sampled_from(["size", "max_lines", "warn_lines", "max_files", "labels", "exclude", "XS", "report"]),
    st.text(max_size=10),
)
documents = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(_KEYS, inner, max_size=5)),
    max_leaves=30,
)


def _dumped(value: object) -> str:
    stream = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.dump(value, stream)
    return stream.getvalue()


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real rules file with a few slices replaced, deleted or duplicated."""
    text = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 20)))
        insert = draw(st.one_of(yamlish, st.just(text[start:end] * 2), st.just("")))
        text = text[:start] + insert + text[end:]
    return text


texts = st.one_of(yamlish, documents.map(_dumped), mutated(), st.text(max_size=200))


def _bounded(run: Callable[[], T]) -> T:
    """`run()`, failing the example when it takes a second of CPU or more (CPU time of this process: the
    machine's other work does not count) twice in a row, or, run again under tracemalloc, its peak reaches
    50 MiB. (A first slow call may be paying for a module imported on first use, such as the glob compiler;
    a slow input is slow again.)"""
    started = time.process_time()
    result = run()
    elapsed = time.process_time() - started
    if elapsed >= SECONDS:
        started = time.process_time()
        run()
        elapsed = time.process_time() - started
    tracemalloc.start()
    try:
        run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < SECONDS, f"{elapsed:.2f} s"
    assert peak < PEAK_BYTES, f"{peak / 2**20:.1f} MiB"
    return result


def _snapshot(rules: tuple[ConfigSource, ...]) -> PullRequestSnapshot:
    from bot.core.snapshot import RepositoryFiles

    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    files = (
        ChangedFile("src/app.py", FileStatus.MODIFIED, 120, 3),
        ChangedFile("a/" * 200 + "__snapshots__/x.snap", FileStatus.ADDED, 40, 0),
    )
    return PullRequestSnapshot(info, files, repository=RepositoryFiles(rules=rules))


@given(texts)
@example("size:\n  <<: {max_lines: 300}\n")
@example("size:\n  max_lines: 1" + "0" * 5000 + "\n")
@example("size:\n  exclude: ['!']\n")
@example("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n")
@example("size: " + "[" * 5000 + "]" * 5000)
@example("-_")
@example("'[key]':")
@example("? : : ")
@example("%YAML 1.20\n---\nsize: {}\n")
@example("size: !!omap\n  - max_lines: 300\n  - max_lines: 400\n")
@example("size:\n  exclude: ['[z-a]', '**/**/**/**/**/**/a']\n")
@example("size:\n  labels: {XL: " + "9" * 5000 + "}\n")
@example("base: &b {max_lines: 300, exclude: ['!']}\nsize:\n  <<: [*b, {warn_lines: 1}]\n")
@example("size:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 400)))
@example("size: {max_lines: true, warn_lines: 1e400, max_files: -0}\n")
def test_any_text_gives_located_problems_or_none(text: str) -> None:
    """`validate_text` returns FILE:LINE:COL problems on one line each, for any text; `load_config` never
    raises; and when the file validates, the size rule runs with it without crashing."""
    problems = _bounded(lambda: validate_text(RULES, "x.yml", text))
    loaded = _bounded(lambda: load_config(RULES, (ConfigSource("x.yml", text),)))
    for problem in problems:
        assert PROBLEM.match(str(problem)), str(problem)
        assert problem.line >= 1
        assert problem.column >= 1
    assert loaded.problems == problems
    if not problems:
        verdict = evaluate(_snapshot((ConfigSource("x.yml", text),)), RULES, loaded)
        assert not [f for f in verdict.findings if "crashed" in f.message], verdict.findings


@given(texts, texts)
def test_any_two_layers_load(org: str, repo: str) -> None:
    """Two layers, each valid or not, valid together or not, load without an exception; every problem is
    located, and the effective config is one the size rule runs with."""
    layers = (ConfigSource("org.yml", org), ConfigSource("repo.yml", repo))
    loaded = _bounded(lambda: load_config(RULES, layers))
    assert all(PROBLEM.match(str(p)) for p in loaded.problems)
    verdict = evaluate(_snapshot(layers), RULES, loaded)
    assert not [f for f in verdict.findings if "crashed" in f.message], verdict.findings


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(b"size:\n  exclude: ['[z-a]']\n")
@example(b"size:\n  exclude: ['!']\n")
@example(b"size:\n  <<: {max_lines: 300}\n")
@example(b"\xff\xfe\x00s\x00i\x00z\x00e\x00")
@given(st.one_of(texts.map(lambda t: t.encode("utf-8", errors="surrogatepass")), st.binary(max_size=200)))
def test_cli_validate_exits_0_or_2_with_located_lines(tmp_path: Path, data: bytes) -> None:
    """`scopegate rules validate FILE` on any bytes exits 0 with no output or 2 with one
    `FILE:LINE:COL: message` line per problem, and nothing on stderr."""
    path = tmp_path / "scopegate.yml"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()

    def validate() -> int:
        out.seek(0)
        out.truncate()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(["rules", "validate", str(path)])

    code = _bounded(validate)
    lines = out.getvalue().splitlines()
    assert (code, bool(lines)) in {(0, False), (2, True)}, (code, lines)
    for line in lines:
        found = PROBLEM.match(line)
        assert found, line
        assert found["file"] == str(path)
    assert err.getvalue() == ""
