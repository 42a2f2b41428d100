"""The rules file: schema assembled from the rule catalogue, safe loading with positions, and layers
merged key by key (built-in defaults → organisation → repository)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.core.snapshot import ConfigSource
from rules.base import Catalogue, Rule


class ReportConfig(BaseModel):
    """Where the verdict is published."""

    model_config = ConfigDict(extra="forbid")

    comment: Literal["sticky", "on-failure", "none"] = Field(
        "sticky", description="One comment edited in place (sticky), only while failing, or none."
    )
    check_name: str = Field("scopegate", min_length=1, description="Name of the check run.")


class OverrideConfig(BaseModel):
    """Who may pass a failing gate, and how."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field("scopegate/override", min_length=1, description="Label that overrides the gate.")
    min_permission: Literal["triage", "write", "maintain", "admin"] = Field(
        "maintain", description="Least repository permission allowed to override."
    )


class CoreConfig(BaseModel):
    """The sections scopegate itself reads; each rule's section is added beside them (`rules_file_model`)."""

    model_config = ConfigDict(extra="forbid", title="scopegate rules file")

    report: ReportConfig = Field(default_factory=ReportConfig, description=ReportConfig.__doc__)
    override: OverrideConfig = Field(default_factory=OverrideConfig, description=OverrideConfig.__doc__)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """A user's mistake in a rules file, with its place (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """The effective config, the problems found, and which layer set each value (by dotted key)."""

    config: CoreConfig
    problems: tuple[ConfigProblem, ...]
    origins: Mapping[str, str]


@cache
def rules_file_model(catalogue: Catalogue) -> type[CoreConfig]:
    """The whole `.github/scopegate.yml`: the core sections and each rule's config model under its keys."""
    tree: dict[str, Any] = {}
    for rule in catalogue.rules:
        *groups, last = rule.key
        node = tree
        for group in groups:
            node = node.setdefault(group, {})
        node[last] = rule
    return cast(type[CoreConfig], _model("RulesFile", tree, CoreConfig))


def section_config(config: CoreConfig, rule: Rule[Any]) -> BaseModel:
    """`rule`'s config within the effective `config`."""
    node: Any = config
    for key in rule.key:
        node = getattr(node, _field_name(key))
    section: BaseModel = node
    return section


def load_config(catalogue: Catalogue, layers: Sequence[ConfigSource]) -> LoadedConfig:
    """Merge `layers` over the built-in defaults, later layers winning; a broken layer, or one that is
    invalid on top of the layers below it, is reported and skipped whole, never half-applied."""
    model = rules_file_model(catalogue)
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[ConfigProblem] = []
    for layer in layers:
        if layer.text is None:
            continue
        data, layer_problems = _parse_layer(model, layer, merged)
        problems.extend(layer_problems)
        if data is None:
            continue
        merged = _deep_merge(merged, _plain(data))
        for key, line in _leaves(data):
            origins[key] = f"{layer.name}:{line}"
    return LoadedConfig(model.model_validate(merged), tuple(problems), origins)


def validate_text(catalogue: Catalogue, name: str, text: str) -> tuple[ConfigProblem, ...]:
    """Problems of one rules file on its own."""
    return tuple(_parse_layer(rules_file_model(catalogue), ConfigSource(name, text), {})[1])


def _model(name: str, tree: Mapping[str, Any], base: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for key, node in tree.items():
        if isinstance(node, Rule):
            section: type[BaseModel] = node.config
            description = node.summary
        else:
            section = _model(f"{name}.{key}", node, _Group)
            description = f"The {key} rules."
        fields[_field_name(key)] = (
            section,
            Field(default_factory=section, alias=key, description=description),
        )
    return create_model(name, __base__=base, **fields)


class _Group(BaseModel):
    """A section holding rules' sections (e.g. `checks`)."""

    model_config = ConfigDict(extra="forbid")


def _field_name(key: str) -> str:
    return key.replace("-", "_")


def _parse_layer(
    model: type[CoreConfig], layer: ConfigSource, below: dict[str, Any]
) -> tuple[CommentedMap | None, list[ConfigProblem]]:
    try:
        document = YAML(typ="rt").load(layer.text or "")
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [ConfigProblem(layer.name, line, column, f"invalid YAML: {error.problem or error}")]
    except YAMLError as error:
        return None, [ConfigProblem(layer.name, 1, 1, f"invalid YAML: {error}")]
    if document is None:
        return CommentedMap(), []
    if not isinstance(document, CommentedMap):
        return None, [ConfigProblem(layer.name, 1, 1, "the rules file must be a mapping of sections")]
    try:
        model.model_validate(_deep_merge(below, _plain(document)))
    except ValidationError as error:
        return None, [_problem(layer.name, document, e) for e in error.errors()]
    return document, []


def _problem(name: str, document: CommentedMap, error: Any) -> ConfigProblem:
    loc = tuple(error["loc"])
    line, column = _position(document, loc, at_key=error["type"] == "extra_forbidden")
    where = ".".join(str(part) for part in loc)
    message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
    return ConfigProblem(name, line, column, f"{where}: {message}" if where else message)


def _position(node: Any, loc: tuple[Any, ...], at_key: bool) -> tuple[int, int]:
    """1-based line and column of the deepest node of `loc` that exists in the YAML document:
    the key itself for an unknown key, else the value for a scalar."""
    line, column = 0, 0
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            scalar = _is_scalar(node[part]) and not at_key
            line, column = node.lc.value(part) if scalar else node.lc.key(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line, column = node.lc.item(part)
            node = node[part]
        else:
            break
    return line + 1, column + 1


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, CommentedMap | CommentedSeq)


def _leaves(node: Any, prefix: str = "") -> Iterator[tuple[str, int]]:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, CommentedMap) and value:
            yield from _leaves(value, f"{dotted}.")
        else:
            yield dotted, node.lc.key(key)[0] + 1


def _plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    return node


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
