"""The App's gatherer and publisher over real HTTP against the fake GitHub (githubkit, GraphQL + REST)."""

from __future__ import annotations

import pytest

from bot.core.verdict import evaluate
from bot.gather.github import fetch_pull, gather
from bot.github.publish import MARKER, sync_size_label, upsert_comment
from tests.fakegithub.fixtures import FakeInstallation


def _lines(count: int, prefix: str = "line") -> bytes:
    return "".join(f"{prefix} {i}\n" for i in range(count)).encode()


async def test_gather_reads_what_evaluation_needs(fake_installation: FakeInstallation) -> None:
    """One PR's facts, files with hunks, commits, head contents and base-side rules/.gitattributes arrive,
    and the verdict equals what the same change gives locally."""
    fake, owner, repo = fake_installation.fake, fake_installation.owner, fake_installation.repo
    base = {
        "README.md": b"hi\n",
        ".github/scopegate.yml": b"size:\n  max_lines: 100\n  warn_lines: 50\n",
        "gen/.gitattributes": b"*.py linguist-generated\n",
    }
    head = {**base, "src/app.py": _lines(120), "gen/client.py": _lines(500), "yarn.lock": _lines(40)}
    head[".github/scopegate.yml"] = b"size:\n  max_lines: 5000\n"  # the head cannot loosen its own gate
    fake.add_pull(owner, repo, 7, base_files=base, head_files=head, title="feature")
    fake.add_label(owner, repo, 7, "scopegate/override", actor="maintainer")
    async with fake_installation.client() as gh:
        facts = await fetch_pull(gh, owner, repo, 7)
        assert facts is not None
        snapshot = await gather(gh, owner, repo, facts)
    assert facts.info.title == "feature"
    assert [(e.label, e.login) for e in facts.label_events] == [("scopegate/override", "maintainer")]
    assert {f.path: f.additions for f in snapshot.files} == {
        "src/app.py": 120,
        "gen/client.py": 500,
        "yarn.lock": 40,
        ".github/scopegate.yml": 1,
    }
    app = next(f for f in snapshot.files if f.path == "src/app.py")
    assert list(app.hunks[0].added) == list(range(1, 121))
    assert snapshot.head_contents["src/app.py"].startswith(b"line 0\n")
    assert snapshot.rules_text == base[".github/scopegate.yml"].decode()
    verdict = evaluate(snapshot)
    assert verdict.measure.effective_lines == 120 + 3  # the rules file's own edit counts too
    assert {f.path: f.kind.value for f in verdict.measure.excluded} == {
        "gen/client.py": "generated",
        "yarn.lock": "lockfile",
    }
    assert verdict.conclusion.value == "failure"
    assert not fake.invalid_requests


async def test_comment_and_labels_are_idempotent(fake_installation: FakeInstallation) -> None:
    """The sticky comment is edited in place, and stale `size/*` labels are replaced by the wanted one."""
    fake, owner, repo = fake_installation.fake, fake_installation.owner, fake_installation.repo
    fake.add_pull(
        owner, repo, 3, base_files={"a": b"1\n"}, head_files={"a": b"2\n"}, labels=["size/XL", "bug"]
    )
    async with fake_installation.client() as gh:
        for text in ("first", "second"):
            facts = await fetch_pull(gh, owner, repo, 3)
            assert facts is not None
            await upsert_comment(gh, owner, repo, number=3, comments=facts.comments, markdown=text)
            await sync_size_label(gh, owner, repo, number=3, current=facts.info.labels, wanted="size/XS")
    comments = [c for c in fake.repo(owner, repo).comments.values() if c.number == 3]
    assert [c.body for c in comments] == [f"{MARKER}\nsecond"]
    assert sorted(fake.repo(owner, repo).pulls[3].labels) == ["bug", "size/XS"]
    assert not fake.invalid_requests


@pytest.mark.parametrize("files", [3500], ids=["3500-files"])
async def test_more_files_than_github_lists_is_partial(
    fake_installation: FakeInstallation, files: int
) -> None:
    """Past GitHub's 3000-file cap the snapshot holds 3000 files and says it is partial."""
    fake, owner, repo = fake_installation.fake, fake_installation.owner, fake_installation.repo
    fake.add_pull(owner, repo, 9, base_files={}, head_files={f"f/{i}.txt": b"x\n" for i in range(files)})
    async with fake_installation.client() as gh:
        facts = await fetch_pull(gh, owner, repo, 9)
        assert facts is not None
        snapshot = await gather(gh, owner, repo, facts)
    assert len(snapshot.files) == 3000
    assert snapshot.partial == ("GitHub lists 3,000 of the 3,500 changed files",)


async def test_org_defaults_merge_under_the_repo_rules(fake_installation: FakeInstallation) -> None:
    """The organisation's `.github` repository supplies defaults that the repository's own rules file
    overrides key by key, read in the same query as the other blobs (no extra request)."""
    fake, owner, repo = fake_installation.fake, fake_installation.owner, fake_installation.repo
    fake.add_repo(
        owner,
        ".github",
        files={".github/scopegate.yml": b"size:\n  max_lines: 300\n  warn_lines: 200\n  max_files: 5\n"},
    )
    # As with Probot's org defaults, the installation must include the `.github` repository to read it.
    assert fake_installation.installation.repositories is not None
    fake_installation.installation.repositories.add(f"{owner}/.github")
    fake.add_pull(
        owner,
        repo,
        4,
        base_files={".github/scopegate.yml": b"size:\n  max_files: 50\n"},
        head_files={".github/scopegate.yml": b"size:\n  max_files: 50\n", "src/a.py": _lines(350)},
    )
    async with fake_installation.client() as gh:
        facts = await fetch_pull(gh, owner, repo, 4)
        assert facts is not None
        fake.reset_counts()
        snapshot = await gather(gh, owner, repo, facts)
    assert fake.count(path_prefix="/graphql") == 1
    verdict = evaluate(snapshot)
    assert (verdict.config.size.max_lines, verdict.config.size.max_files) == (300, 50)
    assert verdict.conclusion.value == "failure"
    assert not fake.invalid_requests
