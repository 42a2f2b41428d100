"""The rules file's `routing:` section: validated at load with the key named, defaults, and what it sets."""

from __future__ import annotations

import pytest

from bot.core.config import load_config, rules_file_model, section_config, validate_text
from bot.core.snapshot import ConfigSource
from rules import RULES
from rules.routing import RULE, Config, policy

PROBLEMS = [
    (
        "reviewers-not-a-number",
        "routing:\n  reviewers: two\n",
        "x.yml:2:14: routing.reviewers: Input should be",
    ),
    ("reviewers-negative", "routing:\n  reviewers: -1\n", "x.yml:2:14: routing.reviewers: Input should be"),
    ("cap-zero", "routing:\n  max_open_reviews: 0\n", "x.yml:2:21: routing.max_open_reviews: Input should"),
    (
        "login-with-a-space",
        "routing:\n  unavailable: ['@bob smith']\n",
        "x.yml:2:17: routing.unavailable.0: Value error, '@bob smith' is not a GitHub login",
    ),
    (
        "team-among-users",
        "routing:\n  unavailable: [alice, '@org/core']\n",
        "x.yml:2:24: routing.unavailable.1: Value error, '@org/core' is a team; teams go in exclude_teams",
    ),
    (
        "user-among-teams",
        "routing:\n  exclude_teams: ['@bots']\n",
        "x.yml:2:19: routing.exclude_teams.0: Value error, '@bots' is not a team (@org/team)",
    ),
    (
        "unavailable-not-a-list",
        "routing:\n  unavailable: alice\n",
        "x.yml:2:16: routing.unavailable: Input should",
    ),
    (
        "expand-not-a-boolean",
        "routing:\n  expand_teams: 'yes'\n",
        "x.yml:2:17: routing.expand_teams: Input should",
    ),
    (
        "typo",
        "routing:\n  reviewer: 2\n",
        "x.yml:2:3: routing.reviewer: unknown key (did you mean reviewers?)",
    ),
    ("section-not-a-mapping", "routing: 2\n", "x.yml:1:10: routing: Input should be"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in PROBLEMS], ids=[c[0] for c in PROBLEMS])
def test_bad_routing_values_are_located_problems(text: str, expected: str) -> None:
    """Each bad value is one FILE:LINE:COL problem that names its key (and list index)."""
    (problem,) = validate_text(RULES, "x.yml", text)
    assert str(problem).startswith(expected)


def test_defaults_suit_a_fresh_install() -> None:
    """Out of the box: two reviewers, at most 10 open requests each, teams asked as teams, no policy."""
    config = section_config(rules_file_model(RULES)(), RULE)
    assert config == Config()
    assert (config.reviewers, config.max_open_reviews, config.expand_teams) == (2, 10, False)
    assert (config.unavailable, config.exclude_teams, config.require_all_owners) == ([], [], False)


def test_a_valid_section_becomes_the_selection_policy() -> None:
    """Logins and teams are taken with or without `@`; `max_open_reviews: null` lifts the cap."""
    text = """\
routing:
  reviewers: 1
  max_open_reviews: null
  unavailable: ['@alice', bob, octo_acme]
  exclude_teams: ['@org/bots', org/release.team]
  expand_teams: true
  require_all_owners: true
"""
    loaded = load_config(RULES, (ConfigSource("x.yml", text),))
    assert loaded.problems == ()
    config = section_config(loaded.config, RULE)
    assert isinstance(config, Config)
    selection = policy(config)
    assert selection.reviewers == 1
    assert selection.max_open_reviews is None
    assert selection.unavailable == frozenset({"@alice", "bob", "octo_acme"})
    assert selection.excluded_teams == frozenset({"@org/bots", "org/release.team"})
    assert selection.expand_teams is True
    assert config.require_all_owners is True


def test_repository_layer_replaces_the_organisations_lists() -> None:
    """An organisation's `unavailable` list is replaced, not extended, by the repository's (lists merge
    whole, as `size.exclude` does); other keys of the organisation's section stay."""
    org = ConfigSource("org.yml", "routing:\n  reviewers: 3\n  unavailable: [alice]\n")
    repo = ConfigSource("repo.yml", "routing:\n  unavailable: [bob]\n")
    config = section_config(load_config(RULES, (org, repo)).config, RULE)
    assert isinstance(config, Config)
    assert (config.reviewers, config.unavailable) == (3, ["bob"])
