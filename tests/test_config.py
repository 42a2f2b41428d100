"""The rules file: validation with positions, layered merging, generated docs, hostile input."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
from pathspec import GitIgnoreSpec
from pydantic import ValidationError

from bot.cli import main
from bot.core.config import MAX_RULES_BYTES, load_config, rules_file_model, validate_bytes, validate_text
from bot.core.report.rulesdoc import render_explain, render_rules_init
from bot.core.snapshot import (
    ChangedFile,
    ConfigSource,
    FileStatus,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.core.verdict import evaluate
from rules import RULES
from rules.size import Config


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("size:\n  max_lines: 10\n  warn_lines: 5\n", []),
        ("", []),
        ("size:\n  max_lines: lots\n", ["x.yml:2:14: size.max_lines: Input should be a valid integer"]),
        ("sise:\n  max_lines: 1\n", ["x.yml:1:1: sise: unknown key"]),
        ("size:\n  max_lines: 100\n  warn_lines: 200\n", ["x.yml:1:1: size: Value error"]),
        ("size: [1, 2\n", ["x.yml:2:1: invalid YAML"]),
        ("- a\n- b\n", ["x.yml:1:1: the rules file must be a mapping of sections"]),
        ('size:\n  exclude: ["a", {a: b}]\n', ["x.yml:2:18: size.exclude.1: Input should be a valid string"]),
        ("report:\n  comment: loud\n", ["x.yml:2:12: report.comment: Input should be 'sticky'"]),
    ],
    ids=[
        "valid",
        "empty",
        "wrong-type",
        "unknown-section",
        "warn-above-max",
        "bad-yaml",
        "not-mapping",
        "list-item",
        "enum",
    ],
)
def test_validation_problems_name_file_line_and_column(text: str, expected: list[str]) -> None:
    """Every problem is reported as FILE:LINE:COL: message, pointing at the offending node."""
    problems = [str(p) for p in validate_text(RULES, "x.yml", text)]
    assert len(problems) == len(expected)
    for problem, prefix in zip(problems, expected, strict=True):
        assert problem.startswith(prefix)


def test_layers_merge_and_record_origins() -> None:
    """Later layers win key by key; explain says which file and line set each value."""
    org = ConfigSource("org/.github/scopegate.yml", "size:\n  max_lines: 600\n  max_files: 40\n")
    repo = ConfigSource(".github/scopegate.yml", "size:\n  max_lines: 500\n")
    loaded = load_config(RULES, (org, repo))
    assert (loaded.config.size.max_lines, loaded.config.size.max_files) == (500, 40)
    explained = render_explain(loaded)
    assert "size.max_lines: 500  # .github/scopegate.yml:2" in explained
    assert "size.max_files: 40  # org/.github/scopegate.yml:3" in explained
    assert "size.warn_lines: 250  # built-in default" in explained


def test_broken_layer_is_reported_and_skipped() -> None:
    """A broken layer never half-applies: its valid keys are ignored too, and the problem is kept."""
    loaded = load_config(RULES, (ConfigSource("r.yml", "size:\n  max_lines: 5\n  nope: 1\n"),))
    assert loaded.config.size.max_lines == 800
    assert [str(p) for p in loaded.problems] == ["r.yml:3:3: size.nope: unknown key"]


def test_rules_init_is_valid_and_holds_the_defaults() -> None:
    """`rules init` output validates and loads to exactly the built-in defaults."""
    text = render_rules_init(RULES)
    assert validate_text(RULES, "init.yml", text) == ()
    assert load_config(RULES, (ConfigSource("init.yml", text),)).config == rules_file_model(RULES)()
    assert text.count("# ") > 10


def test_schema_forbids_unknown_keys() -> None:
    """The JSON Schema editors use rejects unknown keys like the loader does."""
    schema = rules_file_model(RULES).model_json_schema()
    assert schema["additionalProperties"] is False
    assert "max_lines" in json.dumps(schema)


def _problems(text: str) -> list[str]:
    return [str(p) for p in validate_text(RULES, "x.yml", text)]


def _snapshot(lines: int, *layers: ConfigSource) -> PullRequestSnapshot:
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    files = (ChangedFile("src/app.py", FileStatus.MODIFIED, lines, 0),)
    return PullRequestSnapshot(info, files, repository=RepositoryFiles(rules=layers))


BILLION_LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
HOSTILE = [
    ("merge-key", "size:\n  <<: {max_lines: 300}\n  max_files: 5\n", []),
    ("merge-key-unknown", "size:\n  <<: {max_line: 3}\n", ["x.yml:1:1: size.max_line: unknown key (did you"]),
    ("omap", "size: !!omap\n  - max_lines: 5\n", ["x.yml:1:7: the YAML tag !!omap is not allowed here"]),
    ("omap-on-scalar", "!!omap", ["x.yml:1:1: the YAML tag !!omap is not allowed here"]),
    ("set", "size:\n  exclude: !!set {a, b}\n", ["x.yml:2:12: the YAML tag !!set is not allowed here"]),
    (
        "python-object",
        "size: !!python/object:os.system {a: 1}\n",
        ["x.yml:1:7: the YAML tag !!python/object"],
    ),
    ("custom-tag", "size:\n  max_lines: !foo 5\n", ["x.yml:2:14: the YAML tag !foo is not allowed here"]),
    ("bool-tag-on-text", "size:\n  max_lines: !!bool maybe\n", ["x.yml:2:14: the YAML tag !!bool is not"]),
    ("int-tag-on-quoted", "size:\n  max_lines: !!int '5'\n", ["x.yml:2:14: the YAML tag !!int is not"]),
    ("str-tag", "report:\n  check_name: !!str 5\n", []),
    ("binary", "report:\n  check_name: !!binary aGk=\n", ["x.yml:2:15: the YAML tag !!binary is not"]),
    ("billion-laughs", BILLION_LAUGHS, ["x.yml:1:1: more than 10,000 values once anchors and aliases"]),
    ("alias", "report: &r\n  comment: none\noverride: *r\n", ["x.yml:2:3: override.comment: unknown key"]),
    ("digits", "size:\n  max_lines: 1" + "0" * 5000 + "\n", ["x.yml:2:14: invalid YAML: an integer of more"]),
    ("hex-digits", "size:\n  max_lines: 0x1" + "0" * 5000 + "\n", ["x.yml:2:3: size.max_lines: integer out"]),
    ("inf", "size:\n  max_lines: .inf\n", ["x.yml:2:14: size.max_lines: Input should be a valid integer"]),
    ("nan", "size:\n  max_lines: .nan\n", ["x.yml:2:14: size.max_lines: Input should be a valid integer"]),
    ("flow-nesting", "size: " + "[" * 5000 + "]" * 5000, ["x.yml:1:39: invalid YAML: nested more than 32"]),
    ("block-nesting", "".join("  " * i + f"k{i}:\n" for i in range(40)), ["x.yml:32:63: nested more than"]),
    ("block-sequences", "- " * 30000 + "x", ["x.yml:1:1: invalid YAML: nested more than 32 levels"]),
    (
        "duplicate-key",
        "size:\n  max_lines: 1\n  max_lines: 2\n",
        ["x.yml:3:3: invalid YAML: found duplicate"],
    ),
    ("mapping-key", "? : : ", ["x.yml:1:3: keys must be strings, not a mapping"]),
    ("int-key", "size:\n  1: 2\n", ["x.yml:2:3: size: keys must be strings, not an integer"]),
    ("null-key", "size:\n  ~: 2\n", ["x.yml:2:3: size: keys must be strings, not null"]),
    ("list-key", "? [a, b]\n: 1\n", ["x.yml:1:3: keys must be strings, not a list"]),
    ("tab", "size:\n\tmax_lines: 1\n", ["x.yml:2:1: invalid YAML: found character '\\t'"]),
    ("nul", "size:\n  max_lines: 1\x00\n", ["x.yml:2:15: invalid YAML: the character \\x00 is not allowed"]),
    ("bom", "\ufeffsize:\n  max_lines: lots\n", ["x.yml:2:14: size.max_lines: Input should be a valid"]),
    ("escape-in-key", 'size:\n  "\\e[31m\\nx": 1\n', ["x.yml:2:3: size.\\x1b[31m\\x0ax: unknown key"]),
    ("bom-yaml-1.3", "\ufeff%YAML 1.3\n---\n", ["x.yml:1:1: invalid YAML: only %YAML 1.1 and 1.2"]),
    ("late-directive", "size: {}\n%YAML 1.20\n", ["x.yml:2:1: invalid YAML: only %YAML 1.1 and 1.2"]),
    (
        "yaml-1.20",
        "%YAML 1.20\n---\nsize: {}\n",
        ["x.yml:1:1: invalid YAML: only %YAML 1.1 and 1.2 are read"],
    ),
    ("yaml-1.1", "%YAML 1.1\n---\nsize:\n  max_lines: 017\n", []),
    ("two-documents", "size: {}\n---\nsize: {}\n", ["x.yml:2:1: invalid YAML: but found another document"]),
    ("bad-date", "size:\n  max_lines: 2001-13-45\n", ["x.yml:1:1: invalid YAML: month must be in 1..12"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_yaml_is_a_located_problem(text: str, expected: list[str]) -> None:
    """Merge keys, tags, aliases, huge integers, deep nesting, odd keys and characters: each is one
    problem on one line at its place, or a valid file, within a second; `load_config` never raises; and
    a file that validates is one the size rule then runs with."""
    started = time.perf_counter()
    problems = _problems(text)
    loaded = load_config(RULES, (ConfigSource("x.yml", text),))
    assert time.perf_counter() - started < 1
    assert len(problems) == len(expected), problems
    for problem, prefix in zip(problems, expected, strict=True):
        assert problem.startswith(prefix), problem
        assert "\n" not in problem
    assert [str(p) for p in loaded.problems] == problems
    verdict = evaluate(_snapshot(10, ConfigSource("x.yml", text)), RULES, loaded)
    assert not [f for f in verdict.findings if "crashed" in f.message]


def test_python_tags_construct_nothing(tmp_path: Path) -> None:
    """`!!python/object/apply` is refused before anything is constructed: the command never runs."""
    marker = tmp_path / "pwned"
    text = f"size:\n  exclude: !!python/object/apply:os.system ['touch {marker}']\n"
    assert _problems(text) == ["x.yml:2:12: the YAML tag !!python/object/apply:os.system is not allowed here"]
    load_config(RULES, (ConfigSource("x.yml", text),))
    assert not marker.exists()


def test_merge_key_values_apply() -> None:
    """A merge key's values take effect like the mapping's own."""
    loaded = load_config(RULES, (ConfigSource("x.yml", "size:\n  <<: {max_lines: 300}\n  max_files: 5\n"),))
    assert (loaded.config.size.max_lines, loaded.config.size.max_files) == (300, 5)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"size:\n  max_l\xffines: 1\n", "x.yml:2:8: not UTF-8 text (byte 0xff): save it as UTF-8"),
        (b"\xef\xbb\xbfsize:\n  max_lines: 1\n", None),
        (b"size:\n  max_lines: \xc3\xa9\xff\n", "x.yml:2:15: not UTF-8 text (byte 0xff)"),
        (b"\x00", "x.yml:1:1: invalid YAML: the character \\x00 is not allowed"),
    ],
    ids=["latin-1-byte", "utf-8-bom", "column-counts-characters", "nul-byte"],
)
def test_bytes_that_are_not_utf8_are_located(data: bytes, expected: str | None) -> None:
    """Bytes are decoded as UTF-8; a byte that is not is reported at its line and column (in
    characters), a BOM is taken."""
    problems = [str(p) for p in validate_bytes(RULES, "x.yml", data)]
    assert problems == ([] if expected is None else [problems[0]])
    if expected:
        assert problems[0].startswith(expected)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("[z-a]", "'[z-a]' is not a valid glob: bad character range z-a"),
        ("!", "'!' is not a valid glob: pattern normalized to nothing"),
        ("\\", "'\\\\' is not a valid glob: escape character found with no next character"),
        ("src\\", "'src\\\\' is not a valid glob: escape character"),
        ("#generated", "'#generated' matches no path"),
        ("", "'' matches no path"),
        ("[unclosed", "'[unclosed' matches no path"),
        ("[[:alpha:]]", "'[[:alpha:]]': character classes such as [:alpha:] are not supported"),
        ("*a*a*c", "'*a*a*c' has more than 2 wildcards"),
        ("**/a/**/a/**/c", "'**/a/**/a/**/c' has more than 2 wildcards"),
        ("**/__snapshots__/**", None),
        ("**/**/**/**/**/a", None),
        ("**/tests/**/*_test.go", None),
        ("!docs/keep.md", None),
        ("*.min.*", None),
    ],
    ids=[
        "reversed-range",
        "lone-bang",
        "lone-backslash",
        "trailing-backslash",
        "comment",
        "blank",
        "unclosed-bracket",
        "posix-class",
        "three-stars-in-a-name",
        "three-double-stars",
        "snapshots",
        "repeated-double-stars",
        "two-double-stars-and-a-star",
        "negation",
        "two-stars",
    ],
)
def test_every_exclude_glob_is_compiled_at_validation(pattern: str, problem: str | None) -> None:
    """Each `size.exclude` item compiles with the matcher `check` uses, matches something, and cannot
    take seconds per path; else the problem points at the item."""
    text = f"size:\n  exclude:\n    - {json.dumps(pattern)}\n"
    expected = [] if problem is None else [f"x.yml:3:7: size.exclude.0: Value error, {problem}"]
    problems = _problems(text)
    assert len(problems) == len(expected), problems
    for found, prefix in zip(problems, expected, strict=True):
        assert found.startswith(prefix), found
    with pytest.raises(ValidationError) if problem else contextlib.nullcontext():
        Config(exclude=[pattern])  # the check path validates the same model


@pytest.mark.parametrize(
    ("pattern", "normalised"),
    [
        ("**/**/**/**/**/a", "**/a"),
        ("a/**/**/b", "a/**/b"),
        ("***", "**"),
        ("a***b", "a*b"),
        ("a\\**", "a\\**"),
    ],
    ids=["leading", "middle", "star-run-segment", "star-run-in-name", "escaped-star"],
)
def test_star_runs_are_read_as_git_reads_them(pattern: str, normalised: str) -> None:
    """Runs of `*` become `**` (a whole segment) or `*`, and repeated `**` segments one, as in git's
    wildmatch: what `check` matches is what explain shows."""
    assert Config(exclude=[pattern]).exclude == [normalised]


ACCEPTED_WORST = ["**/a/**/c", "a/**/a/**/c", "*a*c", "**/tests/**/*_test.go", "**/*a*b", "**/a*b/**"]
LONG_PATHS = ["a/" * 2047 + "b", "a" * 4095, "/".join(["a" * 254] * 16), "tests/" * 680 + "_test" * 10]


@pytest.mark.parametrize("pattern", ACCEPTED_WORST)
def test_accepted_globs_match_long_paths_quickly(pattern: str) -> None:
    """The worst globs validation accepts (two wildcards that backtrack) match 4 KiB paths shaped against
    them in well under a second each (measured: at most 0.2 s; three wildcards took 35-90 s)."""
    spec = GitIgnoreSpec.from_lines(Config(exclude=[pattern]).exclude)
    for path in LONG_PATHS:
        started = time.perf_counter()
        spec.match_file(path)
        assert time.perf_counter() - started < 1, (pattern, path[:20])


@pytest.mark.parametrize("size", [MAX_RULES_BYTES + 1, 20 * 1024 * 1024], ids=["one-byte-over", "twenty-mib"])
def test_rules_file_above_the_limit_is_one_problem(
    size: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rules file above 64 KiB is one problem at 1:1, found without parsing it: quickly, on every path."""
    text = "# " + "x" * (size - 3) + "\n"
    expected = f"rules file is {size:,} bytes; the limit is 64 KiB"
    path = tmp_path / "big.yml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    assert _problems(text) == [f"x.yml:1:1: {expected}"]
    assert [str(p) for p in load_config(RULES, (ConfigSource("x.yml", text),)).problems] == [
        f"x.yml:1:1: {expected}"
    ]
    assert main(["rules", "validate", str(path)]) == 2
    assert time.perf_counter() - started < 1
    assert capsys.readouterr().out == f"{path}:1:1: {expected}\n"


@pytest.mark.parametrize(
    ("text", "warn_lines", "problem"),
    [
        ("size:\n  max_lines: 300\n", 150, None),
        ("size:\n  max_lines: 300\n  warn_lines: 200\n", 200, None),
        ("size:\n  max_lines: 1\n", 1, None),
        ("size:\n  warn_lines: 600\n", 600, None),
        ("", 400, None),
        (
            "size:\n  max_lines: 300\n  warn_lines: 400\n",
            None,
            "x.yml:1:1: size: Value error, warn_lines (400) is",
        ),
    ],
    ids=["max-alone", "both", "max-one", "warn-alone", "defaults", "warn-above-max"],
)
def test_warn_lines_defaults_to_half_of_max_lines(
    text: str, warn_lines: int | None, problem: str | None
) -> None:
    """Unless set, the warning is at half the limit: `max_lines: 300` alone is valid and warns above 150."""
    problems = _problems(text)
    assert problems == [] if problem is None else problems[0].startswith(problem)
    if warn_lines is not None:
        assert load_config(RULES, (ConfigSource("x.yml", text),)).config.size.warn_lines == warn_lines


def test_size_rule_warns_at_the_derived_threshold() -> None:
    """With `max_lines: 300` alone, 151 lines warn and 150 do not: evaluation reads the derived value."""
    rules = ConfigSource("x.yml", "size:\n  max_lines: 300\n")
    assert [f.key for f in evaluate(_snapshot(151, rules)).findings if f.rule == "size"] == ["warn_lines"]
    assert [f.key for f in evaluate(_snapshot(150, rules)).findings if f.rule == "size"] == []


def test_init_and_explain_state_the_warn_lines_rule() -> None:
    """`rules init` shows the default and says it follows max_lines; explain shows the effective value."""
    init = render_rules_init(RULES)
    description = "# Effective changed lines above which the gate warns (default: half of max_lines)."
    assert f"{description}\n  warn_lines: 400\n" in init
    explained = render_explain(load_config(RULES, (ConfigSource("x.yml", "size:\n  max_lines: 300\n"),)))
    assert "size.warn_lines: 150  # built-in default" in explained


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        (["size:\n  labels: {XL: 2000}\n"], {"XS": 10, "S": 30, "M": 100, "L": 500, "XL": 2000}),
        (["size:\n  labels: {XXS: 3}\n"], {"XXS": 3, "XS": 10, "S": 30, "M": 100, "L": 500, "XL": 1000}),
        (
            ["size:\n  labels: {XL: 2000}\n", "size:\n  labels: {S: 20}\n"],
            {"XS": 10, "S": 20, "M": 100, "L": 500, "XL": 2000},
        ),
        (["size:\n  labels: {XS: null, XL: null}\n"], {"S": 30, "M": 100, "L": 500}),
    ],
    ids=["one-bucket", "new-bucket", "org-then-repo", "null-removes"],
)
def test_labels_merge_with_the_built_in_buckets(layers: list[str], expected: dict[str, int]) -> None:
    """A `labels` mapping merges key by key with the built-in buckets and the layers below; null removes
    a bucket."""
    loaded = load_config(RULES, tuple(ConfigSource(f"l{i}.yml", t) for i, t in enumerate(layers)))
    assert loaded.problems == ()
    assert loaded.config.size.labels == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('size:\n  labels: {"a\\nb": 5}\n', "x.yml:2:12: size.labels.a\\x0ab: String should match"),
        (
            "size:\n  labels: {XS: 0}\n",
            "x.yml:2:16: size.labels.XS: Input should be greater than or equal to 1",
        ),
        (
            f"size:\n  labels: {{{'X' * 46}: 5}}\n",
            "x.yml:2:12: size.labels." + "X" * 40 + "…: String should have at most 45",
        ),
    ],
    ids=["control-character", "zero-bound", "too-long-for-github"],
)
def test_label_buckets_are_checked(text: str, expected: str) -> None:
    """Bucket names make valid GitHub labels (size/NAME within 50 characters, no control characters)."""
    problems = _problems(text)
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", "Input should be a valid integer, not a boolean"),
        ("'5'", "Input should be a valid integer, not a string"),
        ("5.0", "Input should be a valid integer, not a float"),
        ("1e3", "Input should be a valid integer, not a float"),
        ("null", "Input should be a valid integer, not null"),
        ("[5]", "Input should be a valid integer, not a list"),
        ("2001-12-14", "Input should be a valid integer, not a date"),
        ("0x320", None),
        ("1_000", None),
        ("0o17", None),
    ],
    ids=[
        "bool",
        "quoted",
        "float",
        "exponent-without-dot",
        "null",
        "list",
        "date",
        "hex",
        "underscores",
        "octal",
    ],
)
def test_integers_are_strict(value: str, expected: str | None) -> None:
    """No coercion: a boolean, a string or a float is not a number of lines; YAML's integer notations
    (hex, octal, underscores) are integers."""
    problems = _problems(f"size:\n  max_lines: {value}\n  warn_lines: 1\n")
    column = 3 if value.startswith("[") else 14  # a list is pointed at by its key
    assert problems == ([] if expected is None else [f"x.yml:2:{column}: size.max_lines: {expected}"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "report:\n  comment: true\n",
            "x.yml:2:12: report.comment: Input should be 'sticky', 'on-failure' or 'none'",
        ),
        (
            "report:\n  check_name: 5\n",
            "x.yml:2:15: report.check_name: Input should be a valid string, not an integer",
        ),
        (
            "size:\n  exclude: '*.snap'\n",
            "x.yml:2:12: size.exclude: Input should be a valid list, not a string",
        ),
        (
            "size:\n  labels: [XS]\n",
            "x.yml:2:3: size.labels: Input should be a valid dictionary, not a list",
        ),
        (
            "size: 5\n",
            "x.yml:1:7: size: Input should be a valid dictionary or instance of Config, not an integer",
        ),
    ],
    ids=["enum-bool", "string-int", "list-string", "mapping-list", "section-int"],
)
def test_other_types_are_strict(text: str, expected: str) -> None:
    """Strings, lists, mappings and sections take only their own YAML type."""
    assert _problems(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("size:\n  max_line: 3\n", "x.yml:2:3: size.max_line: unknown key (did you mean max_lines?)"),
        ("sise:\n  max_lines: 3\n", "x.yml:1:1: sise: unknown key (did you mean size?)"),
        ("report:\n  coment: none\n", "x.yml:2:3: report.coment: unknown key (did you mean comment?)"),
        (
            "override:\n  min_perm: write\n",
            "x.yml:2:3: override.min_perm: unknown key (did you mean min_permission?)",
        ),
        ("size:\n  zzzz: 1\n", "x.yml:2:3: size.zzzz: unknown key"),
    ],
    ids=["field", "section", "core-field", "prefix", "nothing-close"],
)
def test_unknown_keys_suggest_the_closest(text: str, expected: str) -> None:
    """An unknown key names the closest key allowed at its level, when one is close."""
    assert _problems(text) == [expected]


ORG = "org/.github/scopegate.yml"
REPO = ".github/scopegate.yml"


@pytest.mark.parametrize(
    ("org", "repo", "expected", "effective"),
    [
        (
            "size:\n  warn_lines: 700\n",
            "size:\n  max_lines: 500\n",
            f"{REPO}:1:1: size: Value error, warn_lines (700) is above max_lines (500); leave warn_lines out"
            f" to warn at half of max_lines (with size.warn_lines from {ORG}:2)",
            (800, 700),
        ),
        (
            "size:\n  max_lines: 300\n",
            "size:\n  warn_lines: 400\n",
            f"{REPO}:1:1: size: Value error, warn_lines (400) is above max_lines (300); leave warn_lines out"
            f" to warn at half of max_lines (with size.max_lines from {ORG}:2)",
            (300, 150),
        ),
        ("size:\n  max_lines: 300\n", "size:\n  max_lines: 1000\n", None, (1000, 500)),
        (
            "size:\n  max_lines: 300\n",
            "size:\n  max_lines: 1000\n  nope: 1\n",
            f"{REPO}:3:3: size.nope: unknown key",
            (300, 150),
        ),
    ],
    ids=["org-warn-repo-max", "org-max-repo-warn", "repo-raises-max", "repo-broken-alone"],
)
def test_layers_valid_alone_but_not_together(
    org: str, repo: str, expected: str | None, effective: tuple[int, int]
) -> None:
    """A layer invalid only on top of the layers below is reported, naming the values below it conflicts
    with, and skipped; the evaluation still runs on the layers that hold."""
    layers = (ConfigSource(ORG, org), ConfigSource(REPO, repo))
    loaded = load_config(RULES, layers)
    assert [str(p) for p in loaded.problems] == ([] if expected is None else [expected])
    assert (loaded.config.size.max_lines, loaded.config.size.warn_lines) == effective
    verdict = evaluate(_snapshot(10, *layers), RULES)
    assert not [f for f in verdict.findings if "crashed" in f.message]
    assert [f"{f.path}:{f.line}:{f.column}: {f.message}" for f in verdict.findings if f.rule == "config"] == (
        [] if expected is None else [expected]
    )


@pytest.mark.parametrize(
    ("data", "code", "lines"),
    [
        (b"size:\n  max_lines: 300\n", 0, []),
        (
            b"size:\n  max_lines: true\n",
            2,
            ["{path}:2:14: size.max_lines: Input should be a valid integer, not a boolean"],
        ),
        (b"\xff", 2, ["{path}:1:1: not UTF-8 text (byte 0xff): save it as UTF-8"]),
        (b"a: 1\x00", 2, ["{path}:1:5: invalid YAML: the character \\x00 is not allowed"]),
    ],
    ids=["valid", "strict", "not-utf8", "nul"],
)
def test_cli_validate_reports_every_input_as_located_lines(
    data: bytes, code: int, lines: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scopegate rules validate` prints FILE:LINE:COL lines on stdout, nothing on stderr, and exits 2
    on any problem, 0 otherwise."""
    path = tmp_path / "scopegate.yml"
    path.write_bytes(data)
    assert main(["rules", "validate", str(path)]) == code
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [line.format(path=path) for line in lines]
    assert captured.err == ""
