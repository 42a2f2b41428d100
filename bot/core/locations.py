"""Where GitHub and scopegate look for the files they read, in one place."""

from __future__ import annotations

from collections.abc import Iterable

# The rules file, read at the base branch's tip so a pull request can never loosen its own gate.
RULES_PATH = ".github/scopegate.yml"
# Organisation defaults, Probot's convention: the same file in the owner's `.github` repository.
ORG_RULES_REPOSITORY = ".github"
# Where GitHub looks for CODEOWNERS, in its order:
# https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners#codeowners-file-location
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
# git-ai keeps line-level authorship as notes under this ref (git-ai-project/git-ai,
# specs/git_ai_standard_v3.0.0.md §1.1), one note per commit; most repositories have none.
NOTES_REF = "refs/notes/ai"
GITATTRIBUTES = ".gitattributes"
# Files whose folder is a package or module root, by name (`*.csproj` too, when changed): the split plan
# reads them at the head, in the folders above the changed files.
MANIFESTS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "package.json",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "composer.json",
    "Gemfile",
    "pnpm-workspace.yaml",
    "go.work",
)
# Read with the manifests but no package root of their own: the dependencies a Python project installs
# (the checks tell a required dependency's guarded import; `requirements-dev.txt` and kin are not).
DEPENDENCY_LISTS = ("requirements.txt",)


def org_rules_name(owner: str) -> str:
    """How the organisation's rules file is named in messages: `OWNER/.github:.github/scopegate.yml`."""
    return f"{owner}/{ORG_RULES_REPOSITORY}:{RULES_PATH}"


def is_gitattributes(path: str) -> bool:
    """Whether `path` is a `.gitattributes` file (at the root or in a folder)."""
    return path == GITATTRIBUTES or path.endswith(f"/{GITATTRIBUTES}")


def folders_above(paths: Iterable[str]) -> list[str]:
    """The root ('') and every folder above one of `paths`, shallowest first: where the files that apply
    to those paths (`.gitattributes`, package manifests) can be."""
    folders = {path[:end] for path in paths for end in _slashes(path)} | {""}
    return sorted(folders, key=lambda folder: (folder.count("/") + bool(folder), folder))


def in_folders_above(paths: Iterable[str], names: Iterable[str]) -> list[str]:
    """Each of `names` at the root and in every folder above one of `paths`, shallowest first."""
    wanted = tuple(names)
    return [f"{folder}/{name}" if folder else name for folder in folders_above(paths) for name in wanted]


def _slashes(path: str) -> Iterable[int]:
    end = path.find("/")
    while end != -1:
        yield end
        end = path.find("/", end + 1)
