"""The GitHub App end to end: signed deliveries over real HTTP to the web app, real Redis and arq, workers in
this event loop or as real processes, a real SQL ledger, and the fake GitHub over HTTP.

Every test also checks that each request the App made matches GitHub's OpenAPI description (the `stack`
fixture asserts `fake.invalid_requests` is empty when the test ends).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix
from arq.jobs import Job
from redis.asyncio import ConnectionPool
from sqlalchemy import select

from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.evaluations import pull_request_evaluations
from bot.ledger.migrate import upgrade
from bot.ledger.models import Evaluation, Override
from bot.ledger.models import Finding as LedgerFinding
from bot.ledger.overrides import pull_request_overrides
from bot.settings import Settings
from tests import dummy_rule
from tests.apprunner import (
    Webhook,
    Webhooks,
    app_settings,
    deliver,
    forward_redeliveries,
    serve_web,
    until,
    until_async,
    worker_in_loop,
    worker_process,
)
from tests.fakegithub.fixtures import FakeInstallation
from tests.fakegithub.models import CheckRun, FileChange, IssueComment, Repo
from tests.fakegithub.server import FakeGitHub
from workers.redeliver import redeliver_failed_deliveries

RULES = ".github/scopegate.yml"
OVERRIDE_LABEL = "scopegate/override"
MARKER = "<!-- scopegate:sticky -->"
# A worker process needs ~1.5 s to import and start; an evaluation over HTTP well under a second.
PROCESS_SECONDS = 30.0


def lines(count: int, prefix: str = "line") -> bytes:
    """`count` lines, each a statement every checked grammar reads."""
    return "".join(f"{prefix}_{i} = {i}\n" for i in range(count)).encode()


@dataclass
class Stack:
    """The App deployed against the fake GitHub: its settings, its web app's address, a client of it, the
    queue, and readers of what GitHub and the ledger now hold."""

    installation: FakeInstallation
    settings: Settings
    web_url: str
    http: httpx.AsyncClient
    queue: ArqRedis
    webhooks: Webhooks

    @property
    def fake(self) -> FakeGitHub:
        """The fake GitHub."""
        return self.installation.fake

    @property
    def owner(self) -> str:
        """The repository's owner."""
        return self.installation.owner

    @property
    def repo(self) -> str:
        """The repository's name."""
        return self.installation.repo

    def stored(self) -> Repo:
        """The repository as the fake holds it (read it under `fake.lock`)."""
        repo = self.fake.repo(self.owner, self.repo)
        assert repo is not None
        return repo

    def main_branch(self) -> str:
        """The default branch's tip."""
        with self.fake.lock:
            return self.stored().branches["main"]

    def open_pull(
        self, number: int, head_files: dict[str, bytes], base_files: dict[str, bytes] | None = None
    ) -> str:
        """Open PR `number` changing `head_files` on a base holding `base_files`; returns its head sha."""
        pull = self.fake.add_pull(
            self.owner, self.repo, number, base_files=base_files or {}, head_files=head_files
        )
        return pull.head_sha

    async def deliver(self, webhook: Webhook) -> httpx.Response:
        """Post `webhook` to the web app, signed as GitHub signs it."""
        secret = self.installation.app.webhook_secret
        return await deliver(self.http, secret, webhook)

    async def open_and_deliver(self, number: int, head_files: dict[str, bytes]) -> str:
        """Open PR `number` and deliver its `pull_request.opened` (answered 202); returns its head sha."""
        head = self.open_pull(number, head_files)
        response = await self.deliver(self.webhooks.pull_request("opened", number))
        assert response.status_code == 202, response.text
        return head

    def runs(self, head_sha: str | None = None) -> list[CheckRun]:
        """The check runs on `head_sha` (all, when None), oldest first."""
        with self.fake.lock:
            return [
                run
                for run in self.stored().check_runs.values()
                if head_sha is None or run.head_sha == head_sha
            ]

    def comments(self, number: int) -> list[IssueComment]:
        """The comments on PR `number`, oldest first."""
        with self.fake.lock:
            return [comment for comment in self.stored().comments.values() if comment.number == number]

    def labels(self, number: int) -> list[str]:
        """PR `number`'s labels."""
        with self.fake.lock:
            return list(self.stored().pulls[number].labels)

    async def settled(self, head_sha: str, *, timeout: float = 20.0) -> CheckRun:
        """The completed check run on `head_sha`, once there is one and no job is left to run."""

        def probe() -> CheckRun | None:
            """The first completed check run on the head, if any."""
            return next((run for run in self.runs(head_sha) if run.status == "completed"), None)

        run = await until(probe, what=f"a completed check run on {head_sha[:7]}", timeout=timeout)
        await self.drained()
        return run

    async def drained(self) -> None:
        """Wait until no job is queued, deferred or running."""

        async def idle() -> bool:
            """Whether the queue is empty and no job holds an in-progress key (arq keeps a cron job's key
            for a minute after it ran, so another worker does not run it again)."""
            queued = await self.queue.zcard(default_queue_name)
            running = await self.queue.keys(f"{in_progress_key_prefix}*")
            cron = f"{in_progress_key_prefix}cron:".encode()
            return queued == 0 and all(key.startswith(cron) for key in running)

        await until_async(idle, what="the queue to drain")

    def ledger(self, number: int) -> tuple[list[Evaluation], list[Override]]:
        """The ledger's evaluations and override attempts for PR `number`."""
        engine = create_engine_for(self.settings.database_url)
        repository_id = self.fake.repo(self.owner, self.repo).id
        try:
            with session_factory(engine)() as session:
                evaluations = pull_request_evaluations(session, repository_id, number)
                return evaluations, pull_request_overrides(session, repository_id, number)
        finally:
            engine.dispose()


@pytest.fixture
def debounce_seconds() -> float:
    """How long an evaluation waits for more pushes: short, so the tests run quickly."""
    return 0.2


@pytest.fixture
def ledger_url(request: pytest.FixtureRequest) -> str:
    """A migrated ledger: SQLite, or PostgreSQL for a test parametrized `indirect` with "postgresql"."""
    dialect = getattr(request, "param", "sqlite")
    url: str = request.getfixturevalue("postgres_url" if dialect == "postgresql" else "sqlite_url")
    upgrade(url)
    return url


@pytest.fixture
async def stack(
    fake_installation: FakeInstallation, clean_redis_url: str, ledger_url: str, debounce_seconds: float
) -> AsyncIterator[Stack]:
    """The web app serving on a loopback port, no worker yet; at the end, every request the App made to
    GitHub must have matched GitHub's OpenAPI description."""
    settings = app_settings(
        fake_installation,
        redis_url=clean_redis_url,
        database_url=ledger_url,
        debounce_seconds=debounce_seconds,
    )
    queue = ArqRedis(ConnectionPool.from_url(clean_redis_url))
    with serve_web(settings) as web_url:
        async with httpx.AsyncClient(base_url=web_url, timeout=10) as http:
            yield Stack(fake_installation, settings, web_url, http, queue, Webhooks(fake_installation))
    await queue.aclose(close_connection_pool=True)
    assert not fake_installation.fake.invalid_requests, fake_installation.fake.invalid_requests


@pytest.fixture
async def app(stack: Stack) -> AsyncIterator[Stack]:
    """`stack` with a worker running in this event loop."""
    async with worker_in_loop(stack.settings):
        yield stack


@pytest.mark.parametrize(
    ("added", "conclusion", "label", "title"),
    [
        pytest.param(
            1200,
            "failure",
            "size/XXL",
            "1,200 effective lines (size/XXL): 1 blocking finding",
            id="1200-lines",
        ),
        pytest.param(12, "success", "size/S", "12 effective lines (size/S): within limits", id="12-lines"),
    ],
)
async def test_opened_pull_request_gets_a_check_a_size_label_and_one_comment(
    app: Stack, added: int, conclusion: str, label: str, title: str
) -> None:
    """`pull_request.opened` → 202 → a completed check run with the verdict and the size in its summary, the
    `size/*` label, exactly one comment carrying the same verdict, and the evaluation in the ledger."""
    head = await app.open_and_deliver(1, {"src/app.py": lines(added)})

    run = await app.settled(head)

    assert (run.name, run.conclusion, run.title) == ("scopegate", conclusion, title)
    assert f"| counted | {added:,} | 0 | 1 |" in (run.summary or "")
    assert run.annotations == []  # size findings belong to the whole PR, not to a line
    assert app.labels(1) == [label]
    [comment] = app.comments(1)
    assert comment.user == "scopegate[bot]"
    assert comment.body.startswith(MARKER)
    assert title in comment.body
    evaluations, _ = app.ledger(1)
    assert [(e.head_sha, e.conclusion, e.labels) for e in evaluations] == [(head, conclusion, [label])]


async def test_a_rule_added_by_files_reaches_annotations_labels_and_the_ledger(stack: Stack) -> None:
    """The test-only dummy rule (tests/dummy_rule.py, named by no module of the App) run by a worker: its
    located finding is an annotation, its owned label is set, and the ledger keeps its results, its
    metric in the column of that name and its findings by fingerprint."""
    settings = stack.settings
    async with worker_in_loop(settings, ctx={"settings": settings, "rules": dummy_rule.CATALOGUE}):
        head = await stack.open_and_deliver(1, {"src/app.py": lines(12)})
        run = await stack.settled(head)
    annotations = [(a["path"], a["start_line"], a["title"]) for a in run.annotations]
    assert annotations == [("src/app.py", 1, "dummy-check")]
    assert "dummy counted 1" in (run.title or "")
    assert sorted(stack.labels(1)) == ["dummy/1", "size/S"]
    [evaluation], _ = stack.ledger(1)
    assert evaluation.results["dummy-check"] == {"dummy": {"files": 1, "limit": 3}}
    assert evaluation.ai_lines == 1
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            rows = session.scalars(select(LedgerFinding).where(LedgerFinding.evaluation_id == evaluation.id))
            assert [(f.rule, f.path, f.line) for f in rows] == [("dummy-check", "src/app.py", 1)]
    finally:
        engine.dispose()


async def test_the_next_push_edits_the_same_comment_and_replaces_the_size_label(app: Stack) -> None:
    """After a push the sticky comment is found again by its hidden marker and edited in place, the stale
    size label is replaced, and each head keeps its own check run."""
    first = await app.open_and_deliver(1, {"src/app.py": lines(1200)})
    await app.settled(first)
    [posted] = app.comments(1)

    app.fake.push(app.owner, app.repo, 1, "a" * 40, head_files={"src/app.py": lines(20)})
    assert (await app.deliver(app.webhooks.pull_request("synchronize", 1))).status_code == 202
    run = await app.settled("a" * 40)

    [edited] = app.comments(1)
    assert edited.id == posted.id
    assert "20 effective lines (size/S): within limits" in edited.body
    assert "1,200" not in edited.body
    assert app.labels(1) == ["size/S"]
    assert run.conclusion == "success"
    assert [r.conclusion for r in app.runs(first)] == ["failure"]


async def test_a_delivery_sent_three_times_is_evaluated_once(app: Stack) -> None:
    """GitHub may deliver the same GUID again: the copies are acknowledged but not queued, so one check run
    is created (one POST) and one comment is posted."""
    head = app.open_pull(1, {"src/app.py": lines(40)})
    webhook = app.webhooks.pull_request("opened", 1)

    statuses = [(await app.deliver(webhook)).status_code for _ in range(3)]
    await app.settled(head)

    assert statuses == [202, 200, 200]
    assert len(app.runs(head)) == 1
    assert app.fake.count("POST", f"/repos/{app.owner}/{app.repo}/check-runs") == 1
    assert len(app.comments(1)) == 1


@pytest.mark.parametrize("debounce_seconds", [2.0], ids=["default-debounce"])
async def test_a_burst_of_pushes_is_evaluated_once_at_the_newest_head(
    app: Stack, debounce_seconds: float
) -> None:
    """Five `synchronize` deliveries in quick succession (the head moving each time) cost one evaluation, at
    the newest head; the older heads get no check run."""
    app.open_pull(1, {"src/app.py": lines(10)})
    heads = [f"{i}" * 40 for i in range(1, 6)]

    started = time.monotonic()
    for i, head in enumerate(heads, 1):
        app.fake.push(app.owner, app.repo, 1, head, head_files={"src/app.py": lines(10 + i)})
        assert (await app.deliver(app.webhooks.pull_request("synchronize", 1))).status_code == 202
    burst = time.monotonic() - started
    run = await app.settled(heads[-1])

    assert burst < debounce_seconds, "the burst must fit in the debounce for this test to mean anything"
    assert run.conclusion == "success"
    assert "15 effective lines" in (run.title or "")
    assert [r.head_sha for r in app.runs()] == [heads[-1]]
    assert app.fake.count("POST", f"/repos/{app.owner}/{app.repo}/check-runs") == 1
    assert len(app.comments(1)) == 1


async def test_a_job_for_an_old_head_publishes_nothing(app: Stack) -> None:
    """A job whose head has moved on by the time it runs drops out: no check run, no comment, no label
    change."""
    pull = app.fake.add_pull(
        app.owner, app.repo, 1, base_files={}, head_files={"src/app.py": lines(1200)}, labels=["size/XXL"]
    )
    old = pull.head_sha
    stale = app.webhooks.pull_request("opened", 1)
    app.fake.push(app.owner, app.repo, 1, "b" * 40, head_files={"src/app.py": lines(5)})

    assert (await app.deliver(stale)).status_code == 202
    result = await Job(f"evaluate:{app.owner}/{app.repo}#1@{old}", app.queue).result(
        timeout=20, poll_delay=0.05
    )
    await app.drained()

    assert result == "stale: the head moved on"
    assert app.runs() == []
    assert app.comments(1) == []
    assert app.labels(1) == ["size/XXL"]
    published = ("/check-runs", "/comments", "/labels")
    assert [r for r in app.fake.requests if r.method != "GET" and r.path.endswith(published)] == []


@pytest.mark.parametrize("ledger_url", ["postgresql"], indirect=True)
async def test_a_worker_killed_mid_evaluation_is_finished_after_a_restart(
    stack: Stack, tmp_path: Path
) -> None:
    """A worker process SIGKILLed while GitHub is creating its check run (already completed with the
    verdict: it is never in progress): the next worker process runs the job again once arq's claim on it
    expires, finds that check run by name and head in the PR's query, and updates it, so the head has
    exactly one check run."""
    job_timeout = 4  # arq runs a job again once its claim expires (job timeout + 10 s); ~10x an evaluation
    argv = ["-m", "tests.apprunner", "--job-timeout", str(job_timeout)]
    creating = stack.fake.delay_next("POST", r"/check-runs$", 1.0)
    with worker_process(stack.settings, tmp_path / "first.log", argv) as first:
        head = await stack.open_and_deliver(1, {"src/app.py": lines(1200)})
        await until(creating.arrived.is_set, what="the check run's creation", timeout=PROCESS_SECONDS)
        first.kill()
    created = await until(stack.runs, what="the check run the killed worker asked for")
    [(orphan, status)] = [(run.id, run.status) for run in created]

    with worker_process(stack.settings, tmp_path / "second.log", argv) as second:
        run = await stack.settled(head, timeout=PROCESS_SECONDS)
        log = second.output()

    assert status == "completed"
    assert [(r.id, r.conclusion) for r in stack.runs(head)] == [(orphan, "failure")], log
    assert "1,200 effective lines" in (run.title or "")
    assert len(stack.comments(1)) == 1
    assert stack.labels(1) == ["size/XXL"]


@pytest.mark.parametrize("ledger_url", ["postgresql"], indirect=True)
async def test_two_worker_processes_evaluate_each_pull_request_once(stack: Stack, tmp_path: Path) -> None:
    """Two `scopegate worker` processes on one queue and one PostgreSQL ledger: six PRs opened at once get
    one check run and one comment each."""
    numbers = range(1, 7)
    argv = ["-m", "bot", "worker"]
    with (
        worker_process(stack.settings, tmp_path / "one.log", argv) as one,
        worker_process(stack.settings, tmp_path / "two.log", argv) as two,
    ):
        # arq says so once connected to Redis, just before it starts polling the queue
        started = "Starting worker for"
        await until(
            lambda: started in one.output() and started in two.output(),
            what="both workers to start",
            timeout=PROCESS_SECONDS,
        )
        heads = {n: await stack.open_and_deliver(n, {f"src/m{n}.py": lines(200 * n)}) for n in numbers}
        runs = {n: await stack.settled(head, timeout=PROCESS_SECONDS) for n, head in heads.items()}
        logs = one.output() + two.output()

    assert {n: len(stack.runs(head)) for n, head in heads.items()} == dict.fromkeys(numbers, 1), logs
    assert {n: len(stack.comments(n)) for n in numbers} == dict.fromkeys(numbers, 1)
    assert {n: run.conclusion for n, run in runs.items()} == {
        n: "success" if 200 * n <= 800 else "failure" for n in numbers
    }
    assert stack.fake.count("POST", f"/repos/{stack.owner}/{stack.repo}/check-runs") == 6
    evaluations = {n: len(stack.ledger(n)[0]) for n in numbers}
    assert evaluations == dict.fromkeys(numbers, 1)


async def test_a_failed_delivery_is_redelivered_and_evaluated_once(stack: Stack) -> None:
    """A delivery that failed while the web app was down is asked for again by the periodic job (which also
    runs as a worker starts), reaches the web app with its GUID and is evaluated; the next run of the job
    asks for nothing."""
    head = stack.open_pull(1, {"src/app.py": lines(1200)})
    missed = stack.webhooks.pull_request("opened", 1)
    stack.fake.add_delivery("pull_request", missed.payload, guid=missed.guid, status_code=502)
    stack.fake.on_redeliver = forward_redeliveries(stack.web_url, stack.installation.app.webhook_secret)
    redeliver = "/app/hook/deliveries/"

    async with worker_in_loop(stack.settings) as worker:
        run = await stack.settled(head)
        asked_again = await redeliver_failed_deliveries(worker.ctx)

    assert run.conclusion == "failure"
    assert [(d.guid, d.status_code) for d in stack.fake.deliveries] == [
        (missed.guid, 502),
        (missed.guid, 202),
    ]
    assert stack.fake.count("POST", redeliver) == 1
    assert asked_again == 0
    assert len(stack.runs()) == 1


@dataclass(frozen=True)
class Unjudged:
    """A pull request the gate cannot fully judge, and the failing check it gets."""

    base_files: dict[str, bytes]
    head_files: dict[str, bytes] | None
    files: list[FileChange] | None  # rows as GitHub lists them, for PRs too big to seed with contents
    title: str
    summary: str  # in the check's summary
    annotation: tuple[str, int, str] | None  # path, line, level


UNJUDGED = [
    pytest.param(
        Unjudged(
            base_files={},
            head_files=None,
            files=[FileChange(f"data/{i}.txt", "added", additions=1) for i in range(3500)],
            title="3,000 effective lines (size/XXL): 2 blocking findings",
            summary="> **Partial result:** GitHub lists 3,000 of the 3,500 changed files",
            annotation=None,
        ),
        id="3500-files",
    ),
    pytest.param(
        Unjudged(
            base_files={RULES: b"size:\n  max_lines: 800\n  warn_lines: lots\n"},
            head_files={"src/app.py": lines(10)},
            files=None,
            title="10 effective lines (size/S): 1 blocking finding",
            summary=f"**config** `{RULES}:3` size.warn_lines: Input should be a valid integer",
            annotation=(RULES, 3, "failure"),
        ),
        id="malformed-rules",
    ),
]


@pytest.mark.parametrize("case", UNJUDGED)
async def test_pull_requests_that_cannot_be_fully_judged_get_a_completed_failing_check(
    app: Stack, case: Unjudged
) -> None:
    """Past GitHub's 3,000-file listing the check completes and says the result is partial; a rules file on
    the base branch that does not parse fails the check, naming the file, line and problem, with an
    annotation on that line."""
    pull = app.fake.add_pull(
        app.owner, app.repo, 1, base_files=case.base_files, head_files=case.head_files, files=case.files
    )
    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202

    run = await app.settled(pull.head_sha, timeout=40)

    assert (run.conclusion, run.title) == ("failure", case.title)
    assert case.summary in (run.summary or "")
    found = [(a["path"], a["start_line"], a["annotation_level"]) for a in run.annotations]
    assert found == ([case.annotation] if case.annotation else [])


TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*"
FAILING = "1,200 effective lines (size/XXL): 1 blocking finding"
REASON = "hotfix for the release"


@dataclass(frozen=True)
class OverrideCase:
    """An override attempt by `mona`, and what the check, the bot and the ledger show afterwards."""

    via: str  # "label" or "comment"
    role: str
    conclusion: str
    title: str
    shown: str | None  # a regex for the summary's override line; None: the check is left as it was
    answer: str | None  # the bot's reply, for a refused comment
    reason: str | None  # the ledger's


OVERRIDES = [
    pytest.param(
        OverrideCase(
            "label",
            "maintain",
            "success",
            "1,200 effective lines (size/XXL): overridden by @mona",
            rf"> \*\*Overridden\*\* by @mona \(label {OVERRIDE_LABEL}\) at {TIME}$",
            None,
            None,
        ),
        id="label-by-maintainer",
    ),
    pytest.param(
        OverrideCase(
            "label",
            "write",
            "failure",
            FAILING,
            rf"> \*\*Override refused\*\* by @mona \(label {OVERRIDE_LABEL}\) at {TIME}: "
            "needs maintain permission; @mona has write$",
            None,
            None,
        ),
        id="label-by-writer",
    ),
    pytest.param(
        OverrideCase(
            "comment",
            "maintain",
            "success",
            "1,200 effective lines (size/XXL): overridden by @mona",
            rf"> \*\*Overridden\*\* by @mona \(comment\) at {TIME}: {REASON}$",
            None,
            REASON,
        ),
        id="comment-by-maintainer",
    ),
    pytest.param(
        OverrideCase(
            "comment",
            "write",
            "failure",
            FAILING,
            None,
            "@mona `/scopegate override` needs **maintain** permission on this repository (you have write). "
            "Nothing changed.",
            REASON,
        ),
        id="comment-by-writer",
    ),
]


@pytest.mark.parametrize("case", OVERRIDES)
async def test_overrides_pass_the_gate_only_for_permitted_people(app: Stack, case: OverrideCase) -> None:
    """The override label or a `/scopegate override <reason>` comment passes a failing check when its author
    has `maintain` permission, and the check shows who, when (and why); a refused label is shown as refused;
    a refused comment is answered and the check left as it was. Every attempt is in the ledger."""
    head = await app.open_and_deliver(1, {"src/app.py": lines(1200)})
    failed = await app.settled(head)
    before = (failed.conclusion, failed.summary, failed.completed_at)
    app.fake.add_collaborator(app.owner, app.repo, "mona", case.role)

    if case.via == "label":
        app.fake.add_label(app.owner, app.repo, 1, OVERRIDE_LABEL, actor="mona")
        webhook = app.webhooks.pull_request("labeled", 1, sender="mona", label=OVERRIDE_LABEL)
    else:
        body = f"/scopegate override {REASON}"
        comment = app.fake.add_comment(app.owner, app.repo, 1, "mona", body)
        webhook = app.webhooks.comment(1, body, login="mona", comment_id=comment.id)
    assert (await app.deliver(webhook)).status_code == 202
    shown = case.shown
    if shown is not None:
        await until(
            lambda: re.search(shown, app.runs(head)[0].summary or "", re.M), what="the override shown"
        )
    else:
        await until(lambda: len(app.comments(1)) == 3, what="the answer to the comment")
    await app.drained()

    [run] = app.runs(head)
    assert (run.conclusion, run.title) == (case.conclusion, case.title)
    if shown is None:
        assert (run.conclusion, run.summary, run.completed_at) == before
    answers = [
        c.body for c in app.comments(1) if c.user == "scopegate[bot]" and not c.body.startswith(MARKER)
    ]
    assert answers == ([case.answer] if case.answer else [])
    _, attempts = app.ledger(1)
    recorded = [(o.actor_login, o.source, o.accepted, o.permission, o.reason, o.head_sha) for o in attempts]
    assert recorded == [("mona", case.via, case.conclusion == "success", case.role, case.reason, head)]


PERMISSION_DENIED = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
    "status": "403",
}


async def test_transient_github_errors_are_retried_within_the_evaluation(app: Stack) -> None:
    """A 502 and a secondary rate limit (403, `retry-after: 1`) during an evaluation are retried after the
    wait GitHub asks for: the evaluation completes with its verdict and one check run."""
    head = app.open_pull(1, {"src/app.py": lines(1200)})
    app.fake.fail_next("GET", r"/pulls/1/files$", 502)
    app.fake.rate_limit_next("POST", r"/check-runs$", retry_after=1)

    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    run = await app.settled(head)

    assert (app.fake.count(status=502), app.fake.count(status=403)) == (1, 1)
    assert run.conclusion == "failure"
    assert "1,200 effective lines" in (run.title or "")
    assert len(app.runs(head)) == 1
    assert len(app.comments(1)) == 1


async def test_a_persistent_github_error_completes_the_check_saying_what_went_wrong(app: Stack) -> None:
    """When GitHub keeps refusing a request the evaluation needs, the check run is not left in progress: it
    completes as a failure naming the request and GitHub's answer."""
    head = app.open_pull(1, {"src/app.py": lines(12)})
    app.fake.fail_next("POST", r"/issues/1/comments$", 403, times=50, body=PERMISSION_DENIED)

    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    run = await app.settled(head)

    assert run.conclusion == "failure"
    assert run.title == "scopegate could not evaluate this pull request"
    summary = run.summary or ""
    assert f"POST /repos/{app.owner}/{app.repo}/issues/1/comments" in summary
    assert "403" in summary
    assert "Resource not accessible by integration" in summary
    assert len(app.runs(head)) == 1


async def test_rules_pushed_to_the_default_branch_re_evaluate_open_pull_requests(app: Stack) -> None:
    """A push to the default branch changing the rules file re-evaluates every open PR under the new rules:
    their checks (one per head) and comments now show the new verdict."""
    heads = {n: await app.open_and_deliver(n, {f"src/m{n}.py": lines(1000)}) for n in (1, 2)}
    before = {n: (await app.settled(head)).conclusion for n, head in heads.items()}
    base = app.main_branch()
    after = app.fake.push_branch(app.owner, app.repo, "main", {RULES: b"size:\n  max_lines: 1500\n"})

    push = app.webhooks.push("main", base, after, [RULES])
    assert (await app.deliver(push)).status_code == 202
    for head in heads.values():
        await until(lambda head=head: app.runs(head)[0].conclusion == "success", what="the re-evaluation")
    await app.drained()

    assert before == {1: "failure", 2: "failure"}
    for n, head in heads.items():
        [run] = app.runs(head)
        assert run.title == "1,000 effective lines (size/XXL): within limits"
        [comment] = app.comments(n)
        assert "within limits" in comment.body


async def test_a_check_run_redis_forgot_is_found_in_the_pull_requests_query(app: Stack) -> None:
    """With Redis's memory of a head's check run gone (a restart without persistence), the head's next
    evaluation reuses the App's run, read from the PR's own GraphQL query: no REST lookup, no second run.
    Another App's run of the same name on that commit is not taken for ours."""
    head = await app.open_and_deliver(1, {"src/app.py": lines(40)})
    ours = await app.settled(head)
    with app.fake.lock:
        runs = app.stored().check_runs
        impostor = CheckRun(max(runs) + 100, ours.app_id + 1, ours.name, head, "completed", ours.started_at)
        runs[impostor.id] = impostor
    forgotten = await app.queue.keys("scopegate:run:*")
    assert forgotten
    await app.queue.delete(*forgotten)
    app.fake.reset_counts()

    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    await app.drained()

    where = f"/repos/{app.owner}/{app.repo}"
    assert app.fake.count("GET", f"{where}/commits/{head}/check-runs") == 0
    assert app.fake.count("POST", f"{where}/check-runs") == 0
    assert app.fake.count("PATCH", f"{where}/check-runs/{ours.id}") >= 1
    assert [run.id for run in app.runs(head)] == [ours.id, impostor.id]
    assert impostor.conclusion is None


@pytest.mark.parametrize("remembered", [True, False], ids=["redis-remembers-the-run", "redis-forgot-it"])
async def test_a_head_evaluated_again_shows_each_annotation_once(app: Stack, remembered: bool) -> None:
    """GitHub appends the annotations of every update: a head evaluated again (a re-run, a redelivery) whose
    run carries annotations gets a new run, created completed, carrying each finding once, and the old run
    is completed as replaced; how many annotations the old run carries comes from Redis, or from the PR's
    own query once Redis forgot it."""
    head = await app.open_and_deliver(1, {"src/lib.py": b"print(a)\nprint(b)\n"})
    first = await app.settled(head)
    if not remembered:
        await app.queue.delete(*await app.queue.keys("scopegate:run:*"))

    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    await app.drained()

    old, shown = app.runs(head)
    assert (old.id, old.conclusion, old.title) == (first.id, "neutral", "Replaced by a newer run")
    assert sorted(a["start_line"] for a in old.annotations) == [1, 2]
    assert (shown.status, shown.conclusion) == ("completed", "success")
    assert sorted(a["start_line"] for a in shown.annotations) == [1, 2]
    assert app.fake.count("POST", f"/repos/{app.owner}/{app.repo}/check-runs") == 2
