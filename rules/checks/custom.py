"""`custom`: the rules file's own checks, a tree-sitter query per language whose `@finding` is reported
on added lines; each query and its examples are checked when the rules file loads."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationInfo, field_validator, model_validator

from bot.core.checks.engine import Check, Finder, Hit
from bot.core.checks.queries import captures
from bot.core.checks.source import Source, parse
from bot.core.findings import Scope, Severity
from bot.core.snapshot import PullRequestSnapshot
from rules.base import Example, Need, Rule
from rules.checks.common import added_file, evaluate_check, hit
from rules.checks.custom_query import FINDING, query_problem
from rules.size.globs import Glob

ID = "custom"
Language = Literal[
    "python", "javascript", "typescript", "tsx", "go", "java", "rust", "ruby"
]  # bot.core.checks.languages


class CustomExamples(BaseModel):
    """Snippets the query must find (`bad`) and must not (`good`), checked when the rules file loads."""

    model_config = ConfigDict(extra="forbid")

    bad: list[str] = Field(min_length=1, description="Code the query reports, in one of its languages.")
    good: list[str] = Field(min_length=1, description="Code it must not report, in any of its languages.")


class CustomRule(BaseModel):
    """One check of the rules file's own."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        max_length=64,
        description="The finding's rule id, as `scopegate: ignore[id] reason` names it.",
    )
    languages: list[Language] = Field(
        default_factory=list, description="Where `query` is one text: the languages it is written for."
    )
    query: str | dict[Language, str] = Field(
        description="A tree-sitter query capturing @finding, or one per language (`{python: …, go: …}`)."
    )
    message: str = Field(min_length=1, max_length=500, description="What a finding says.")
    severity: Literal["error", "warning", "info"] = Field("warning", description="error, warning or info.")
    include: list[Glob] = Field(default_factory=list, description="Only paths matching one (all when empty).")
    exclude: list[Glob] = Field(default_factory=list, description="Never paths matching one.")
    examples: CustomExamples

    @field_validator("id")
    @classmethod
    def _own_id(cls, value: str) -> str:
        """Not a built-in rule's id: its findings, severity and suppressions would be mistaken for those."""
        # The catalogue imports this module, so it is read when a rules file is, not at import.
        from rules import RULES

        if any(rule.id == value for rule in RULES.rules):
            raise ValueError(f"{value!r} is a built-in rule's id; a custom rule needs an id of its own")
        return value

    @field_validator("query")
    @classmethod
    def _compiles(cls, query: str | dict[str, str], info: ValidationInfo) -> str | dict[str, str]:
        """Each query compiles for its language, captures @finding and uses only supported predicates."""
        if "languages" not in info.data:  # their own problem is reported
            return query
        languages = info.data["languages"]
        if isinstance(query, str) and not languages:
            raise ValueError("a single query needs `languages` (or give one query per language)")
        if isinstance(query, dict) and languages and set(languages) != set(query):
            raise ValueError("`languages` and the languages of the queries differ; give one or the other")
        for language, source in _queries(query, languages).items():
            if (problem := query_problem(language, source)) is not None:
                raise ValueError(problem)
        return query

    @field_validator("examples")
    @classmethod
    def _examples_hold(cls, examples: CustomExamples, info: ValidationInfo) -> CustomExamples:
        """Every bad example is found in one of the languages, no good one in any."""
        if "query" not in info.data or "languages" not in info.data:  # their own problem is reported
            return examples
        queries = _queries(info.data["query"], info.data["languages"])
        for index, text in enumerate(examples.bad):
            if not any(_found_in(language, query, text) for language, query in queries.items()):
                raise ValueError(f"bad[{index}] {_shown(text)} is not found by the query")
        for index, text in enumerate(examples.good):
            for language, query in queries.items():
                if _found_in(language, query, text):
                    raise ValueError(f"good[{index}] {_shown(text)} is found by the {language} query")
        return examples

    @property
    def queries(self) -> dict[str, str]:
        """The query of each language."""
        return _queries(self.query, self.languages)


class CustomRules(RootModel[list[CustomRule]]):
    """The rules file's own checks (a list; a layer's list replaces the one below)."""

    root: list[CustomRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        """Two rules of one id could not be told apart, nor suppressed one at a time."""
        seen: set[str] = set()
        for rule in self.root:
            if rule.id in seen:
                raise ValueError(f"two custom rules are named {rule.id!r}")
            seen.add(rule.id)
        return self


def _queries(query: str | Mapping[Any, str], languages: Sequence[str]) -> dict[str, str]:
    return dict(query) if not isinstance(query, str) else dict.fromkeys(languages, query)


def _found_in(language: str, query: str, text: str) -> bool:
    tree = parse(language, text.encode())
    return tree is not None and bool(captures(language, query, tree.root_node).get(FINDING))


def _shown(text: str, limit: int = 40) -> str:
    one_line = " ".join(text.split())
    return repr(one_line if len(one_line) <= limit else f"{one_line[:limit]}…")


def _paths(rule: CustomRule) -> Callable[[str], bool]:
    """Whether a path is one `rule` reads: matching an `include` glob (when there are any), no `exclude`."""
    from pathspec import GitIgnoreSpec  # loads only when a rules file has custom rules

    include = GitIgnoreSpec.from_lines(rule.include) if rule.include else None
    exclude = GitIgnoreSpec.from_lines(rule.exclude) if rule.exclude else None
    return lambda path: (
        (include is None or include.match_file(path))
        and not (exclude is not None and exclude.match_file(path))
    )


def finder(rules: CustomRules) -> Finder:
    """Hits on each custom rule's @finding nodes in the files of its languages and paths."""
    planned = [(rule, rule.queries, _paths(rule), Severity(rule.severity)) for rule in rules.root]

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None:
            return
        for rule, queries, reads, severity in planned:
            query = queries.get(language)
            if query is None or not reads(source.path):
                continue
            for node in captures(language, query, tree.root_node).get(FINDING, ()):
                yield replace(hit(node, rule.message, severity), rule=rule.id)

    return find


def check(_snapshot: PullRequestSnapshot, rules: CustomRules) -> Check | None:
    """The custom rules' scope and finder; None without any."""
    return (Scope.ADDED, finder(rules)) if rules.root else None


_NO_PRINT = """\
checks:
  custom:
    - id: no-print-in-lib
      languages: [python]
      include: ["src/**"]
      query: '((call function: (identifier) @fn) @finding (#eq? @fn "print"))'
      message: "print() in library code; use logging"
      severity: error
      examples: {bad: ["print(1)"], good: ["log.info(1)"]}
"""

RULE = Rule(
    id=ID,
    summary="The rules file's own checks: a tree-sitter query per language, reported on added lines.",
    help="""\
`checks.custom` is a list of rules, each with an `id`, a `query` (tree-sitter query syntax, capturing the
node to report as `@finding`) for its `languages` (or a mapping of language to query: python, javascript,
typescript, tsx, go), a `message`, a `severity` (`warning` by default; `error` fails the gate),
`include`/`exclude` globs, and `examples: {bad: […], good: […]}`. When the rules file loads, each query
must compile (a mistake is reported with its line and column in the query), capture `@finding`, and use
only the predicates tree-sitter 0.26.1 evaluates (`#eq?`, `#not-eq?`, `#any-eq?`, `#any-not-eq?`,
`#match?`, `#not-match?`, `#any-match?`, `#any-not-match?`, `#any-of?`): any other, `#not-any-of?`,
`#is?`, `#is-not?` and `#set!` among them, would be ignored or mishandled and is refused; every bad
example must be found and no good one. A rules file failing any of these is a configuration error on the
check, and its layer is not applied. Findings count on added lines only and carry the rule's own id
(`scopegate: ignore[no-print-in-lib] reason` suppresses one).""",
    config=CustomRules,
    evaluate=evaluate_check(ID, check),
    examples=(
        Example(
            "code the query does not match passes", added_file("src/a.py", "log.info(1)\n", _NO_PRINT), True
        ),
        Example("code the query matches fails", added_file("src/a.py", "print(1)\n", _NO_PRINT), False),
    ),
    section="checks.custom",
    needs=frozenset({Need.HEAD_TEXT, Need.HUNKS}),
    check=check,
)
