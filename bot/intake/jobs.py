"""The job contract between the webhook intake and the workers: job names, arguments and arq job ids.

Each job is a frozen dataclass. Its fields are the keyword arguments of the worker function named by
`function`, except fields marked id-only, which only shape the arq job id. arq refuses a job whose id
it still holds (queued, running, or its result kept), so ids are chosen to say what counts as "the same
work": the same head of the same PR, the same comment, the same delivery.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, ClassVar

from arq.connections import ArqRedis
from arq.constants import result_key_prefix

_ID_ONLY = MappingProxyType({"id_only": True})


@dataclass(frozen=True, slots=True)
class Job(ABC):
    """A unit of work for the workers: which function runs it, with what, under which arq id."""

    function: ClassVar[str]
    debounced: ClassVar[bool] = False
    # Whether a finished job's kept result leaves its id free for the same work again (see queue.py).
    rerunnable: ClassVar[bool] = False

    @property
    @abstractmethod
    def job_id(self) -> str:
        """The arq job id; arq refuses a second job with an id it still holds."""

    def kwargs(self) -> dict[str, Any]:
        """The worker function's keyword arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.metadata.get("id_only")}


@dataclass(frozen=True, slots=True)
class EvaluatePullRequest(Job):
    """Evaluate PR `number` at `head_sha`; the worker re-fetches the PR and drops the job if the head moved.

    Deferred by the debounce so a burst of pushes costs one evaluation (of the last head). `refresh` marks
    a trigger that did not move the head (label, base branch, re-run request, ready for review): the id
    then also carries the delivery, so arq's `enqueue_job` does not refuse it while the earlier
    evaluation's result is kept. Rerunnable: only a queued or running job of the same id holds a delivery
    back, never a finished one's result, so a job that failed does not block the head for the hour arq
    keeps its result, and a force-push back to an earlier head is evaluated again.
    """

    function: ClassVar[str] = "evaluate_pull_request"
    debounced: ClassVar[bool] = True
    rerunnable: ClassVar[bool] = True

    installation_id: int
    owner: str
    repo: str
    number: int
    head_sha: str
    delivery_id: str
    refresh: bool = field(default=False, metadata=_ID_ONLY)

    @property
    def job_id(self) -> str:
        """`evaluate:{owner}/{repo}#{number}@{head_sha}`, plus `:{delivery_id}` for a refresh."""
        base = f"evaluate:{self.owner}/{self.repo}#{self.number}@{self.head_sha}"
        return f"{base}:{self.delivery_id}" if self.refresh else base


@dataclass(frozen=True, slots=True)
class ReevaluateRepository(Job):
    """Re-evaluate a repository's open PRs: its rules file or CODEOWNERS changed on the default branch."""

    function: ClassVar[str] = "reevaluate_repository"
    debounced: ClassVar[bool] = True

    installation_id: int
    owner: str
    repo: str
    after: str = field(metadata=_ID_ONLY)

    @property
    def job_id(self) -> str:
        """`reevaluate:{owner}/{repo}@{after}`: one job per push to the default branch."""
        return f"reevaluate:{self.owner}/{self.repo}@{self.after}"


@dataclass(frozen=True, slots=True)
class RecordInstallation(Job):
    """Record an `installation` or `installation_repositories` event; the payload is passed whole."""

    function: ClassVar[str] = "record_installation"

    event: str
    action: str
    payload: dict[str, Any]
    delivery_id: str = field(metadata=_ID_ONLY)

    @property
    def job_id(self) -> str:
        """`installation:{delivery_id}`: each delivery is recorded once."""
        return f"installation:{self.delivery_id}"


@dataclass(frozen=True, slots=True)
class OverrideByComment(Job):
    """Apply a `/scopegate override` comment; the worker checks the commenter's permission."""

    function: ClassVar[str] = "override_by_comment"

    installation_id: int
    owner: str
    repo: str
    number: int
    comment_id: int
    login: str
    body: str

    @property
    def job_id(self) -> str:
        """`override:{owner}/{repo}#{number}:{comment_id}`: each comment acts once."""
        return f"override:{self.owner}/{self.repo}#{self.number}:{self.comment_id}"


@dataclass(frozen=True, slots=True)
class RecordPullRequestClosed(Job):
    """Record that a PR was closed, merged or not."""

    function: ClassVar[str] = "record_pull_request_closed"

    installation_id: int
    repository_id: int
    owner: str
    repo: str
    number: int
    merged: bool
    delivery_id: str = field(metadata=_ID_ONLY)

    @property
    def job_id(self) -> str:
        """`closed:{owner}/{repo}#{number}:{delivery_id}`: a PR may be closed, reopened and closed again."""
        return f"closed:{self.owner}/{self.repo}#{self.number}:{self.delivery_id}"


@dataclass(frozen=True, slots=True)
class RecordReviewEvent(Job):
    """Record one event of a PR's review history (bot/core/rounds.py) under its idempotency `key`: a review,
    a review comment, a review thread resolved, a push, the opening or a closing. A push is measured by the
    worker (the PR's own diff before and after it), which is why this is a job and not the intake's work.

    `kind` names the event; the fields it does not use are None. `at` is GitHub's time, ISO 8601.
    """

    function: ClassVar[str] = "record_review_event"

    installation_id: int
    repository_id: int
    owner: str
    repo: str
    number: int
    pr_author: str | None
    kind: str  # "review", "review_comment", "review_thread", "push", "opened" or "closed"
    key: str
    at: str
    action: str | None = None
    github_id: int | None = None
    actor: str | None = None
    state: str | None = None
    before_sha: str | None = None
    head_sha: str | None = None
    base_sha: str | None = None
    merged: bool | None = None
    delivery_id: str | None = None

    @property
    def job_id(self) -> str:
        """`review-event:{owner}/{repo}#{number}:{key}`: the same event delivered twice is one job."""
        return f"review-event:{self.owner}/{self.repo}#{self.number}:{self.key}"


@dataclass(frozen=True, slots=True)
class ReportMergeGroup(Job):
    """Put the gate's check on a merge queue's group commit, from its newest pull request's verdict."""

    function: ClassVar[str] = "report_merge_group"

    installation_id: int
    owner: str
    repo: str
    head_sha: str
    number: int

    @property
    def job_id(self) -> str:
        """`merge-group:{owner}/{repo}@{head_sha}`."""
        return f"merge-group:{self.owner}/{self.repo}@{self.head_sha}"


@dataclass(frozen=True, slots=True)
class SweepInstallation(Job):
    """Reconcile one installation's open PRs with their checks (workers.sweep), queued by the periodic sweep.
    Rerunnable: one sweep of an installation at a time, but a finished one never holds the next back."""

    function: ClassVar[str] = "sweep_installation"
    rerunnable: ClassVar[bool] = True

    installation_id: int

    @property
    def job_id(self) -> str:
        """`sweep:{installation_id}`."""
        return f"sweep:{self.installation_id}"


async def enqueue(redis: ArqRedis, job: Job, *, debounce_seconds: float) -> bool:
    """Queue `job`, deferred by the debounce when it is debounced; False when arq already holds its id."""
    defer_by = debounce_seconds if job.debounced and debounce_seconds > 0 else None
    if job.rerunnable:
        await redis.delete(result_key_prefix + job.job_id)  # a finished job's result holds nothing back
    queued = await redis.enqueue_job(job.function, _job_id=job.job_id, _defer_by=defer_by, **job.kwargs())
    return queued is not None
