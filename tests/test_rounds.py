"""Rounds, rework and review times from a pull request's history (bot/core/rounds.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.rounds import (
    Closed,
    Event,
    Opened,
    PullRequestHistory,
    Push,
    Review,
    ReviewComment,
    ReviewFigures,
    ReviewState,
    measure_review,
    order_events,
    review_wait,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
AUTHOR = "octocat"
BOTS = frozenset({"scopegate-ci"})


def at(hours: float) -> datetime:
    """`hours` after the pull request was opened."""
    return T0 + timedelta(hours=hours)


def opened() -> Opened:
    """The pull request opened at T0."""
    return Opened(key="pull_request:7:opened", at=T0)


def merged(hours: float) -> Closed:
    """The pull request merged `hours` after opening."""
    return Closed(key="pull_request:7:closed", at=at(hours), merged=True)


def review(
    review_id: int, hours: float, state: ReviewState, author: str = "maria", action: str = "submitted"
) -> Review:
    """A review event by `author`."""
    return Review(
        key=f"review:{review_id}:{action}",
        github_id=review_id,
        at=at(hours),
        author=author,
        state=state,
        action=action,
    )


def comment(comment_id: int, hours: float, author: str = "maria") -> ReviewComment:
    """A review comment created by `author`."""
    return ReviewComment(
        key=f"review_comment:{comment_id}:created", github_id=comment_id, at=at(hours), author=author
    )


def push(sha: str, hours: float, changed: int, base: int = 0, base_sha: str = "b" * 40) -> Push:
    """A push of head `sha` (one letter, repeated) changing `changed` lines, `base` of them the base's."""
    return Push(
        key=f"push:7:{sha * 40}",
        at=at(hours),
        head_sha=sha * 40,
        base_sha=base_sha,
        changed_lines=changed,
        base_lines=base,
    )


CHANGES = ReviewState.CHANGES_REQUESTED
APPROVED = ReviewState.APPROVED
COMMENTED = ReviewState.COMMENTED

# opened → changes requested (1 h) → a push of 30 lines (2 h) → approved (3 h) → merged (4 h)
ONE_ROUND = (opened(), review(1, 1, CHANGES), push("c", 2, 30), review(2, 3, APPROVED), merged(4))
ONE_ROUND_FIGURES = ReviewFigures(
    rounds=1,
    rework_lines=30,
    time_to_first_review=timedelta(hours=1),
    time_to_approval=timedelta(hours=3),
    time_to_merge=timedelta(hours=4),
)


def figures(
    rounds: int,
    rework: int,
    first: float | None = None,
    approval: float | None = None,
    merge: float | None = None,
) -> ReviewFigures:
    """Expected figures, times in hours."""

    def hours(value: float | None) -> timedelta | None:
        return None if value is None else timedelta(hours=value)

    return ReviewFigures(rounds, rework, hours(first), hours(approval), hours(merge))


CASES: list[tuple[str, tuple[Event, ...], ReviewFigures]] = [
    ("no review yet", (opened(), push("c", 1, 12)), figures(0, 0)),
    ("one round", ONE_ROUND, ONE_ROUND_FIGURES),
    (
        "approved at once",
        (opened(), review(1, 2, APPROVED), merged(3)),
        figures(0, 0, first=2, approval=2, merge=3),
    ),
    (
        "pushes before the first review are not rework",
        (opened(), push("c", 1, 500), review(1, 2, APPROVED)),
        figures(0, 0, first=2, approval=2),
    ),
    (
        "two rounds",
        (
            opened(),
            review(1, 1, CHANGES),
            push("c", 2, 30),
            review(2, 3, CHANGES),
            push("d", 4, 8),
            review(3, 5, APPROVED),
        ),
        figures(2, 38, first=1, approval=5),
    ),
    (
        "several pushes in one round",
        (opened(), review(1, 1, CHANGES), push("c", 2, 30), push("d", 2.5, 5), review(2, 3, APPROVED)),
        figures(1, 35, first=1, approval=3),
    ),
    (
        "review comments are feedback and re-review",
        (opened(), comment(10, 1), push("c", 2, 4), comment(11, 3)),
        figures(1, 4, first=1),
    ),
    (
        "a commenting review is feedback",
        (opened(), review(1, 1, COMMENTED), push("c", 2, 4), review(2, 3, APPROVED)),
        figures(1, 4, first=1, approval=3),
    ),
    (
        "feedback pushed on but not yet re-reviewed is no round",
        (opened(), review(1, 1, CHANGES), push("c", 2, 30)),
        figures(0, 30, first=1),
    ),
    (
        "pushes after approval are rework, not a round",
        (opened(), review(1, 1, APPROVED), push("c", 2, 6), review(2, 3, APPROVED)),
        figures(0, 6, first=1, approval=1),
    ),
    (
        "rebase-only push",
        (opened(), review(1, 1, CHANGES), push("c", 2, 120, base=120, base_sha="n" * 40)),
        figures(0, 0, first=1),
    ),
    (
        "rebase-only push then re-review is no round",
        (
            opened(),
            review(1, 1, CHANGES),
            push("c", 2, 120, base=120, base_sha="n" * 40),
            review(2, 3, APPROVED),
        ),
        figures(0, 0, first=1, approval=3),
    ),
    (
        "rebase with changes of the author's own",
        (
            opened(),
            review(1, 1, CHANGES),
            push("c", 2, 150, base=120, base_sha="n" * 40),
            review(2, 3, APPROVED),
        ),
        figures(1, 30, first=1, approval=3),
    ),
    (
        "a bot's review does not count",
        (
            opened(),
            review(1, 1, CHANGES, author="dependabot[bot]"),
            review(2, 1.5, CHANGES, author="scopegate-ci"),
            push("c", 2, 30),
            review(3, 3, APPROVED),
        ),
        figures(0, 0, first=3, approval=3),
    ),
    (
        "the author commenting on their own PR",
        (
            opened(),
            comment(9, 0.5, author=AUTHOR),
            review(1, 1, CHANGES),
            push("c", 2, 30),
            comment(10, 2.5, author="OctoCat"),  # logins are case-insensitive
            review(2, 3, APPROVED),
        ),
        figures(1, 30, first=1, approval=3),
    ),
    (
        "an edited or dismissed review is no re-review",
        (
            opened(),
            review(1, 1, CHANGES),
            push("c", 2, 30),
            review(1, 2.5, CHANGES, action="edited"),
            review(1, 2.6, ReviewState.DISMISSED, action="dismissed"),
        ),
        figures(0, 30, first=1),
    ),
    ("duplicates", (*ONE_ROUND, *ONE_ROUND[1:4], ONE_ROUND[2]), ONE_ROUND_FIGURES),
    ("swapped order", tuple(reversed(ONE_ROUND)), ONE_ROUND_FIGURES),
    (
        "swapped push and re-review deliveries",
        (ONE_ROUND[0], ONE_ROUND[1], ONE_ROUND[3], ONE_ROUND[2], ONE_ROUND[4]),
        ONE_ROUND_FIGURES,
    ),
    (
        "closed without merging",
        (opened(), review(1, 1, APPROVED), Closed(key="pull_request:7:closed", at=at(2), merged=False)),
        figures(0, 0, first=1, approval=1),
    ),
    (
        "opening never seen",
        (review(1, 1, CHANGES), push("c", 2, 30), review(2, 3, APPROVED), merged(4)),
        figures(1, 30),
    ),
]


@pytest.mark.parametrize(("events", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_measure_review(events: tuple[Event, ...], expected: ReviewFigures) -> None:
    """Each history gives its rounds, rework lines and times from opening."""
    assert measure_review(PullRequestHistory(author=AUTHOR, events=events, bots=BOTS)) == expected


def test_same_second_is_ordered_by_id() -> None:
    """Events GitHub stamps with the same second are ordered by their ids, whatever the input order."""
    first, second = review(5, 1, CHANGES), comment(6, 1)
    assert order_events([second, first]) == order_events([first, second]) == [first, second]


@given(st.permutations(ONE_ROUND), st.lists(st.sampled_from(ONE_ROUND), max_size=6))
def test_redelivery_and_order_change_nothing(order: list[Event], repeated: list[Event]) -> None:
    """Any delivery order, with any events delivered again, gives the same figures."""
    history = PullRequestHistory(author=AUTHOR, events=[*order, *repeated])
    assert measure_review(history) == ONE_ROUND_FIGURES


WAITS: list[tuple[str, tuple[Event, ...], float, float | None]] = [
    ("waiting since the opening", (opened(),), 6, 0),
    ("one round", ONE_ROUND, 2, None),  # 1 h to the first review, 1 h from the push to the re-review
    ("the author's turn after feedback", (opened(), review(1, 1, CHANGES)), 1, None),
    (
        "waiting again after a push answering feedback",
        (opened(), review(1, 1, CHANGES), push("c", 2, 3)),
        5,
        2,
    ),
    (
        "a rebase-only push does not answer feedback",
        (opened(), review(1, 1, CHANGES), push("c", 2, 9, base=9)),
        1,
        None,
    ),
    ("a bot's review ends no wait", (opened(), review(1, 1, APPROVED, author="ci[bot]")), 6, 0),
]


@pytest.mark.parametrize(("events", "hours", "since"), [c[1:] for c in WAITS], ids=[c[0] for c in WAITS])
def test_review_wait(events: tuple[Event, ...], hours: float, since: float | None) -> None:
    """Time waiting for a reviewer, six hours after the opening: in total, and since when it waits now."""
    wait = review_wait(PullRequestHistory(author=AUTHOR, events=events), at(6))
    assert wait.total == timedelta(hours=hours)
    assert wait.since == (None if since is None else at(since))
