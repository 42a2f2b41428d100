"""The review history end to end: signed deliveries in GitHub's documented shapes (octokit's examples,
placed in the fake's repository) over HTTP to the web app, Redis and arq, a worker that measures pushes
against the fake GitHub, and the ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix
from redis.asyncio import ConnectionPool
from sqlalchemy import select

from bot.core.rounds import ReviewFigures, measure_review
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import upgrade
from bot.ledger.models import ReviewEvent
from bot.ledger.reviews import pull_request_history
from tests.apprunner import Webhook, app_settings, deliver, serve_web, until_async, worker_in_loop
from tests.fakegithub.fixtures import FakeInstallation
from tests.fakegithub.models import Repo

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
AUTHOR = "octocat"
REVIEWER = "maria"
NUMBER = 1
# The rework rule acts from the first round, asking for another reviewer.
RULES = b"rework:\n  max_rounds: 1\n  ask: reviewer\n"


def at(hours: float) -> str:
    """GitHub's timestamp `hours` after the pull request was opened."""
    return moment(hours).strftime("%Y-%m-%dT%H:%M:%SZ")


def moment(hours: float) -> datetime:
    """`hours` after the pull request was opened."""
    return T0 + timedelta(hours=hours)


def lines(count: int, prefix: str = "line") -> bytes:
    """`count` lines of Python."""
    return "".join(f"{prefix}_{i} = {i}\n" for i in range(count)).encode()


@dataclass
class Review:
    """The App deployed against the fake, and deliveries about one pull request of its repository."""

    installation: FakeInstallation
    http: httpx.AsyncClient
    queue: ArqRedis
    database_url: str

    @property
    def repo(self) -> Repo:
        """The repository as the fake holds it (read it under the fake's lock)."""
        found = self.installation.fake.repo(self.installation.owner, self.installation.repo)
        assert found is not None
        return found

    def payload(self, example: str, *, sender: str) -> dict[str, Any]:
        """A vendored example about PR #1 as the fake holds it now: repository, installation, head, base."""
        payload: dict[str, Any] = copy.deepcopy(json.loads((WEBHOOKS / example).read_text()))
        fake = self.installation.fake
        with fake.lock:
            repo, pull = self.repo, self.repo.pulls[NUMBER]
            for where in (payload["repository"], payload["pull_request"]["head"]["repo"]):
                where.update(id=repo.id, name=repo.name, full_name=repo.full_name)
                where["owner"]["login"] = repo.owner
            pr = payload["pull_request"]
            pr.update(number=NUMBER, created_at=at(0))
            pr["user"]["login"] = pull.author
            pr["head"].update(sha=pull.head_sha, ref=pull.head_ref)
            pr["base"].update(sha=pull.base_sha, ref=pull.base_ref)
        payload["installation"] = {"id": self.installation.installation_id}
        payload["sender"]["login"] = sender
        return payload

    def opened(self) -> Webhook:
        """`pull_request.opened`."""
        payload = self.payload("pull_request/12-opened.json", sender=AUTHOR)
        payload["pull_request"]["updated_at"] = at(0)
        return Webhook("pull_request", payload)

    def synchronize(self, before: str, hours: float) -> Webhook:
        """`pull_request.synchronize` from `before` to the PR's head, at `hours`."""
        payload = self.payload("pull_request/22-synchronize.json", sender=AUTHOR)
        payload.update(before=before, after=payload["pull_request"]["head"]["sha"])
        payload["pull_request"]["updated_at"] = at(hours)
        return Webhook("pull_request", payload)

    def review(self, review_id: int, state: str, hours: float) -> Webhook:
        """`pull_request_review.submitted` by the reviewer."""
        payload = self.payload("pull_request_review/02-submitted.json", sender=REVIEWER)
        payload["review"].update(id=review_id, state=state, submitted_at=at(hours))
        payload["review"]["user"]["login"] = REVIEWER
        return Webhook("pull_request_review", payload)

    def comment(self, comment_id: int, login: str, hours: float) -> Webhook:
        """`pull_request_review_comment.created` by `login`."""
        payload = self.payload("pull_request_review_comment/01-created.json", sender=login)
        payload["comment"].update(id=comment_id, created_at=at(hours), updated_at=at(hours))
        payload["comment"]["user"]["login"] = login
        return Webhook("pull_request_review_comment", payload)

    def thread_resolved(self, hours: float) -> Webhook:
        """`pull_request_review_thread.resolved` by the author."""
        payload = self.payload("pull_request_review_thread/01-resolved.json", sender=AUTHOR)
        payload["pull_request"]["updated_at"] = at(hours)
        return Webhook("pull_request_review_thread", payload)

    def ready_for_review(self) -> Webhook:
        """`pull_request.ready_for_review`: the PR evaluated again at its head."""
        return Webhook("pull_request", self.payload("pull_request/16-ready_for_review.json", sender=AUTHOR))

    def closed(self, hours: float) -> Webhook:
        """`pull_request.closed`, merged."""
        payload = self.payload("pull_request/03-closed.json", sender=REVIEWER)
        payload["pull_request"].update(merged=True, closed_at=at(hours), merged_at=at(hours))
        return Webhook("pull_request", payload)

    async def send(self, webhook: Webhook) -> None:
        """Deliver `webhook`, signed; GitHub's redelivery of it is the same webhook sent again."""
        response = await deliver(self.http, self.installation.app.webhook_secret, webhook)
        assert response.status_code in (200, 202), response.text

    def push(self, files: Mapping[str, bytes]) -> tuple[str, str]:
        """The author pushes a commit changing `files`; returns the heads before and after."""
        fake = self.installation.fake
        with fake.lock:
            before = self.repo.pulls[NUMBER].head_sha
        owner, name = self.installation.owner, self.installation.repo
        after = fake.push(owner, name, NUMBER, fake.new_sha(), head_files=dict(files)).head_sha
        return before, after

    def rebase(self, main_files: Mapping[str, bytes]) -> tuple[str, str]:
        """Someone lands `main_files` on main; the author rebases the PR onto it (a force push of the same
        changes on the new base). Returns the heads before and after."""
        fake = self.installation.fake
        owner, name = self.installation.owner, self.installation.repo
        tip = fake.push_branch(owner, name, "main", dict(main_files))
        with fake.lock:
            repo = self.repo
            pull = repo.pulls[NUMBER]
            before, old, head = pull.head_sha, repo.trees[pull.base_sha], repo.trees[pull.head_sha]
            own = {path: content for path, content in head.items() if old.get(path) != content}
            tree = {**repo.trees[tip], **own}
        sha = fake.new_sha()
        fake.force_push(owner, name, NUMBER, head_sha=sha, tree=tree, parent=tip)
        return before, sha

    async def drained(self) -> None:
        """Wait until no job is queued or running."""

        async def idle() -> bool:
            queued = await self.queue.zcard(default_queue_name)
            running = await self.queue.keys(f"{in_progress_key_prefix}*")
            cron = f"{in_progress_key_prefix}cron:".encode()
            return queued == 0 and all(key.startswith(cron) for key in running)

        await until_async(idle, what="the queue to drain", timeout=30)

    def summary(self) -> str:
        """The summary of the newest completed check run on the PR's head."""
        with self.installation.fake.lock:
            head = self.repo.pulls[NUMBER].head_sha
            runs = [
                r for r in self.repo.check_runs.values() if r.head_sha == head and r.status == "completed"
            ]
        assert runs, "no completed check run on the head"
        return runs[-1].summary or ""

    def figures(self) -> tuple[ReviewFigures, list[str]]:
        """The PR's figures from the ledger's history, and the recorded keys."""
        engine = create_engine_for(self.database_url)
        try:
            with session_factory(engine)() as session:
                history = pull_request_history(session, self.repo.id, NUMBER)
                keys = session.scalars(select(ReviewEvent.idempotency_key)).all()
        finally:
            engine.dispose()
        assert history is not None
        return measure_review(history), sorted(keys)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest) -> str:
    """A migrated ledger on each dialect."""
    url: str = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "sqlite_url")
    upgrade(url)
    return url


@pytest.fixture
async def review(
    fake_installation: FakeInstallation, clean_redis_url: str, ledger_url: str
) -> AsyncIterator[Review]:
    """The web app and a worker against the fake, PR #1 open with 40 lines of the author's own; at the end,
    every request the App made must have matched GitHub's OpenAPI description."""
    fake = fake_installation.fake
    fake.add_pull(
        fake_installation.owner,
        fake_installation.repo,
        NUMBER,
        author=AUTHOR,
        base_files={"src/app.py": lines(20), ".github/scopegate.yml": RULES},
        head_files={"src/app.py": lines(20) + lines(40, "new")},
    )
    settings = app_settings(
        fake_installation, redis_url=clean_redis_url, database_url=ledger_url, debounce_seconds=0.1
    )
    queue = ArqRedis(ConnectionPool.from_url(clean_redis_url))
    with serve_web(settings) as web_url:
        async with httpx.AsyncClient(base_url=web_url, timeout=10) as http, worker_in_loop(settings):
            yield Review(fake_installation, http, queue, ledger_url)
    await queue.aclose(close_connection_pool=True)
    assert not fake.invalid_requests, fake.invalid_requests


async def test_replay_gives_one_round_and_the_exact_rework(review: Review) -> None:
    """opened → changes requested with an inline comment → a push of 5 lines of the author's own → a
    rebase onto a main that moved by 30 lines → the author resolves the thread → approved → merged, with
    the approval delivered twice and the first review and push delivered swapped: one round, 5 rework lines
    (the rebase adds none), and the times from opening; each event is one row."""
    opened = review.opened()
    requested = review.review(80, "changes_requested", 1)
    inline = review.comment(2941, REVIEWER, 1)
    before, _ = review.push({"src/app.py": lines(20) + lines(40, "new") + lines(5, "fix")})
    pushed = review.synchronize(before, 2)
    rebased_from, _ = review.rebase({"src/other.py": lines(30, "main")})
    rebased = review.synchronize(rebased_from, 3)
    resolved = review.thread_resolved(3.5)
    approved = review.review(81, "approved", 4)
    merged = review.closed(5)

    for webhook in (opened, pushed, requested, inline, rebased, resolved, approved, approved, merged):
        await review.send(webhook)
    await review.drained()

    figures, keys = review.figures()
    # two pushes after the review, each measured once with two comparisons
    assert review.installation.fake.count("GET", f"/repos/{review.repo.full_name}/compare/") == 4
    assert figures == ReviewFigures(
        rounds=1,
        rework_lines=5,
        time_to_first_review=timedelta(hours=1),
        time_to_approval=timedelta(hours=4),
        time_to_merge=timedelta(hours=5),
    )
    assert len(keys) == 8 == len(set(keys))


async def test_a_rebase_only_push_adds_no_rework(review: Review) -> None:
    """Changes requested, then only a rebase onto a newer main (40 lines landed there) and a re-review:
    no rework, so no round either."""
    await review.send(review.opened())
    await review.send(review.review(80, "changes_requested", 1))
    before, _ = review.rebase({"src/other.py": lines(40, "main")})
    await review.send(review.synchronize(before, 2))
    await review.send(review.review(81, "approved", 3))
    await review.drained()

    figures, _ = review.figures()
    assert (figures.rounds, figures.rework_lines) == (0, 0)


async def test_the_authors_own_comment_and_pushes_before_review_cost_nothing(review: Review) -> None:
    """Pushes before any review are no rework and are not measured (GitHub is not asked to compare);
    the author commenting on their own diff is no review."""
    await review.send(review.opened())
    before, _ = review.push({"src/app.py": lines(20) + lines(60, "new")})
    await review.send(review.synchronize(before, 1))
    await review.send(review.comment(3000, AUTHOR, 1.5))
    await review.drained()

    figures, _ = review.figures()
    assert figures == ReviewFigures(0, 0, None, None, None)
    compare = f"/repos/{review.repo.full_name}/compare/"
    assert review.installation.fake.count("GET", compare) == 0


async def test_the_check_shows_the_rounds_and_acts_on_the_limit(review: Review) -> None:
    """Evaluated after a round, the check's summary carries the rounds, the rework lines and the time
    waiting for review, and the rules file's `rework: {max_rounds: 1, ask: reviewer}` asks for another
    reviewer, saying why."""
    await review.send(review.opened())
    await review.send(review.review(80, "changes_requested", 1))
    before, _ = review.push({"src/app.py": lines(20) + lines(40, "new") + lines(7, "fix")})
    await review.send(review.synchronize(before, 2))
    await review.send(review.review(81, "commented", 3))
    await review.drained()
    await review.send(review.ready_for_review())
    await review.drained()

    summary = review.summary()
    assert "| rounds | 1 |" in summary
    assert "| rework lines | 7 |" in summary
    assert "| time waiting for review | 2 h 0 min |" in summary  # 1 h to the first review, 1 h to the next
    assert "1 round of review (the limit is 1); ask another reviewer for a fresh look." in summary


async def test_a_submitted_review_has_the_check_evaluated_again(review: Review) -> None:
    """The re-review that ends a round is delivered after the author's push: with no other delivery, the
    check's summary then counts the round; a redelivery of the same review evaluates nothing more."""
    await review.send(review.opened())
    await review.send(review.review(80, "changes_requested", 1))
    before, _ = review.push({"src/app.py": lines(20) + lines(40, "new") + lines(7, "fix")})
    await review.send(review.synchronize(before, 2))
    await review.drained()
    pushed = review.summary()
    again = review.review(81, "approved", 3)
    await review.send(again)
    await review.drained()
    runs = f"/repos/{review.repo.full_name}/check-runs/"
    evaluated = review.installation.fake.count("PATCH", runs)
    await review.send(Webhook("pull_request_review", again.payload))  # a new delivery of the same review
    await review.drained()

    assert "| rounds | 0 |" in pushed
    assert "| rounds | 1 |" in review.summary()
    assert review.installation.fake.count("PATCH", runs) == evaluated


async def test_history_missed_by_webhooks_is_read_from_the_timeline(review: Review) -> None:
    """A pull request whose review events were never delivered (the installation had not accepted them):
    its closing reads the timeline — opened, changes requested with an inline comment, a push of 6 lines,
    approved, merged — giving one round and 6 rework lines; the deliveries arriving late add no row."""
    fake, owner, name = review.installation.fake, review.installation.owner, review.installation.repo
    requested = fake.add_review(owner, name, NUMBER, REVIEWER, state="CHANGES_REQUESTED")
    inline = fake.add_review_comment(owner, name, NUMBER, requested.id, REVIEWER)
    before, after = review.push({"src/app.py": lines(20) + lines(40, "new") + lines(6, "fix")})
    approved = fake.add_review(owner, name, NUMBER, REVIEWER, state="APPROVED")
    fake.close(owner, name, NUMBER, merged=True)
    with fake.lock:  # GitHub's times, an hour apart (the fake stamps everything with the clock's second)
        pull = review.repo.pulls[NUMBER]
        pull.created_at, requested.submitted_at, inline.created_at = moment(0), moment(1), moment(1)
        for sha, hours in ((pull.commits[0].sha, 0), (after, 2)):
            commit = review.repo.commits[sha]
            commit.committer = replace(commit.committer, date=moment(hours))
        approved.submitted_at, pull.closed_at = moment(4), moment(5)

    await review.send(review.closed(5))
    await review.drained()

    figures, keys = review.figures()
    assert figures == ReviewFigures(
        rounds=1,
        rework_lines=6,
        time_to_first_review=timedelta(hours=1),
        time_to_approval=timedelta(hours=4),
        time_to_merge=timedelta(hours=5),
    )
    late = (
        review.review(requested.id, "changes_requested", 1),
        review.comment(inline.id, REVIEWER, 1),
        review.synchronize(before, 2),
        review.review(approved.id, "approved", 4),
    )
    for webhook in late:
        await review.send(webhook)
    await review.drained()
    assert review.figures() == (figures, keys)


async def test_an_installation_without_the_review_events_is_read_from_the_timeline(review: Review) -> None:
    """An installation that has not accepted the review events gets none of their deliveries: each push
    reads the timeline instead, so the changes requested before it count, and the push is rework."""
    fake, owner, name = review.installation.fake, review.installation.owner, review.installation.repo
    with fake.lock:
        review.installation.installation.events = ["check_run", "issue_comment", "pull_request", "push"]
    await review.send(review.opened())
    await review.drained()
    requested = fake.add_review(owner, name, NUMBER, REVIEWER, state="CHANGES_REQUESTED")
    with fake.lock:
        requested.submitted_at = moment(1)
    before, _ = review.push({"src/app.py": lines(20) + lines(40, "new") + lines(4, "fix")})
    await review.send(review.synchronize(before, 2))
    await review.drained()

    figures, keys = review.figures()
    assert (figures.rounds, figures.rework_lines, figures.time_to_first_review) == (0, 4, timedelta(hours=1))
    assert f"review:{requested.id}:submitted" in keys


async def test_github_failing_a_comparison_is_tried_again(review: Review) -> None:
    """GitHub answering 502 to the push's comparisons for a while: the push is still measured."""
    await review.send(review.opened())
    await review.send(review.review(80, "changes_requested", 1))
    await review.drained()
    compare = f"/repos/{review.repo.full_name}/compare/"
    review.installation.fake.fail_next("GET", compare, 502, times=4)
    before, _ = review.push({"src/app.py": lines(20) + lines(40, "new") + lines(3, "fix")})
    await review.send(review.synchronize(before, 2))
    await review.drained()

    figures, _ = review.figures()
    assert figures.rework_lines == 3
    assert review.installation.fake.count("GET", compare, status=502) == 4
