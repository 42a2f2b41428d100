"""Mapping webhook deliveries to jobs, on GitHub's own example payloads and variants of them."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from bot.intake.events import check_run_external_id, plan
from bot.intake.jobs import (
    EvaluatePullRequest,
    Job,
    OverrideByComment,
    RecordInstallation,
    RecordPullRequestClosed,
    ReevaluateRepository,
)

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
BOT = "scopegate[bot]"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
HELLO = {"owner": "Codertocat", "repo": "Hello-World"}


@dataclass(frozen=True)
class Expect:
    """One expected job: its worker function, arq id and (some of) its arguments."""

    function: str
    job_id: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Nothing:
    """No job, for a reason that contains `because`."""

    because: str


def evaluate(installation_id: int, head: str = HEAD, *, refresh: bool, number: int = 2) -> Expect:
    """Evaluate Codertocat/Hello-World#number at `head`; a refresh's id also carries the delivery."""
    job_id = f"evaluate:Codertocat/Hello-World#{number}@{head}" + (f":{DELIVERY}" if refresh else "")
    args = {"installation_id": installation_id, **HELLO, "number": number, "head_sha": head}
    return Expect("evaluate_pull_request", job_id, {**args, "delivery_id": DELIVERY})


def closed(merged: bool) -> Expect:
    """Record the close of Codertocat/Hello-World#2."""
    args = {"installation_id": 1, "repository_id": 186853002, **HELLO, "number": 2, "merged": merged}
    return Expect("record_pull_request_closed", f"closed:Codertocat/Hello-World#2:{DELIVERY}", args)


def history(key: str, **args: Any) -> Expect:
    """Record an event of Codertocat/Hello-World#2's review history under its idempotency `key`."""
    job_id = f"review-event:Codertocat/Hello-World#2:{key}"
    return Expect("record_review_event", job_id, {**HELLO, "number": 2, "key": key, **args})


OPENED_RECORD = history("pull_request:2:opened", kind="opened", pr_author="Codertocat")
CLOSED_RECORD = history("pull_request:2:closed:2019-05-15T15:21:18+00:00", kind="closed", merged=False)
PUSH_RECORD = history(
    f"push:2:{HEAD}",
    kind="push",
    head_sha=HEAD,
    before_sha="f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
    at="2019-05-15T15:20:33+00:00",
)


def installation(event: str, action: str) -> Expect:
    """Record an installation event."""
    return Expect("record_installation", f"installation:{DELIVERY}", {"event": event, "action": action})


NO_INSTALLATION = Nothing("installation.id")
UNCHANGED = Nothing("does not change the verdict")
NOT_HANDLED = Nothing("not handled")
NOTHING_TO_DO = Nothing("nothing to do")
NOT_A_PR = Nothing("not a pull request")
NOT_DEFAULT = Nothing("other than the default branch")

# Every vendored example, by file: what it must map to.
EXPECTED: dict[str, tuple[Expect, ...] | Nothing] = {
    "check_run/00-created.json": NOTHING_TO_DO,
    "check_run/01-completed.json": NOTHING_TO_DO,
    "check_run/02-completed.json": NOTHING_TO_DO,
    "check_run/03-completed.json": NOTHING_TO_DO,
    "check_run/04-created.json": NOTHING_TO_DO,
    "check_run/05-created.json": NOTHING_TO_DO,
    "check_run/06-requested_action.json": NOTHING_TO_DO,
    "check_run/07-rerequested.json": Nothing("lists no pull request"),
    "check_run/08-rerequested.json": Nothing("lists no pull request"),
    "check_suite/00-completed.json": NOTHING_TO_DO,
    "check_suite/01-completed.json": NOTHING_TO_DO,
    "check_suite/02-completed.json": NOTHING_TO_DO,
    "check_suite/03-completed.json": NOTHING_TO_DO,
    "check_suite/04-requested.json": NOTHING_TO_DO,
    "check_suite/05-requested.json": NOTHING_TO_DO,
    "check_suite/06-requested.json": NOTHING_TO_DO,
    "check_suite/07-rerequested.json": (evaluate(957387, refresh=True),),
    "check_suite/08-rerequested.json": (evaluate(957387, refresh=True),),
    "installation/00-deleted.json": (installation("installation", "deleted"),),
    "installation/01-created.json": (installation("installation", "created"),),
    "installation/02-created.json": (installation("installation", "created"),),
    "installation/03-deleted.json": (installation("installation", "deleted"),),
    "installation/04-new_permissions_accepted.json": (
        installation("installation", "new_permissions_accepted"),
    ),
    "installation/05-suspend.json": (installation("installation", "suspend"),),
    "installation/06-unsuspend.json": (installation("installation", "unsuspend"),),
    "installation_repositories/00-added.json": (installation("installation_repositories", "added"),),
    "installation_repositories/01-added.json": (installation("installation_repositories", "added"),),
    "installation_repositories/02-removed.json": (installation("installation_repositories", "removed"),),
    "issue_comment/00-created.json": NOT_A_PR,
    "issue_comment/01-created.json": NOT_A_PR,
    "issue_comment/02-created.json": NOT_A_PR,
    "issue_comment/03-created.json": NOT_A_PR,
    "issue_comment/04-created.json": NOT_A_PR,
    "issue_comment/05-deleted.json": NOTHING_TO_DO,
    "issue_comment/06-deleted.json": NOTHING_TO_DO,
    "issue_comment/07-edited.json": NOTHING_TO_DO,
    "issue_comment/08-edited.json": NOTHING_TO_DO,
    "ping/00.json": Nothing("ping"),
    "ping/01.json": Nothing("ping"),
    "ping/02.json": Nothing("ping"),
    "ping/03.json": Nothing("ping"),
    "pull_request/00-opened.json": NO_INSTALLATION,
    "pull_request/01-assigned.json": UNCHANGED,
    "pull_request/02-assigned.json": UNCHANGED,
    "pull_request/03-closed.json": (closed(merged=False), CLOSED_RECORD),
    "pull_request/04-closed.json": (closed(merged=False), CLOSED_RECORD),
    "pull_request/05-converted_to_draft.json": UNCHANGED,
    "pull_request/06-converted_to_draft.json": UNCHANGED,
    "pull_request/07-converted_to_draft.json": UNCHANGED,
    "pull_request/08-labeled.json": (evaluate(1, refresh=True),),
    "pull_request/09-labeled.json": (evaluate(1, refresh=True),),
    "pull_request/10-locked.json": UNCHANGED,
    "pull_request/11-locked.json": UNCHANGED,
    "pull_request/12-opened.json": (evaluate(1, refresh=False), OPENED_RECORD),
    "pull_request/13-opened.json": (evaluate(1, refresh=False), OPENED_RECORD),
    "pull_request/14-opened.json": (evaluate(1, refresh=False), OPENED_RECORD),
    "pull_request/15-ready_for_review.json": NO_INSTALLATION,
    "pull_request/16-ready_for_review.json": (evaluate(1, refresh=True),),
    "pull_request/17-ready_for_review.json": NO_INSTALLATION,
    "pull_request/18-reopened.json": (evaluate(1, refresh=True),),
    "pull_request/19-reopened.json": (evaluate(1, refresh=True),),
    "pull_request/20-review_request_removed.json": UNCHANGED,
    "pull_request/21-review_requested.json": UNCHANGED,
    "pull_request/22-synchronize.json": (evaluate(1, refresh=False), PUSH_RECORD),
    "pull_request/23-unassigned.json": UNCHANGED,
    "pull_request/24-unassigned.json": UNCHANGED,
    "pull_request/25-unlabeled.json": (evaluate(1, refresh=True),),
    "pull_request/26-unlabeled.json": (evaluate(1, refresh=True),),
    "pull_request/27-unlocked.json": UNCHANGED,
    "pull_request/28-unlocked.json": UNCHANGED,
    # The examples without an installation predate GitHub Apps' deliveries.
    "pull_request_review/00-submitted.json": NO_INSTALLATION,
    "pull_request_review/01-dismissed.json": (
        history("review:237895671:dismissed", kind="review", actor="Codertocat", state="dismissed"),
    ),
    "pull_request_review/02-submitted.json": (
        history(
            "review:237895671:submitted",
            kind="review",
            github_id=237895671,
            state="commented",
            at="2019-05-15T15:20:38+00:00",
        ),
    ),
    "pull_request_review/03-submitted.json": (history("review:237895671:submitted", kind="review"),),
    "pull_request_review_comment/00-created.json": NO_INSTALLATION,
    "pull_request_review_comment/01-created.json": (
        history(
            "review_comment:284312630:created",
            kind="review_comment",
            actor="Codertocat",
            at="2019-05-15T15:20:37+00:00",
        ),
    ),
    "pull_request_review_comment/02-created.json": (
        history("review_comment:284312630:created", kind="review_comment"),
    ),
    "pull_request_review_comment/03-deleted.json": (
        history("review_comment:284312630:deleted", kind="review_comment", action="deleted"),
    ),
    "pull_request_review_comment/04-edited.json": (
        history("review_comment:284312630:edited", kind="review_comment", action="edited"),
    ),
    "pull_request_review_thread/00-resolved.json": NO_INSTALLATION,
    "pull_request_review_thread/01-resolved.json": (
        history(
            f"review_thread:PRRT_kwDOFd42Pc4rQOUv:resolved:{DELIVERY}",
            kind="review_thread",
            actor="Codertocat",
        ),
    ),
    "pull_request_review_thread/02-unresolved.json": (
        history(f"review_thread:PRRT_kwDOFd42Pc4rQOUv:unresolved:{DELIVERY}", kind="review_thread"),
    ),
    "push/00.json": NOT_DEFAULT,
    "push/01.json": NOT_DEFAULT,
    "push/02.json": NOT_DEFAULT,
    "push/03.json": NOT_DEFAULT,
    "push/04.json": Nothing("does not touch the rules file"),
    "push/05.json": Nothing("does not touch the rules file"),
    "push/06.json": NOT_DEFAULT,
}

VENDORED = sorted(path.relative_to(FIXTURES).as_posix() for path in FIXTURES.glob("*/*.json"))


def load(name: str) -> dict[str, Any]:
    """A vendored payload."""
    payload: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return payload


def variant(name: str, **changes: Any) -> dict[str, Any]:
    """A vendored payload with values replaced at dotted paths (`a__b` stands for `a.b`; None deletes)."""
    payload = copy.deepcopy(load(name))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = payload
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return payload


def assert_maps_to(
    event: str,
    payload: Mapping[str, Any],
    expected: tuple[Expect, ...] | Nothing,
    *,
    app_id: int | None = None,
) -> None:
    """`payload` maps to exactly the expected jobs, or to none for the expected reason."""
    result = plan(event, payload, delivery_id=DELIVERY, app_id=app_id, bot_login=BOT)
    if isinstance(expected, Nothing):
        assert result.jobs == ()
        assert expected.because in result.reason
        return
    assert [(job.function, job.job_id) for job in result.jobs] == [(e.function, e.job_id) for e in expected]
    for job, want in zip(result.jobs, expected, strict=True):
        assert_args(job, want)


def assert_args(job: Job, want: Expect) -> None:
    """The job's worker arguments include the expected ones."""
    kwargs = job.kwargs()
    assert {name: kwargs.get(name) for name in want.args} == dict(want.args)


def test_every_vendored_example_has_an_expectation() -> None:
    """A newly vendored example must be added to the table, and the table names only vendored files."""
    assert sorted(EXPECTED) == VENDORED


@pytest.mark.parametrize("name", VENDORED)
def test_vendored_example(name: str) -> None:
    """Each of GitHub's example payloads maps to the jobs (or the lack of them) the table says."""
    assert_maps_to(name.partition("/")[0], load(name), EXPECTED[name])


def test_record_installation_gets_the_plain_values_the_ledger_reads() -> None:
    """record_installation gets what the ledger reads of the payload (the installation, its account and the
    repositories' ids and names), as plain values: nothing else of the payload travels in the queue."""
    payload = load("installation/01-created.json")
    (job,) = plan("installation", payload, delivery_id=DELIVERY, app_id=None, bot_login=None).jobs
    installation = payload["installation"]
    assert job.kwargs()["payload"] == {
        "action": "created",
        "installation": {
            "id": installation["id"],
            "target_type": installation["target_type"],
            "created_at": installation["created_at"],
            "suspended_at": installation["suspended_at"],
            "account": {k: installation["account"][k] for k in ("id", "login", "type")},
        },
        "repositories": [{"id": r["id"], "full_name": r["full_name"]} for r in payload["repositories"]],
    }


SYNC = "pull_request/22-synchronize.json"
LABELED = "pull_request/08-labeled.json"
CLOSED = "pull_request/03-closed.json"
BASE_CHANGE = {"base": {"ref": {"from": "main"}, "sha": {"from": "0" * 40}}}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            variant(SYNC, pull_request__head__sha="f" * 40),
            (evaluate(1, "f" * 40, refresh=False), PUSH_RECORD),
            id="new-head",
        ),
        pytest.param(
            variant(SYNC, pull_request__draft=True), (evaluate(1, refresh=False), PUSH_RECORD), id="draft"
        ),
        pytest.param(
            variant(SYNC, brand_new_field={"x": 1}),
            (evaluate(1, refresh=False), PUSH_RECORD),
            id="extra-fields",
        ),
        pytest.param(
            variant(SYNC, pull_request__head=None), Nothing("pull_request.head.sha"), id="no-head-sha"
        ),
        pytest.param(
            variant(SYNC, pull_request__number=None), Nothing("pull_request.number"), id="no-number"
        ),
        pytest.param(variant(SYNC, installation__id="1"), NO_INSTALLATION, id="installation-id-string"),
        pytest.param(variant(SYNC, installation__id=True), NO_INSTALLATION, id="installation-id-bool"),
        pytest.param(variant(SYNC, action=None), Nothing("action"), id="no-action"),
        pytest.param(variant(SYNC, pull_request="oops"), Nothing("pull_request.number"), id="not-an-object"),
        pytest.param(
            variant(SYNC, action="edited", changes=BASE_CHANGE),
            (evaluate(1, refresh=True),),
            id="edited-base",
        ),
        pytest.param(
            variant(SYNC, action="edited", changes={"title": {"from": "x"}}),
            Nothing("base"),
            id="edited-title",
        ),
        pytest.param(variant(LABELED, label__name="size/XL"), Nothing("size label"), id="size-label"),
        pytest.param(
            variant(LABELED, action="unlabeled", label__name="size/S"),
            Nothing("size label"),
            id="unlabel-size",
        ),
        pytest.param(
            variant(LABELED, label__name="scopegate/override"),
            (evaluate(1, refresh=True),),
            id="override-label",
        ),
        pytest.param(
            variant(LABELED, sender__login="Scopegate[bot]"), Nothing("App itself"), id="label-by-app"
        ),
        pytest.param(
            variant(LABELED, sender__login="renovate[bot]"),
            (evaluate(1, refresh=True),),
            id="label-by-other-bot",
        ),
        pytest.param(variant(LABELED, label=None), (evaluate(1, refresh=True),), id="label-missing"),
        pytest.param(
            variant(CLOSED, pull_request__merged=True),
            (closed(merged=True), replace(CLOSED_RECORD, args={**CLOSED_RECORD.args, "merged": True})),
            id="closed-merged",
        ),
        pytest.param(
            variant(SYNC, pull_request__updated_at="yesterday"),
            (evaluate(1, refresh=False),),
            id="push-without-a-time-is-evaluated-not-recorded",
        ),
        pytest.param(variant(CLOSED, pull_request__merged=None), Nothing("merged"), id="closed-no-merged"),
    ],
)
def test_pull_request_variants(payload: dict[str, Any], expected: tuple[Expect, ...] | Nothing) -> None:
    """Drafts, base changes, labels and malformed payloads map as intended."""
    assert_maps_to("pull_request", payload, expected)


def test_burst_of_pushes_gives_one_id_per_head() -> None:
    """Each head gets its own id and a head the same id whatever the delivery: arq runs a head once."""
    heads = [f"{n:040x}" for n in range(5)] * 2
    payloads = [variant(SYNC, pull_request__head__sha=head) for head in heads]
    plans = [
        plan("pull_request", p, delivery_id=f"d-{n}", app_id=None, bot_login=BOT)
        for n, p in enumerate(payloads)
    ]
    assert len({result.jobs[0].job_id for result in plans}) == 5


RUN = "check_run/07-rerequested.json"
SUITE = "check_suite/07-rerequested.json"
RUN_HEAD = "d6fde92930d4715a2b49857d24b940956b26d2d3"


def rerun(number: int) -> Expect:
    """Evaluate github/hello-world#number at the re-requested run's head."""
    job_id = f"evaluate:github/hello-world#{number}@{RUN_HEAD}:{DELIVERY}"
    args = {
        "installation_id": 1,
        "owner": "github",
        "repo": "hello-world",
        "number": number,
        "head_sha": RUN_HEAD,
    }
    return Expect("evaluate_pull_request", job_id, args)


def run_on(*numbers: int, **changes: Any) -> dict[str, Any]:
    """The vendored re-requested check run, listing pull requests `numbers`."""
    return variant(RUN, check_run__pull_requests=[{"number": n} for n in numbers], **changes)


@pytest.mark.parametrize(
    ("event", "payload", "app_id", "expected"),
    [
        pytest.param("check_run", run_on(5, 6), None, (rerun(5), rerun(6)), id="run-with-prs"),
        pytest.param("check_run", run_on(5), 2, (rerun(5),), id="run-ours"),
        pytest.param("check_run", run_on(5), 99, Nothing("another App"), id="run-other-app"),
        pytest.param(
            "check_run", run_on(check_run__external_id=check_run_external_id(7)), None, (rerun(7),), id="fork"
        ),
        pytest.param(
            "check_run", run_on(check_run__external_id="ci-42"), None, Nothing("no pull"), id="foreign-id"
        ),
        pytest.param("check_run", run_on(5, action="created"), 2, NOTHING_TO_DO, id="run-created-by-us"),
        pytest.param("check_run", run_on(5, action="completed"), 2, NOTHING_TO_DO, id="run-completed-by-us"),
        pytest.param("check_suite", load(SUITE), 29310, (evaluate(957387, refresh=True),), id="suite-ours"),
        pytest.param("check_suite", load(SUITE), 1, Nothing("another App"), id="suite-other-app"),
        pytest.param(
            "check_suite", variant(SUITE, check_suite__head_sha=None), None, Nothing("head_sha"), id="no-head"
        ),
    ],
)
def test_check_variants(
    event: str, payload: dict[str, Any], app_id: int | None, expected: tuple[Expect, ...] | Nothing
) -> None:
    """Only re-run requests of our own checks evaluate, each listed PR at the run's head."""
    assert_maps_to(event, payload, expected, app_id=app_id)


PUSH = "push/04.json"
AFTER = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
REEVALUATE = (
    Expect(
        "reevaluate_repository", f"reevaluate:Codertocat/Hello-World@{AFTER}", {"installation_id": 1, **HELLO}
    ),
)
UNTOUCHED = Nothing("does not touch")


def pushed(kind: str, path: str, **changes: Any) -> dict[str, Any]:
    """The vendored push to master, its one commit changing `path` as `kind`."""
    payload = variant(PUSH, **changes)
    payload["commits"][0].update({"added": [], "modified": [], "removed": [], kind: [path]})
    return payload


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(pushed("added", ".github/scopegate.yml"), REEVALUATE, id="rules-added"),
        pytest.param(pushed("modified", ".github/scopegate.yml"), REEVALUATE, id="rules-modified"),
        pytest.param(pushed("removed", ".github/scopegate.yml"), REEVALUATE, id="rules-removed"),
        pytest.param(pushed("modified", ".github/CODEOWNERS"), REEVALUATE, id="codeowners-github"),
        pytest.param(pushed("added", "CODEOWNERS"), REEVALUATE, id="codeowners-root"),
        pytest.param(pushed("removed", "docs/CODEOWNERS"), REEVALUATE, id="codeowners-docs"),
        pytest.param(pushed("modified", "src/CODEOWNERS"), UNTOUCHED, id="codeowners-elsewhere"),
        pytest.param(pushed("modified", ".github/scopegate.yaml"), UNTOUCHED, id="yaml-extension"),
        pytest.param(
            pushed("modified", ".github/scopegate.yml", ref="refs/heads/dev"), NOT_DEFAULT, id="other-branch"
        ),
        pytest.param(
            pushed("modified", ".github/scopegate.yml", deleted=True), Nothing("deleted"), id="deleted"
        ),
        pytest.param(variant(PUSH, forced=True), REEVALUATE, id="forced"),
        pytest.param(variant(PUSH, commits=None), UNTOUCHED, id="no-commits-list"),
        pytest.param(pushed("added", "CODEOWNERS", installation=None), NO_INSTALLATION, id="no-installation"),
    ],
)
def test_push_variants(payload: dict[str, Any], expected: tuple[Expect, ...] | Nothing) -> None:
    """A push to the default branch re-evaluates open PRs when the rules or CODEOWNERS may have changed."""
    assert_maps_to("push", payload, expected)


def test_push_past_the_commit_cap_reevaluates() -> None:
    """A push listing 2048 commits may have lost some, so the changed files are unknown: re-evaluate."""
    payload = load(PUSH)
    payload["commits"] = payload["commits"] * 2048
    assert_maps_to("push", payload, REEVALUATE)


COMMENT = "issue_comment/03-created.json"
ON_PR = {"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
OVERRIDE = Expect(
    "override_by_comment",
    "override:Codertocat/Hello-World#1:492700400",
    {"installation_id": 1, **HELLO, "number": 1, "comment_id": 492700400, "login": "Codertocat"},
)


def commented(body: str, **changes: Any) -> dict[str, Any]:
    """The vendored comment, made on a pull request, saying `body`."""
    return variant(COMMENT, **{"issue__pull_request": ON_PR, "comment__body": body, **changes})


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(commented("/scopegate override reviewed"), (OVERRIDE,), id="override"),
        pytest.param(commented("/scopegate override"), (OVERRIDE,), id="override-bare"),
        pytest.param(commented("\n  /scopegate  override\nok"), (OVERRIDE,), id="override-indented"),
        pytest.param(
            commented("/scopegate overrides"), Nothing("not a scopegate command"), id="other-command"
        ),
        pytest.param(commented("> /scopegate override"), Nothing("not a scopegate command"), id="quoted"),
        pytest.param(commented("/scopegate override", issue__pull_request=None), NOT_A_PR, id="on-issue"),
        pytest.param(commented("/scopegate override", action="edited"), NOTHING_TO_DO, id="edited"),
    ],
)
def test_comment_variants(payload: dict[str, Any], expected: tuple[Expect, ...] | Nothing) -> None:
    """Only a new `/scopegate override` comment on a pull request asks for an override."""
    assert_maps_to("issue_comment", payload, expected)


def test_override_passes_the_comment_body() -> None:
    """The worker gets the whole comment body (the reason follows the command)."""
    body = "/scopegate override reviewed by hand"
    (job,) = plan("issue_comment", commented(body), delivery_id=DELIVERY, app_id=None, bot_login=None).jobs
    assert job.kwargs()["body"] == body


def test_unknown_event_maps_to_nothing() -> None:
    """Events the App does not handle are answered with a reason, not an error."""
    result = plan("star", {"action": "created"}, delivery_id=DELIVERY, app_id=None, bot_login=None)
    assert result.jobs == ()
    assert "star" in result.reason


@pytest.mark.parametrize(
    ("job", "function", "arguments"),
    [
        pytest.param(
            EvaluatePullRequest(1, "o", "r", 2, "abc", "d", refresh=True),
            "evaluate_pull_request",
            {"installation_id", "owner", "repo", "number", "head_sha", "delivery_id"},
            id="evaluate",
        ),
        pytest.param(
            ReevaluateRepository(1, "o", "r", after="abc"),
            "reevaluate_repository",
            {"installation_id", "owner", "repo"},
            id="reevaluate",
        ),
        pytest.param(
            RecordInstallation("installation", "created", {}, delivery_id="d"),
            "record_installation",
            {"event", "action", "payload"},
            id="installation",
        ),
        pytest.param(
            OverrideByComment(1, "o", "r", 2, 3, "login", "body"),
            "override_by_comment",
            {"installation_id", "owner", "repo", "number", "comment_id", "login", "body"},
            id="override",
        ),
        pytest.param(
            RecordPullRequestClosed(1, 7, "o", "r", 2, True, delivery_id="d"),
            "record_pull_request_closed",
            {"installation_id", "repository_id", "owner", "repo", "number", "merged"},
            id="closed",
        ),
    ],
)
def test_worker_arguments_are_the_contract(job: Job, function: str, arguments: set[str]) -> None:
    """Each job calls its worker with exactly the agreed keyword arguments; id-only fields stay out."""
    assert job.function == function
    assert set(job.kwargs()) == arguments
