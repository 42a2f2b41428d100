"""The rules file: validation with positions, layered merging, generated docs."""

from __future__ import annotations

import json

import pytest

from bot.core.config import load_config, rules_file_model, validate_text
from bot.core.report.rulesdoc import render_explain, render_rules_init
from bot.core.snapshot import ConfigSource
from rules import RULES


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
    assert "size.warn_lines: 400  # built-in default" in explained


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
