"""Reviewer selection (DESIGN §6) on plain facts: who is asked, who is left out, and why."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.core.owners import parse_codeowners
from bot.core.routing import (
    ChangedFile,
    Lookup,
    Person,
    RoutingInput,
    RoutingPlan,
    RoutingPolicy,
    changed_ranges,
    expertise,
    expertise_sample,
    missing_approvals,
    owner_groups,
    select_reviewers,
    teams_to_expand,
    users_to_look_up,
)
from bot.core.snapshot import AuthoredRange, FileStatus, Hunk
from bot.core.snapshot import ChangedFile as SnapshotFile

OWNERS = """\
* @org/everyone
/api/ @alice @bob
/web/ @carol
/docs/ @dana docs@example.com
/gen/
/bots/ @renovate @ci-helper
/team/ @org/core
"""
CORE = {"org/core": ("erin", "frank", "alice")}


def _input(files: dict[str, int], **facts: Any) -> RoutingInput:
    policy = RoutingPolicy(**facts.pop("policy", {}))
    people = {p: Person(p, **f) for p, f in facts.pop("people", {}).items()}
    return RoutingInput(
        author=facts.pop("author", "zed"),
        draft=facts.pop("draft", False),
        files=tuple(ChangedFile(path, lines) for path, lines in files.items()),
        codeowners=parse_codeowners(facts.pop("codeowners", OWNERS)),
        counted=tuple(facts.pop("counted", ())),
        people=people,
        teams=facts.pop("teams", CORE),
        policy=policy,
        **facts,
    )


def _plan(files: dict[str, int], **facts: Any) -> RoutingPlan:
    return select_reviewers(_input(files, **facts))


CASES: list[tuple[str, dict[str, int], dict[str, Any], list[str]]] = [
    # (id, changed files and their lines, facts, reviewers chosen in order)
    ("owners-of-the-file", {"web/a.ts": 5}, {}, ["carol"]),
    ("two-owners-both-asked", {"api/a.py": 5}, {}, ["alice", "bob"]),
    ("target-one", {"api/a.py": 5}, {"policy": {"reviewers": 1}}, ["alice"]),
    ("target-zero", {"api/a.py": 5}, {"policy": {"reviewers": 0}}, []),
    ("default-owner-team", {"README.md": 3}, {}, ["org/everyone"]),
    ("author-never-asked", {"api/a.py": 5}, {"author": "alice"}, ["bob"]),
    ("author-any-case", {"api/a.py": 5}, {"author": "ALICE"}, ["bob"]),
    ("bots-skipped", {"bots/x": 5}, {"people": {"renovate": {"bot": True}, "ci-helper": {"bot": True}}}, []),
    ("busy-skipped", {"api/a.py": 5}, {"people": {"alice": {"busy": True}}}, ["bob"]),
    ("unavailable-skipped", {"api/a.py": 5}, {"policy": {"unavailable": frozenset({"@Bob"})}}, ["alice"]),
    ("at-cap-skipped", {"api/a.py": 5}, {"people": {"bob": {"open_reviews": 10}}}, ["alice"]),
    ("below-cap-asked", {"api/a.py": 5}, {"people": {"bob": {"open_reviews": 9}}}, ["alice", "bob"]),
    (
        "no-cap",
        {"api/a.py": 5},
        {"people": {"bob": {"open_reviews": 99}}, "policy": {"max_open_reviews": None}},
        ["alice", "bob"],
    ),
    ("existing-request-counts", {"api/a.py": 5}, {"counted": ["carol"]}, ["alice"]),
    ("existing-request-not-again", {"api/a.py": 5}, {"counted": ["@alice"]}, ["bob"]),
    ("target-met-adds-nobody", {"api/a.py": 5}, {"counted": ["alice", "x"]}, []),
    ("counted-more-than-target", {"api/a.py": 5}, {"counted": ["a", "b", "c"]}, []),
    ("draft-not-routed", {"api/a.py": 5}, {"draft": True}, []),
    ("cleared-path-no-owner", {"gen/x.py": 50}, {}, []),
    ("email-owner-not-requested", {"docs/a.md": 5}, {}, ["dana"]),
    ("team-requested-as-team", {"team/x.go": 5}, {}, ["org/core"]),
    ("team-expanded", {"team/x.go": 5}, {"policy": {"expand_teams": True}}, ["alice", "erin"]),
    (
        "team-expanded-author-dropped",
        {"team/x.go": 5},
        {"policy": {"expand_teams": True, "reviewers": 3}, "author": "erin"},
        ["alice", "frank"],
    ),
    (
        "team-expanded-busy-dropped",
        {"team/x.go": 5},
        {"policy": {"expand_teams": True}, "people": {"alice": {"busy": True}}},
        ["erin", "frank"],
    ),
    ("team-excluded", {"team/x.go": 5}, {"policy": {"excluded_teams": frozenset({"org/CORE"})}}, []),
    (
        "team-unknown-members-kept-as-team",
        {"team/x.go": 5},
        {"policy": {"expand_teams": True}, "teams": {}},
        ["org/core"],
    ),
    ("more-lines-first", {"api/a.py": 5, "web/b.ts": 50}, {"policy": {"reviewers": 1}}, ["carol"]),
    ("second-covers-other-group", {"api/a.py": 300, "web/b.ts": 10}, {}, ["alice", "carol"]),
    ("counted-covers-its-group", {"api/a.py": 300, "web/b.ts": 10}, {"counted": ["bob"]}, ["carol"]),
    (
        "counted-team-covers-its-group",
        {"team/x": 300, "web/b.ts": 10},
        {"counted": ["org/core"], "policy": {"expand_teams": True}},
        ["carol"],
    ),
    (
        "expertise-preferred",
        {"api/a.py": 5},
        {"policy": {"reviewers": 1}, "people": {"bob": {"expertise": 3.5}}},
        ["bob"],
    ),
    (
        "least-loaded-on-equal-expertise",
        {"api/a.py": 5},
        {"policy": {"reviewers": 1}, "people": {"alice": {"open_reviews": 4}, "bob": {"open_reviews": 1}}},
        ["bob"],
    ),
    (
        "expertise-before-load",
        {"api/a.py": 5},
        {"policy": {"reviewers": 1}, "people": {"alice": {"open_reviews": 8, "expertise": 1.0}}},
        ["alice"],
    ),
    (
        "name-breaks-ties",
        {"api/a.py": 5},
        {"policy": {"reviewers": 1}, "codeowners": "* @zoe @Amy @bob"},
        ["Amy"],
    ),
    (
        "owner-once-across-files",
        {"api/a.py": 5, "api/b.py": 7},
        {"policy": {"reviewers": 3}},
        ["alice", "bob"],
    ),
    ("unchanged-files-owners-ignored", {"web/b.ts": 1}, {"policy": {"reviewers": 5}}, ["carol"]),
    ("facts-by-any-case", {"api/a.py": 5}, {"people": {"ALICE": {"busy": True}}}, ["bob"]),
    ("no-codeowners", {"api/a.py": 5}, {"codeowners": ""}, []),
]


@pytest.mark.parametrize(("files", "facts", "chosen"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_selection(files: dict[str, int], facts: dict[str, Any], chosen: list[str]) -> None:
    """The owners of the changed lines, minus those who cannot review now, best first up to the target."""
    assert [c.reviewer for c in _plan(files, **facts).chosen] == chosen


def test_every_choice_has_a_one_line_reason() -> None:
    """Each reason says how much of the change the reviewer owns, their expertise and their load."""
    plan = _plan(
        {"api/a.py": 30, "web/b.ts": 10, "team/c": 5},
        people={"alice": {"expertise": 12.0, "open_reviews": 2}},
        policy={"reviewers": 3},
    )
    reasons = {c.reviewer: c.reason for c in plan.chosen}
    assert reasons == {
        "alice": "owns 30 of 45 changed lines (1 of 3 files); 12 recent lines in the changed ranges; "
        "2 open review requests",
        "carol": "owns 10 of 45 changed lines (1 of 3 files); 0 open review requests",
        "org/core": "team owns 5 of 45 changed lines (1 of 3 files); requested as the team, GitHub's team "
        "review assignment picks who",
    }
    assert [c.team for c in plan.chosen] == [False, False, True]


SKIPS = [
    ("author", {"author": "alice"}, "alice", "the author"),
    ("bot", {"people": {"renovate": {"bot": True}}}, "renovate", "a bot"),
    ("busy", {"people": {"alice": {"busy": True}}}, "alice", "GitHub status says busy"),
    (
        "unavailable",
        {"policy": {"unavailable": frozenset({"alice"})}},
        "alice",
        "unavailable per the rules file",
    ),
    (
        "overloaded",
        {"people": {"alice": {"open_reviews": 12}}},
        "alice",
        "12 open review requests (max_open_reviews 10)",
    ),
    ("email", {}, "docs@example.com", "an email owner: GitHub requests review by login only"),
    (
        "excluded-team",
        {"policy": {"excluded_teams": frozenset({"org/core"})}},
        "@org/core",
        "team excluded by the rules file",
    ),
]


@pytest.mark.parametrize(("facts", "owner", "reason"), [c[1:] for c in SKIPS], ids=[c[0] for c in SKIPS])
def test_skipped_owners_say_why(facts: dict[str, Any], owner: str, reason: str) -> None:
    """An owner left out is listed with the reason, so the check output can say it."""
    plan = _plan({"api/a.py": 5, "bots/x": 1, "docs/a.md": 1, "team/x": 1}, **facts)
    assert {s.owner: s.reason for s in plan.skipped}[owner] == reason


NOTES = [
    ("draft", {"api/a.py": 5}, {"draft": True}, "draft: not routed until it is ready for review"),
    ("no-owner", {"gen/a": 5}, {}, "no CODEOWNERS line gives the changed files an owner"),
    (
        "target-met",
        {"api/a.py": 5},
        {"counted": ["x", "y"]},
        "2 reviewers already requested or reviewing (wanted 2)",
    ),
    ("too-few", {"web/a": 5}, {}, "only 1 available owners to add (wanted 2 more)"),
    ("enough", {"api/a.py": 5}, {}, None),
]


@pytest.mark.parametrize(("files", "facts", "note"), [c[1:] for c in NOTES], ids=[c[0] for c in NOTES])
def test_note_explains_an_incomplete_plan(
    files: dict[str, int], facts: dict[str, Any], note: str | None
) -> None:
    """When fewer reviewers are added than wanted, the plan says why."""
    assert _plan(files, **facts).note == note


def test_draft_toggles_request_once() -> None:
    """draft -> ready -> draft -> ready: the second ready sees the first requests counted and adds nobody."""
    files = {"api/a.py": 5}
    assert _plan(files, draft=True).chosen == ()
    first = _plan(files)
    assert [c.reviewer for c in first.chosen] == ["alice", "bob"]
    assert _plan(files, draft=True).chosen == ()
    assert _plan(files, counted=[c.reviewer for c in first.chosen]).chosen == ()


def test_counted_keeps_its_order_without_repeats() -> None:
    """Reviewers already counted come back as given, `@` dropped, once each."""
    assert _plan({"api/a.py": 5}, counted=["@x", "x", "y"]).counted == ("x", "y")


@pytest.mark.parametrize(
    ("policy", "teams", "users"),
    [
        ({}, frozenset(), frozenset({"alice", "bob", "carol", "dana", "renovate", "ci-helper"})),
        (
            {"expand_teams": True},
            frozenset({"org/core", "org/everyone"}),
            frozenset({"alice", "bob", "carol", "dana", "renovate", "ci-helper", "erin", "frank"}),
        ),
        (
            {"expand_teams": True, "excluded_teams": frozenset({"org/everyone"})},
            frozenset({"org/core"}),
            frozenset({"alice", "bob", "carol", "dana", "renovate", "ci-helper", "erin", "frank"}),
        ),
    ],
    ids=["teams-as-teams", "teams-expanded", "excluded-team-not-expanded"],
)
def test_two_phase_look_up(policy: dict[str, Any], teams: frozenset[str], users: frozenset[str]) -> None:
    """Gathering asks for the members of only the teams it will expand, then facts on only the owners."""
    facts = _input({"api/a.py": 1, "web/b": 1, "docs/c": 1, "bots/d": 1, "team/e": 1, "x": 1}, policy=policy)
    assert teams_to_expand(facts) == teams
    assert users_to_look_up(facts) == users


def test_reasons_leave_out_facts_nobody_gathered() -> None:
    """Without GitHub's answers (`scopegate check`), a reason states ownership only: a load of 0 would read
    as a fact; an expanded team whose members are unknown stands as the team and says so."""
    plan = select_reviewers(
        _input(
            {"api/a.py": 30, "team/c": 5},
            people_known=False,
            teams={},
            policy={"expand_teams": True, "reviewers": 3},
        )
    )
    assert {c.reviewer: c.reason for c in plan.chosen} == {
        "alice": "owns 30 of 35 changed lines (1 of 2 files)",
        "bob": "owns 30 of 35 changed lines (1 of 2 files)",
        "org/core": "team owns 5 of 35 changed lines (1 of 2 files); its members are not known here, so it "
        "stands as the team",
    }


def test_owner_groups_gather_paths_by_their_owner_set() -> None:
    """Paths group by the set of owners of their deciding line, regardless of case and order; unowned paths
    form a group with no owners; groups come in the order of their first path."""
    codeowners = parse_codeowners("* @org/everyone\n/api/ @alice @bob\n/api/v2/ @Bob @ALICE\n/gen/\n")
    groups = owner_groups(codeowners, ["api/a.py", "README.md", "gen/x", "api/v2/b.py", "gen/y"])
    assert [(g.owners, g.paths) for g in groups] == [
        (("@alice", "@bob"), ("api/a.py", "api/v2/b.py")),
        (("@org/everyone",), ("README.md",)),
        ((), ("gen/x", "gen/y")),
    ]


def test_reasons_write_large_numbers_as_the_rest_of_the_output_does() -> None:
    """Line counts in a reason have thousands separators, like the size rule's figures."""
    (choice,) = _plan({"web/a.ts": 1200, "gen/b": 3000}, policy={"reviewers": 1}).chosen
    assert choice.reason.startswith("owns 1,200 of 4,200 changed lines (1 of 2 files)")


def test_the_second_phase_asks_about_nobody_who_cannot_be_chosen() -> None:
    """The lookup leaves out the author and the reviewers already counted: facts about them change
    nothing; with no reviewer left to choose it asks about nobody."""
    facts = _input({"api/a.py": 5, "web/b.ts": 5}, author="alice", counted=("@Bob",))
    assert Lookup(facts, frozenset(), people=True).users({}) == {"carol"}
    assert Lookup(facts, frozenset(), people=False).users({}) == frozenset()


APPROVAL_CASES = [
    # (id, approvers, author, groups still to approve, groups that cannot be told)
    ("a-user-owner-approves", ["bob"], "zed", ["@org/core"], []),
    ("a-team-member-approves", ["erin", "alice"], "zed", [], []),
    ("any-one-owner-of-a-group-is-enough", ["alice", "frank"], "zed", [], []),
    ("the-authors-approval-never-counts", ["alice", "erin"], "alice", ["@alice @bob"], []),
    ("nobody-but-the-author-approves", ["erin"], "erin", ["@alice @bob", "@org/core"], []),
    ("case-does-not-matter", ["ALICE", "Erin"], "zed", [], []),
]


@pytest.mark.parametrize(
    ("approved", "author", "missing", "unknown"),
    [case[1:] for case in APPROVAL_CASES],
    ids=[case[0] for case in APPROVAL_CASES],
)
def test_missing_approvals(approved: list[str], author: str, missing: list[str], unknown: list[str]) -> None:
    """Every owner group needs one owner's approval, directly or as a member of an owner team; the
    author's never counts; unowned files need none."""
    codeowners = parse_codeowners("/api/ @alice @bob\n/team/ @org/core\n")
    groups = owner_groups(codeowners, ["api/a.py", "team/b.py", "README.md"])
    got_missing, got_unknown = missing_approvals(groups, approved, CORE, author)
    assert [" ".join(g.owners) for g in got_missing] == missing
    assert [" ".join(g.owners) for g in got_unknown] == unknown


def test_a_team_whose_members_are_unknown_cannot_be_told() -> None:
    """A team group's approval cannot be told without its members (the installation lacks members: read),
    unless a user owner of the same group approved."""
    codeowners = parse_codeowners("/team/ @org/core\n/mixed/ @org/core @dana\n")
    groups = owner_groups(codeowners, ["team/a.py", "mixed/b.py"])
    missing, unknown = missing_approvals(groups, ["dana"], {}, "zed")
    assert (missing, [g.owners for g in unknown]) == ((), [("@org/core",)])


def test_expertise_counts_lines_in_the_changed_ranges_weighted_by_recency() -> None:
    """Only the blamed lines inside the ranges a hunk replaces or surrounds count; the newest change
    (age 1) weighs 1.0 a line and the oldest (age 10) 0.1; logins compare regardless of case."""
    blame = [
        AuthoredRange("a.py", 1, 10, "Carol", 1),
        AuthoredRange("a.py", 11, 20, "bob", 10),
        AuthoredRange("a.py", 21, 30, "carol", 5),
        AuthoredRange("b.py", 1, 5, "bob", 1),
    ]
    found = expertise(blame, {"a.py": [(8, 14), (30, 31)]})
    assert found == pytest.approx({"carol": 3 * 1.0 + 1 * 0.6, "bob": 4 * 0.1})


def test_the_expertise_sample_is_the_files_with_most_changed_base_lines() -> None:
    """Added files have no base to blame; a renamed file is blamed at its old path; the files with most
    changed base lines come first, at most ten."""
    hunk = Hunk(source_start=3, source_length=7, target_start=3, target_length=8, added=(), removed=())
    files = [
        SnapshotFile(f"m{i}.py", FileStatus.MODIFIED, 1, 1, hunks=(replace(hunk, source_length=i + 1),))
        for i in range(12)
    ]
    files += [
        SnapshotFile("new.py", FileStatus.ADDED, 5, 0, hunks=(hunk,)),
        SnapshotFile("new_name.py", FileStatus.RENAMED, 1, 1, previous_path="old_name.py", hunks=(hunk,)),
    ]
    sample = expertise_sample(files)
    assert (len(sample), sample[0], "new.py" in sample) == (10, "m11.py", False)
    assert changed_ranges(files)["old_name.py"] == [(3, 9)]
