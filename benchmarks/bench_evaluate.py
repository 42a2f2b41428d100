"""GitHub requests per evaluation of a typical PR (20 files, 300 changed lines) — a new PR, a push, a re-run,
a push that changes its size label — and of a 3,000-file PR; and the typical PR's wall time against the pure
`bot.core.verdict.evaluate` on the same snapshot.

The real job, `evaluate_pull_request`, runs in a worker context as arq builds it (real Redis for the lock
and the token cache, a SQLite ledger) against the fake GitHub served in this process over loopback, so no
network latency is measured: the time is the job's own work plus the fake's handling of its requests.

python benchmarks/bench_evaluate.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from benchmarks.common import figure, median_seconds
from bot.core.report.contract import to_contract
from bot.core.snapshot import PullRequestSnapshot
from bot.core.verdict import evaluate
from bot.embedded import embedded_redis
from bot.gather.github import fetch_pull, gather
from bot.github.gateway import PullRequestGateway
from bot.ledger.migrate import upgrade
from bot.settings import load_settings
from tests.fakegithub import FakeGitHub, RequestRecord
from tests.fakegithub.models import PullRequest
from workers.context import context
from workers.evaluate import evaluate_pull_request
from workers.settings import shutdown, startup

OWNER, REPO = "octo-org", "orders"
BASELINE = "pure bot.core.verdict.evaluate on the same snapshot"
RULES = b"""\
# scopegate rules for the orders service
size:
  max_lines: 600
  warn_lines: 250
  max_files: 40
  exclude:
    - "docs/generated/**"
report:
  comment: sticky
"""
MODULES, FUNCTIONS = 12, 8


class TimedFakeGitHub(FakeGitHub):
    """The fake GitHub, adding up the time it spends answering: it runs in this process, so its work is
    part of the job's wall time, and is reported apart."""

    answering = 0.0

    def asgi(self) -> Starlette:
        """The fake's app, timed."""
        app = super().asgi()
        app.add_middleware(_Timing, fake=self)
        return app


class _Timing:
    """ASGI middleware adding each request's handling time to the fake's `answering`."""

    def __init__(self, app: ASGIApp, fake: TimedFakeGitHub) -> None:
        """Wrap `app`."""
        self.app, self.fake = app, fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time one request."""
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.fake.answering += time.perf_counter() - started


def module(i: int, changed: Sequence[int] = ()) -> bytes:
    """A source module of the orders service; the functions in `changed` reworked (-3 +5 lines each)."""
    lines = [
        f'"""Orders service, part {i}: pricing, validation and persistence helpers."""',
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "from dataclasses import dataclass",
        "",
        "log = logging.getLogger(__name__)",
        "",
        "",
        "@dataclass(frozen=True)",
        f"class Order{i}:",
        f'    """An order as part {i} sees it."""',
        "",
        "    id: int",
        "    amount_cents: int",
        "    currency: str",
    ]
    for j in range(FUNCTIONS):
        lines += ["", "", f"def price_{i}_{j}(order: Order{i}, rate: float) -> int:"]
        lines.append(f'    """Price step {j} of part {i}."""')
        if j in changed:
            lines += [
                f"    adjusted = max(0, round(order.amount_cents * rate * 1.0{j}))",
                '    if order.currency != "EUR":',
                f"        adjusted = convert_{i}(adjusted, order.currency, step={j})",
                f'    log.info("repriced order %s at %s (step {j})", order.id, adjusted)',
                f"    return adjusted + {j}",
            ]
        else:
            lines += [
                "    total = round(order.amount_cents * rate)",
                f'    log.debug("priced order %s at %s (step {j})", order.id, total)',
                f"    return total + {j}",
            ]
    return ("\n".join(lines) + "\n").encode()


def test_module(k: int) -> bytes:
    """A new test module of 18 lines."""
    lines = [
        f'"""Repricing, case {k}."""',
        "",
        "import pytest",
        "",
        f"from orders.part{k} import Order{k}, price_{k}_1",
        "",
        "",
        "@pytest.mark.parametrize(",
        '    ("amount", "rate", "expected"),',
        f"    [(100, 1.0, {101 + k}), (0, 2.0, 1), (250, 0.5, {126 + k})],",
        '    ids=["plain", "zero", "half"],',
        ")",
        "def test_price(amount: int, rate: float, expected: int) -> None:",
        '    """Repricing keeps the step offset."""',
        f'    order = Order{k}(id=1, amount_cents=amount, currency="EUR")',
        f"    assert price_{k}_1(order, rate) == expected",
        "    # a zero rate still adds the step's offset",
        f"    assert price_{k}_1(order, 0.0) == 1",
    ]
    return ("\n".join(lines) + "\n").encode()


def text(lines: Sequence[str]) -> bytes:
    """Lines as a file's bytes."""
    return ("\n".join(lines) + "\n").encode()


README = [
    "# orders",
    "",
    "Prices, validates and stores orders.",
    "",
    "## Pricing",
    "",
    "Each part applies its rate in cents.",
    "Rates come from the tariff table.",
    "Rounding is to the nearest cent.",
    "Steps are applied in order.",
    "",
    "## Development",
    "",
    "Run `pytest`.",
]
README_HEAD = [
    *README[:6],
    "Each part applies its rate in cents, never below zero.",
    "Rates come from the tariff table, or the currency's.",
    "Orders in another currency are converted first,",
    "at the day's rate from the tariff service.",
    "Rounding is to the nearest cent, half to even.",
    "Steps are applied in order; each adds its offset.",
    "A step logs the repriced amount at INFO.",
    "See docs/pricing.md for the table.",
    *README[10:],
]
PYPROJECT = ["[project]", 'name = "orders"', 'version = "1.4.0"', 'dependencies = ["httpx>=0.27"]']
PYPROJECT_HEAD = [
    "[project]",
    'name = "orders"',
    'version = "1.5.0"',
    'dependencies = ["httpx>=0.27", "tariffs>=2.1"]',
    'requires-python = ">=3.11"',
    'license = "MIT"',
]
CHANGES = ["# Changes", "", "## 1.4.0", "", "- Tariff table."]
CHANGES_HEAD = [
    "# Changes",
    "",
    "## 1.5.0",
    "",
    "- Orders in another currency are converted before pricing.",
    "- Each step logs the repriced amount.",
    "- The legacy importer's rates are gone.",
    "",
    *CHANGES[2:],
]
LEGACY = [f"LEGACY_RATE_{n} = {n}.0  # kept for the old importer" for n in range(12)]


def big_pull(fake: FakeGitHub, number: int, count: int = 3_000) -> PullRequest:
    """Open a PR that changes `count` one-line config files (2 lines each), as a mass rename or a
    formatter run does."""
    base = {".github/scopegate.yml": RULES} | {f"conf/c{i:04}.cfg": b"level = 1\n" for i in range(count)}
    head: dict[str, bytes | None] = {f"conf/c{i:04}.cfg": b"level = 2\n" for i in range(count)}
    return fake.add_pull(
        OWNER, REPO, number, title="Raise every level", base_files=base, head_files=head, head_ref="levels"
    )


def typical_pull(fake: FakeGitHub, number: int) -> PullRequest:
    """Open a PR of 20 files and 300 changed lines (12 reworked modules, 4 new tests, README, pyproject, a
    deleted module, a changelog entry) on a base that holds the rules file and CODEOWNERS."""
    base = {f"src/orders/part{i}.py": module(i) for i in range(MODULES)}
    base |= {
        ".github/scopegate.yml": RULES,
        ".github/CODEOWNERS": b"* @octo-org/orders\n/docs/ @octo-org/writers\n",
        "README.md": text(README),
        "pyproject.toml": text(PYPROJECT),
        "src/orders/legacy.py": text(LEGACY),
        "CHANGES.md": text(CHANGES),
    }
    head: dict[str, bytes | None] = {f"src/orders/part{i}.py": module(i, (1, 5)) for i in range(MODULES)}
    head |= {f"tests/test_part{k}.py": test_module(k) for k in range(4)}
    head |= {
        "README.md": text(README_HEAD),
        "pyproject.toml": text(PYPROJECT_HEAD),
        "src/orders/legacy.py": None,
        "CHANGES.md": text(CHANGES_HEAD),
    }
    return fake.add_pull(
        OWNER, REPO, number, title="Convert currencies before pricing", base_files=base, head_files=head
    )


@dataclass(frozen=True, slots=True)
class Run:
    """One run of the job: its result, its wall time, and the fake's time answering it (seconds)."""

    result: str
    seconds: float
    fake_seconds: float


async def evaluate_job(
    ctx: dict[str, Any], fake: TimedFakeGitHub, installation_id: int, pull: PullRequest
) -> Run:
    """Run the job once for `pull` at its head."""
    answering = fake.answering
    started = time.perf_counter()
    result = await evaluate_pull_request(
        ctx,
        installation_id=installation_id,
        owner=OWNER,
        repo=REPO,
        number=pull.number,
        head_sha=pull.head_sha,
        delivery_id=str(uuid.uuid4()),
    )
    return Run(result, time.perf_counter() - started, fake.answering - answering)


async def counted(
    ctx: dict[str, Any], fake: TimedFakeGitHub, installation: int, pull: PullRequest, name: str
) -> list[RequestRecord]:
    """The requests one evaluation of `pull` at its head sends, listed on stderr."""
    fake.reset_counts()
    outcome = await evaluate_job(ctx, fake, installation, pull)
    print(f"{name} ({outcome.result}):", file=sys.stderr)
    return sent(fake)


async def count_pushes(
    ctx: dict[str, Any], fake: TimedFakeGitHub, installation: int, pull: PullRequest
) -> None:
    """Evaluate `pull`, then push to it twice: once within its size label, once past it."""
    await evaluate_job(ctx, fake, installation, pull)
    tweak = {"README.md": text([*README_HEAD, "", "Questions go to the orders channel."])}
    pushed = fake.push(OWNER, REPO, pull.number, "1" * 40, head_files=tweak)
    figure(
        "GitHub requests, a push (same size label)",
        len(await counted(ctx, fake, installation, pushed, "push")),
        "requests",
    )
    grown = {f"src/orders/extra{k}.py": module(100 + k) for k in range(4)}
    pushed = fake.push(OWNER, REPO, pull.number, "2" * 40, head_files=grown)
    figure(
        "GitHub requests, a push that changes the size label",
        len(await counted(ctx, fake, installation, pushed, "push past the size label")),
        "requests",
    )


def sent(fake: FakeGitHub) -> list[RequestRecord]:
    """The requests the fake answered since its counts were last reset, printed on stderr for context."""
    requests = list(fake.requests)
    for request in requests:
        print(f"    {request.method} {request.path} -> {request.status}", file=sys.stderr)
    return requests


def is_token_exchange(request: RequestRecord) -> bool:
    """Whether a request exchanges the App's JWT for an installation token."""
    return request.method == "POST" and request.path.endswith("/access_tokens")


async def bench(repeat: int, tmp: Path, redis_url: str) -> None:
    """Seed the fake, count the requests of a first evaluation and of a re-evaluation, then time both."""
    with TimedFakeGitHub.serve(check_responses=False) as served:
        fake = cast(TimedFakeGitHub, served)  # serve() builds an instance of the class it is called on
        app = fake.add_app(slug="scopegate")
        installation = fake.add_installation(app, OWNER, [REPO]).id
        # CODEOWNERS' teams, which routing requests as teams (the first evaluation's one extra request).
        fake.add_team(OWNER, "orders", ["ana", "ben"])
        fake.add_team(OWNER, "writers", ["wes"])
        pulls = [typical_pull(fake, number) for number in range(1, repeat + 3)]
        rows = pulls[0].files
        print(
            f"typical PR: {len(rows)} files, {sum(f.additions + f.deletions for f in rows)} changed lines",
            file=sys.stderr,
        )
        database_url = f"sqlite:///{tmp / 'ledger.db'}"
        upgrade(database_url)
        settings = load_settings(
            _env_file=None,
            app_id=app.id,
            private_key=app.private_key_pem,
            github_api_url=fake.url,
            redis_url=redis_url,
            database_url=database_url,
            bot_login="scopegate[bot]",
        )
        redis = ArqRedis(ConnectionPool.from_url(redis_url))
        ctx: dict[str, Any] = {"settings": settings, "redis": redis}
        await startup(ctx)
        try:
            await measure(ctx, fake, installation, pulls, repeat)
        finally:
            await shutdown(ctx)
            await redis.aclose(close_connection_pool=True)


async def measure(
    ctx: dict[str, Any], fake: TimedFakeGitHub, installation: int, pulls: list[PullRequest], repeat: int
) -> None:
    """Print the request counts and the timings."""
    first_pull, *fresh = pulls
    first = await counted(ctx, fake, installation, first_pull, "first evaluation")
    again = await counted(ctx, fake, installation, first_pull, "re-run of the same head")
    tokens = sum(1 for request in first if is_token_exchange(request))
    figure("GitHub requests, first evaluation of a PR (token exchange included)", len(first), "requests")
    figure(
        "GitHub requests, first evaluation of a PR (token exchange excluded)", len(first) - tokens, "requests"
    )
    figure(
        "GitHub requests, re-run of the same head (comment edited, label already right)",
        len(again),
        "requests",
    )
    await count_pushes(ctx, fake, installation, pulls[-1])
    big = big_pull(fake, 10_000)
    figure(
        f"GitHub requests, first evaluation of a {len(big.files):,}-file PR",
        len(await counted(ctx, fake, installation, big, f"{len(big.files):,}-file PR")),
        "requests",
    )
    fresh = fresh[:-1]  # the last one was pushed to

    snapshot = await snapshot_of(ctx, installation, first_pull)
    verdict = evaluate(snapshot)
    size = to_contract(verdict)["size"]
    print(
        f"verdict: {verdict.conclusion.value}, {size['effective_lines']} effective lines, "
        f"labels {list(verdict.labels)}, {len(verdict.findings)} finding(s)",
        file=sys.stderr,
    )
    pure = median_seconds(lambda: evaluate(snapshot), repeat) * 1000
    new = [await evaluate_job(ctx, fake, installation, pull) for pull in fresh]
    repeated = [await evaluate_job(ctx, fake, installation, first_pull) for _ in range(repeat + 1)]
    for name, runs in (("evaluation of a new PR (token cached)", new), ("re-evaluation", repeated)):
        timed = runs[1:]  # the first is a warm-up
        figure(f"{name}: wall time", statistics.median(r.seconds for r in timed) * 1000, "ms", BASELINE, pure)
        figure(
            f"{name}: of which the in-process fake GitHub answering",
            statistics.median(r.fake_seconds for r in timed) * 1000,
            "ms",
        )


async def snapshot_of(ctx: dict[str, Any], installation: int, pull: PullRequest) -> PullRequestSnapshot:
    """The snapshot the job evaluates, gathered the way it does."""
    worker = context(ctx)
    async with worker.github(installation) as gh:
        gateway = PullRequestGateway(gh, OWNER, REPO, pull.number)
        facts = await fetch_pull(gateway)
        if facts is None:
            raise RuntimeError(f"the fake has no pull request #{pull.number}")
        return await gather(gateway, facts, worker.rules.needs)


def main() -> None:
    """Start a private Redis, then run the measurements."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2 timed runs instead of 15 (CI smoke run)")
    args = parser.parse_args()
    repeat = 2 if args.quick else 15
    with tempfile.TemporaryDirectory() as tmp, embedded_redis(Path(tmp) / "redis") as redis_url:
        asyncio.run(bench(repeat, Path(tmp), redis_url))


if __name__ == "__main__":
    main()
