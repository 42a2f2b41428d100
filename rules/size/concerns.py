"""Files a split plan keeps together by what they are for, not where they sit: the build, lint, CI and
repository settings at a package's root, and changelog fragments."""

from __future__ import annotations

import posixpath
import re
from enum import StrEnum
from itertools import pairwise

from rules.size.packages import is_manifest


class Concern(StrEnum):
    """What a file at a package's root is for."""

    BUILD = "build"
    LINT = "lint"
    CI = "CI"
    REPOSITORY = "repository settings"


_CI_FOLDERS: tuple[str, ...] = (".github/workflows/", ".github/actions/", ".circleci/", ".gitlab/ci/")
_CI_FOLDERS += (".buildkite/", ".woodpecker/", ".azure-pipelines/", ".ci/")
_CI = frozenset(
    {
        *(".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "appveyor.yml", ".appveyor.yml"),
        *("Jenkinsfile", ".drone.yml", "bitbucket-pipelines.yml", ".cirrus.yml", "cloudbuild.yaml"),
        *("codecov.yml", ".codecov.yml", "netlify.toml", "vercel.json"),
    }
)
_LINT = re.compile(
    r"^(?:\.eslintrc.*|eslint\.config\..+|\.eslintignore|\.prettierrc.*|prettier\.config\..+|\.prettierignore"
    r"|\.stylelintrc.*|stylelint\.config\..+|biome\.jsonc?|tslint\.json|\.editorconfig|\.markdownlint.*"
    r"|\.yamllint.*|ruff\.toml|\.ruff\.toml|\.flake8|\.pylintrc|pylintrc|mypy\.ini|\.mypy\.ini|\.isort\.cfg"
    r"|\.pre-commit-config\.yaml|\.pre-commit-hooks\.yaml|\.codespellrc|\.golangci\.ya?ml|\.golangci\.toml"
    r"|\.?rustfmt\.toml|\.?clippy\.toml|\.clang-format|\.clang-tidy|\.rubocop.*\.yml|\.shellcheckrc"
    r"|\.commitlintrc.*|commitlint\.config\..+|\.lintstagedrc.*|\.swiftlint\.yml|detekt\.ya?ml)$"
)
_BUILD = re.compile(
    r"^(?:pnpm-workspace\.yaml|go\.work|lerna\.json|nx\.json|turbo\.json|rush\.json|settings\.gradle(?:\.kts)?"
    r"|gradle\.properties|Directory\.Build\.(?:props|targets)|.+\.sln|Makefile|GNUmakefile|CMakeLists\.txt"
    r"|meson\.build|justfile|Justfile|Taskfile\.ya?ml|Rakefile|.+\.gemspec|tox\.ini|noxfile\.py|pytest\.ini"
    r"|MANIFEST\.in|(?:requirements|constraints)[\w.-]*\.(?:txt|in)|tsconfig(?:\.[\w-]+)?\.json|jsconfig\.json"
    r"|\.babelrc.*|babel\.config\..+|(?:webpack|vite|vitest|rollup|jest|esbuild|tsup)\.config\..+"
    r"|\.npmrc|\.yarnrc(?:\.yml)?|\.nvmrc|\.node-version|\.python-version|\.tool-versions|\.bazelrc"
    r"|BUILD(?:\.bazel)?|WORKSPACE(?:\.bazel)?|MODULE\.bazel|Dockerfile.*|.+\.Dockerfile|\.dockerignore"
    r"|docker-compose.*\.ya?ml|compose\.ya?ml|rust-toolchain(?:\.toml)?|global\.json|NuGet\.config)$"
)
_REPOSITORY = frozenset(
    {
        *(".gitignore", ".gitattributes", ".gitmodules", ".mailmap", "CODEOWNERS", ".git-blame-ignore-revs"),
        *("renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json", ".gitpod.yml"),
    }
)
_REPOSITORY_FOLDERS: tuple[str, ...] = (".github/", ".gitlab/", ".devcontainer/", ".vscode/", ".idea/")
_REPOSITORY_FOLDERS += (".husky/", ".changeset/")

# Folders of changelog fragments, one file per change: towncrier (`newsfragments/`, `changes/`, `news/`,
# `CHANGES/`), scriv (`changelog.d/`), Changesets (`.changeset/`), changie (`.changes/unreleased/`),
# HashiCorp (`.changelog/`), GitLab (`changelogs/unreleased/`), CPython (`Misc/NEWS.d/next/`).
_FRAGMENT_FOLDERS = frozenset({"changelog.d", ".changeset", "newsfragments", ".changelog", "NEWS.d"})
_FRAGMENT_FOLDER_PAIRS = frozenset({(".changes", "unreleased"), ("changelogs", "unreleased")})
# Folder names also used for other things: a fragment there starts with its issue number (or towncrier's
# `+` for an orphan).
_NUMBERED_FRAGMENT_FOLDERS = frozenset({"changes", "CHANGES", "news", "newsfragment", "changelog"})
_CHANGELOG = re.compile(r"^(?:CHANGELOG|CHANGES|HISTORY|NEWS|RELEASE[-_]?NOTES)(?:\.\w+)?$", re.I)
_NOT_FRAGMENTS = re.compile(r"^(?:readme.*|template.*|config\.json|\.gitignore|\.gitkeep|_template.*)$", re.I)
# Words of fragment names that name the change's type or nothing at all.
_TYPE_WORDS = frozenset(
    {
        *("feature", "features", "feat", "bugfix", "bugfixes", "bug", "fix", "fixes", "fixed", "doc", "docs"),
        *("removal", "removed", "deprecation", "deprecated", "breaking", "misc", "trivial", "added"),
        *("changed", "change", "security", "improvement", "improvements", "packaging", "contrib", "internal"),
        *("enhancement", "perf", "performance", "library", "tests", "build", "core", "issue", "patch"),
        *("minor", "major", "md", "rst", "txt", "yaml", "yml", "changelog", "changes", "history", "news"),
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")


def concern(relative: str) -> Concern | None:
    """What a file is for, from its path relative to its package's root; None for the package's code."""
    name = posixpath.basename(relative)
    if relative.startswith(_CI_FOLDERS) or relative in _CI:
        return Concern.CI
    if relative.startswith(_REPOSITORY_FOLDERS) or relative in _REPOSITORY:
        return Concern.REPOSITORY
    if "/" in relative:
        return None
    if _LINT.match(name):
        return Concern.LINT
    if is_manifest(name) or _BUILD.match(name):
        return Concern.BUILD
    return None


def is_fragment(path: str) -> bool:
    """Whether `path` describes a change for the changelog: a file in a fragment folder (not its template
    or config), or a changelog itself (`CHANGELOG.md`, a package's `CHANGES.rst`) edited beside the code."""
    folders = path.split("/")[:-1]
    name = posixpath.basename(path)
    if _CHANGELOG.match(name):
        return True
    if not folders or _NOT_FRAGMENTS.match(name):
        return False
    if not _FRAGMENT_FOLDERS.isdisjoint(folders):
        return True
    if any(pair in _FRAGMENT_FOLDER_PAIRS for pair in pairwise(folders)):
        return True
    return folders[-1] in _NUMBERED_FRAGMENT_FOLDERS and (name[:1].isdigit() or name.startswith("+"))


def fragment_words(path: str) -> frozenset[str]:
    """The words of a fragment's name that may name what it describes (`parser` in `123.parser.bugfix`)."""
    stem = posixpath.basename(path)
    return frozenset(w.lower() for w in _WORD.findall(stem) if w.lower() not in _TYPE_WORDS)
