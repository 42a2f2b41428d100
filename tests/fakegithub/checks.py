"""Check-run routes. Limits (50 annotations per request, 65535-character summary and text) come from the
OpenAPI description, which the gate enforces; annotations accumulate across updates as on GitHub.

https://docs.github.com/en/rest/checks/runs#update-a-check-run
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .calls import Call, Reply, error, not_found, paginate
from .models import CheckRun
from .pull_shapes import pull_minimal
from .routing import Router
from .shapes import WEB, app, node_id, timestamp

if TYPE_CHECKING:
    from .models import Repo
    from .state import GitHubState

router = Router()


def _check_run(call: Call, state: GitHubState, repo: Repo, run: CheckRun) -> dict[str, Any]:
    """A `check-run`, listing the open pull requests whose head is the run's commit."""
    url = f"{call.api}/repos/{repo.full_name}/check-runs/{run.id}"
    pulls = [p for p in repo.pulls.values() if p.head_sha == run.head_sha and p.state == "open"]
    return {
        "id": run.id,
        "head_sha": run.head_sha,
        "node_id": node_id("CheckRun", run.id),
        "external_id": run.external_id or "",
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/runs/{run.id}",
        "details_url": run.details_url or f"{WEB}/apps/{state.apps[run.app_id].slug}",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": timestamp(run.started_at),
        "completed_at": timestamp(run.completed_at),
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": int(run.head_sha[:7], 16)},
        "app": app(call.api, state, state.apps[run.app_id]),
        "pull_requests": [pull_minimal(call.api, repo, p) for p in pulls],
    }


def _moment(value: str | None) -> datetime | None:
    """A timestamp from a request body."""
    return datetime.fromisoformat(value) if value else None


def _apply(state: GitHubState, run: CheckRun, body: dict[str, Any]) -> None:
    """Apply a create or update body; `conclusion` implies `completed`, and annotations are appended."""
    for key in ("name", "details_url", "external_id", "status"):
        if key in body:
            setattr(run, key, body[key])
    run.started_at = _moment(body.get("started_at")) or run.started_at
    if body.get("conclusion"):
        run.conclusion, run.status = body["conclusion"], "completed"
    if run.status == "completed":
        run.completed_at = _moment(body.get("completed_at")) or run.completed_at or state.now()
    output = body.get("output") or {}
    for key in ("title", "summary", "text"):
        if key in output:
            setattr(run, key, output[key])
    run.annotations.extend(output.get("annotations", []))


@router.route("POST", "/repos/{owner}/{repo}/check-runs")
def create_check_run(state: GitHubState, call: Call) -> Reply:
    """Create a check run on a commit the repository has."""
    repo, body = call.repo, call.body
    if body["head_sha"] not in repo.commits:
        return error(422, f"No commit found for SHA: {body['head_sha']}")
    if (body.get("status") == "completed" or body.get("completed_at")) and not body.get("conclusion"):
        # "Required if you provide completed_at or a status of completed"
        # (https://docs.github.com/en/rest/checks/runs#create-a-check-run); the description only encodes
        # the rule for updates.
        return error(422, 'Invalid request.\n\n"conclusion" is required when "status" is "completed".')
    run = CheckRun(state.next_id(), call.caller_app.id, body["name"], body["head_sha"], "queued", state.now())
    _apply(state, run, body)
    repo.check_runs[run.id] = run
    return Reply(201, _check_run(call, state, repo, run))


@router.route("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
def update_check_run(state: GitHubState, call: Call) -> Reply:
    """Update a check run; new annotations are added to the ones it has."""
    run = call.repo.check_runs.get(call.number("check_run_id"))
    if run is None:
        return not_found()
    _apply(state, run, call.body)
    return Reply(200, _check_run(call, state, call.repo, run))


@router.route("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
def get_check_run(state: GitHubState, call: Call) -> Reply:
    """One check run."""
    run = call.repo.check_runs.get(call.number("check_run_id"))
    if run is None:
        return not_found()
    return Reply(200, _check_run(call, state, call.repo, run))


@router.route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs")
def list_for_ref(state: GitHubState, call: Call) -> Reply:
    """Check runs of a commit (sha or branch), newest first; `filter=latest` keeps the newest per name."""
    repo = call.repo
    sha = state.resolve(repo, call.params["ref"])
    if sha is None:
        return error(422, f"No commit found for SHA: {call.params['ref']}")
    query = call.query
    runs = [
        run
        for run in sorted(repo.check_runs.values(), key=lambda r: r.id, reverse=True)
        if run.head_sha == sha
        and query.get("check_name") in {None, run.name}
        and query.get("status") in {None, run.status}
        and query.get("app_id") in {None, str(run.app_id)}
    ]
    if query.get("filter", "latest") == "latest":
        runs = [run for index, run in enumerate(runs) if run.name not in {r.name for r in runs[:index]}]
    page, headers = paginate(call, runs)
    body = {"total_count": len(runs), "check_runs": [_check_run(call, state, repo, run) for run in page]}
    return Reply(200, body, headers)
