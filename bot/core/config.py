"""The rules file: schema assembled from the rule catalogue, safe loading with positions, and layers
merged key by key (built-in defaults → organisation → repository)."""

from __future__ import annotations

import difflib
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from bot.core.snapshot import ConfigSource
from rules.base import Catalogue, Rule

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.nodes import Node

# ruamel (~10 ms to import) loads only when a layer has text: `scopegate check` on a repository without a
# rules file reads no YAML. Each function below that reads ruamel's types imports them where it runs.

# ruamel's round-trip parser is pure Python and reads 15-60 KB/s of YAML shaped for the worst (long flow
# lists); 64 KiB is at most a few seconds, and some 20x the largest real rules file (hundreds of globs),
# while 1 MiB would take up to 80 s. Above it the file is refused before it is parsed.
MAX_RULES_BYTES = 64 * 1024
MAX_VALUES = 10_000  # after anchors and aliases are expanded ("billion laughs")
MAX_DEPTH = 32
_INT_BITS = 63  # beyond, Python cannot even print some of them (int-to-str limit) and no limit needs it


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
    grow_lines: int = Field(
        0,
        ge=0,
        description=(
            "A label given at an earlier head still holds while the effective size has grown by at most this "
            "many lines since; 0: only the head it was given at."
        ),
    )


class LlmConfig(BaseModel):
    """The LLM review after the gate, if the App has a provider: off, budgets, a model, errors failing it."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Review this repository's pull requests with the App's model.")
    per_pr_usd: float | None = Field(
        None, ge=0, description="Budget per pull request in USD; the App's when unset, never above it."
    )
    repo_month_usd: float | None = Field(
        None,
        ge=0,
        description="Budget for this repository per month in USD; the App's when unset, never above it.",
    )
    fail_on_error: bool = Field(False, description="An error the model finds fails the review check.")
    model: str | None = Field(
        None,
        min_length=1,
        description=(
            "The model that reviews this repository's pull requests: the App's or one of its cheaper models "
            "(it degrades to those cheaper still); the App's when unset."
        ),
    )


class CoreConfig(BaseModel):
    """The sections scopegate itself reads; each rule's section is added beside them (`rules_file_model`)."""

    model_config = ConfigDict(extra="forbid", title="scopegate rules file")

    report: ReportConfig = Field(default_factory=ReportConfig, description=ReportConfig.__doc__)
    override: OverrideConfig = Field(default_factory=OverrideConfig, description=OverrideConfig.__doc__)
    llm: LlmConfig = Field(default_factory=LlmConfig, description=LlmConfig.__doc__)


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
    merged = _mapping_defaults(model)
    origins: dict[str, str] = {}
    problems: list[ConfigProblem] = []
    for layer in layers:
        if layer.text is None:
            continue
        document = _read_layer(layer.name, layer.text)
        if not document.problems:
            document.problems.extend(_validate(model, document, merged, origins))
        problems.extend(document.problems)
        if not document.problems:
            merged = _deep_merge(merged, document.values)
            origins.update(document.origins)
    return LoadedConfig(model.model_validate(merged, strict=True), tuple(problems), origins)


def validate_text(catalogue: Catalogue, name: str, text: str) -> tuple[ConfigProblem, ...]:
    """Problems of one rules file on its own."""
    model = rules_file_model(catalogue)
    document = _read_layer(name, text)
    if not document.problems:
        document.problems.extend(_validate(model, document, _mapping_defaults(model), {}))
    return tuple(document.problems)


def validate_bytes(
    catalogue: Catalogue, name: str, data: bytes, size: int | None = None
) -> tuple[ConfigProblem, ...]:
    """Problems of one rules file read as bytes: `data` is the file, or only its start when `size` (the
    whole file's) is above the limit; text that is not UTF-8 is a located problem."""
    size = len(data) if size is None else size
    if size > MAX_RULES_BYTES:
        return (_too_big(name, size),)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[start : error.start].decode("utf-8", errors="replace")) + 1
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        return (ConfigProblem(name, line, column, f"not UTF-8 text (byte 0x{byte:02x}): save it as UTF-8"),)
    return validate_text(catalogue, name, text)


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


@cache
def _mapping_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The built-in value of every mapping-valued setting, by key: the bottom layer, so that a file's
    mapping (`labels: {XL: 2000}`) merges with the built-in one key by key, as every layer's does.
    Nothing else is in it: a value derived from others (`warn_lines`) must stay unset to be derived."""
    defaults: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            if nested := _mapping_defaults(info.annotation):
                defaults[key] = nested
        elif isinstance(value := info.get_default(call_default_factory=True), dict):
            defaults[key] = value
    return defaults


@dataclass
class _Document:
    """One layer read: its plain values, the places of its keys and items (1-based line, column of the
    key and of the value, by the loc pydantic reports), the file and line that set each leaf, and the
    problems found while reading it."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    places: dict[tuple[Any, ...], tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)

    def problem(self, at: tuple[int, int], message: str) -> None:
        self.problems.append(ConfigProblem(self.name, at[0], at[1], _one_line(message)))


def _read_layer(name: str, text: str) -> _Document:
    """Parse and read one layer; its problems, if any, are in the result."""
    document = _Document(name)
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_RULES_BYTES:
        document.problems.append(_too_big(name, size))
        return document
    if (deep := _flow_too_deep(text)) is not None:
        document.problem(_offset_place(text, deep), f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
        return document
    if (version := _unsupported_version(text)) is not None:
        document.problem(_offset_place(text, version), "invalid YAML: only %YAML 1.1 and 1.2 are read")
        return document
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        root = _load(text)
    except _Refused as refused:
        document.problem(refused.at, refused.message)
        return document
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        document.problem((line, column), f"invalid YAML: {error.problem or error}")
        return document
    except ReaderError as error:  # a character YAML does not allow, e.g. NUL
        character = chr(error.character) if isinstance(error.character, int) else str(error.character)
        message = f"invalid YAML: the character {_escaped(character)} is not allowed"
        document.problem(_offset_place(text, error.position), message)
        return document
    except YAMLError as error:
        document.problem((1, 1), f"invalid YAML: {error}")
        return document
    except ValueError as error:  # ruamel's constructors: int() past Python's digit limit, bad dates
        document.problem(*_value_error(text, error))
        return document
    except RecursionError:  # ruamel's composer recurses once per level of nesting
        document.problem((1, 1), f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
        return document
    if root is None:
        return document
    if not isinstance(root, CommentedMap):
        document.problem((1, 1), "the rules file must be a mapping of sections")
        return document
    document.values = _mapping(document, root, (), (1, 1))
    return document


class _Refused(Exception):
    """A YAML node the rules file does not take, found before anything is constructed."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.at = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.message = message


def _load(text: str) -> Any:
    """The round-trip document (every key keeps its line and column), built only once its nodes are known
    to be plain YAML: no tag but YAML's own, each on a value it fits (so no `!!python/...` object and no
    ruamel constructor fed a node it cannot take), at most MAX_DEPTH levels, and at most MAX_VALUES values
    once aliases are expanded ("billion laughs" is refused before it is expanded)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    root = yaml.compose(text)
    if root is None:
        return None
    if _expanded_size(root, 1, yaml.resolver, {}) > MAX_VALUES:
        raise _Refused(root, f"more than {MAX_VALUES:,} values once anchors and aliases are expanded")
    return yaml.constructor.construct_document(root)


_YAML_TAG = "tag:yaml.org,2002:"
_INT = re.compile(r"0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+|[0-9]+(?::[0-9]+)*")
_IMPLICIT = frozenset(f"{_YAML_TAG}{t}" for t in ("null", "bool", "int", "float", "timestamp", "merge"))


def _expanded_size(node: Node, depth: int, resolver: Any, sizes: dict[int, int]) -> int:
    """How many values `node` stands for, aliases expanded (each shared node is measured once)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if (known := sizes.get(id(node))) is not None:
        return known
    if depth > MAX_DEPTH:
        raise _Refused(node, f"nested more than {MAX_DEPTH} levels deep")
    _check_tag(node, resolver)
    children: list[Node] = []
    if isinstance(node, MappingNode):
        for key, _ in node.value:
            if not isinstance(key, ScalarNode):  # ruamel fails to hash some such keys (`? : : `)
                raise _Refused(
                    key,
                    f"keys must be strings, not {'a list' if isinstance(key, SequenceNode) else 'a mapping'}",
                )
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, SequenceNode):
        children = node.value
    total = 1
    for child in children:
        total += _expanded_size(child, depth + 1, resolver, sizes)
        if total > MAX_VALUES:
            break
    sizes[id(node)] = total
    return total


def _check_tag(node: Node, resolver: Any) -> None:
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    tag = str(node.tag)
    shown = tag.replace(_YAML_TAG, "!!")
    if isinstance(node, MappingNode | SequenceNode):
        fits = tag == f"{_YAML_TAG}{'map' if isinstance(node, MappingNode) else 'seq'}"
    elif tag in _IMPLICIT:
        # `!!int abc` would reach int(): only the tag YAML itself gives a plain value is taken.
        plain = isinstance(node, ScalarNode) and node.style is None
        fits = plain and str(resolver.resolve(ScalarNode, node.value, (True, False))) == tag
    else:
        fits = tag == f"{_YAML_TAG}str"
    if not fits:
        raise _Refused(node, f"the YAML tag {shown} is not allowed here")
    if tag == f"{_YAML_TAG}int" and not _INT.fullmatch(node.value.replace("_", "").lstrip("+-")):
        # ruamel's resolver calls `-_` an integer, and its constructor then fails with an IndexError
        raise _Refused(node, f"invalid YAML: {node.value} is not an integer")


def _mapping(
    document: _Document, node: CommentedMap, loc: tuple[Any, ...], at: tuple[int, int]
) -> dict[str, Any]:
    """A mapping as a plain dict of string keys; its keys' places and leaves' origins recorded. Keys that a
    merge key (`<<`) brought in have no place of their own: they take the mapping's."""
    values: dict[str, Any] = {}
    for key, value in node.items():
        place = (node.lc.data or {}).get(key)
        key_at, value_at = ((place[0] + 1, place[1] + 1), (place[2] + 1, place[3] + 1)) if place else (at, at)
        if not isinstance(key, str):
            where = _dotted(loc) or "the rules file"
            document.problem(key_at, f"{where}: keys must be strings, not {_kind(key)}")
            continue
        inner = (*loc, str(key))
        document.places[inner] = (key_at, key_at if _is_container(value) else value_at)
        plain = _plain(document, value, inner, key_at)
        if not isinstance(plain, dict) or not plain:
            document.origins[_dotted(inner)] = f"{document.name}:{key_at[0]}"
        values[str(key)] = plain
    return values


def _plain(document: _Document, node: Any, loc: tuple[Any, ...], at: tuple[int, int]) -> Any:
    """`node` as plain data (dict, list, str, int, float, bool, None, dates), or None with a problem."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

    if isinstance(node, TaggedScalar):  # an explicit `!!str`, the one tag `_load` lets through as such
        return str(node.value)
    if isinstance(node, CommentedMap):
        return _mapping(document, node, loc, at)
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            place = (node.lc.data or {}).get(index)
            item_at = (place[0] + 1, place[1] + 1) if place else at
            document.places[(*loc, index)] = (item_at, item_at)
            items.append(_plain(document, item, (*loc, index), item_at))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        if node.bit_length() > _INT_BITS:
            document.problem(at, f"{_dotted(loc)}: integer out of range (more than {_INT_BITS} bits)")
            return None
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node  # a date, or bytes (`!!binary`): no setting takes one, validation says so


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _validate(
    model: type[CoreConfig], document: _Document, below: dict[str, Any], below_origins: Mapping[str, str]
) -> list[ConfigProblem]:
    """Problems of `document` on top of `below`. One it has only together with the layers below is said
    to be so, naming the values below that take part."""
    try:
        model.model_validate(_deep_merge(below, document.values), strict=True)
    except ValidationError as error:
        errors = error.errors()
    else:
        return []
    alone = _own_errors(model, document) if below_origins else set()
    problems = []
    for e in errors:
        problem = _problem(model, document, e)
        if below_origins and (tuple(e["loc"]), e["type"]) not in alone:
            where = _dotted(tuple(e["loc"]))
            with_below = [
                f"{key} from {origin}"
                for key, origin in below_origins.items()
                if _related(key, where) and key not in document.origins
            ]
            combined = ", ".join(with_below) or "the layers below"
            problem = ConfigProblem(
                problem.file, problem.line, problem.column, _one_line(f"{problem.message} (with {combined})")
            )
        problems.append(problem)
    return problems


def _own_errors(model: type[CoreConfig], document: _Document) -> set[tuple[tuple[Any, ...], str]]:
    """The (loc, type) of each error `document` has on the built-in defaults alone."""
    try:
        model.model_validate(_deep_merge(_mapping_defaults(model), document.values), strict=True)
    except ValidationError as error:
        return {(tuple(e["loc"]), e["type"]) for e in error.errors()}
    return set()


def _problem(model: type[BaseModel], document: _Document, error: Any) -> ConfigProblem:
    loc = tuple(error["loc"])
    unknown = error["type"] == "extra_forbidden"
    # pydantic's loc for a mapping's key that is not valid; an unknown key's loc ends in the key itself,
    # which may be spelt `[key]` too
    mapping_key = not unknown and loc[-1:] == ("[key]",)
    loc = loc[:-1] if mapping_key else loc
    line, column = _position(document, loc, at_key=unknown or mapping_key)
    where = ".".join(_short(part) for part in loc)
    if unknown:
        known = _known_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1) if known else []
        message = f"unknown key (did you mean {close[0]}?)" if close else "unknown key"
    else:
        message = error["msg"]
        if error["type"].endswith("_type") and "input" in error:
            message = f"{message}, not {_kind(error['input'])}"
    return ConfigProblem(document.name, line, column, _one_line(f"{where}: {message}" if where else message))


def _position(document: _Document, loc: tuple[Any, ...], at_key: bool) -> tuple[int, int]:
    """The place of the deepest node of `loc` in the file: the key for an unknown key or a section, the
    value for a scalar; 1:1 when not even the first key is in the file."""
    for end in range(len(loc), 0, -1):
        if (place := document.places.get(loc[:end])) is not None:
            return place[0] if at_key else place[1]
    return 1, 1


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the schema allows at `loc`, for "did you mean"."""
    for part in loc:
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        annotation = fields[part].annotation if part in fields else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [info.alias or name for name, info in model.model_fields.items()]


def _too_big(name: str, size: int) -> ConfigProblem:
    limit = f"{MAX_RULES_BYTES // 1024} KiB"
    return ConfigProblem(name, 1, 1, f"rules file is {size:,} bytes; the limit is {limit}")


# What opens or closes a flow collection, and what hides brackets: a quoted scalar (where one can start,
# not the quote in `don't`) and a comment.
_FLOW = re.compile(r"""(?<![^\s\[{,])(?:'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")|(?<!\S)#[^\n]*|[\[\]{}]""")
_OPENS_AFTER = frozenset(":-,[{?\n")


def _flow_too_deep(text: str) -> int | None:
    """Where flow collections (`[`, `{`) nest deeper than MAX_DEPTH, if they do. ruamel's scanner takes
    time quadratic in that depth before its parser overflows the stack (11 s for 5,000 `[`), so this is
    decided first. A bracket counts where YAML can open a collection: after `:`, `-`, `,`, `[`, `{`, `?`
    or at the start of a line."""
    depth = 0
    for found in _FLOW.finditer(text):
        char = found.group()
        if char in ("]", "}"):
            depth = max(0, depth - 1)
        elif char in ("[", "{"):
            before = found.start() - 1
            while before >= 0 and text[before] in " \t":
                before -= 1
            if before < 0 or text[before] in _OPENS_AFTER:
                depth += 1
                if depth > MAX_DEPTH:
                    return found.start()
    return None


_YAML_DIRECTIVE = re.compile(r"^\ufeff?%YAML[ \t]+0*([0-9]+)\.0*([0-9]+)", re.MULTILINE)


def _unsupported_version(text: str) -> int | None:
    """Where a `%YAML` directive (a line of its own, before any document) names a version other than
    1.1 or 1.2: ruamel fails an assertion on `%YAML 1.20`."""
    for found in _YAML_DIRECTIVE.finditer(text):
        if (found[1], found[2]) not in {("1", "1"), ("1", "2")}:
            return found.start()
    return None


def _offset_place(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of the character at `offset`, a leading BOM not counted."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column - (line == 1 and offset > 0 and text.startswith("\ufeff"))


def _value_error(text: str, error: ValueError) -> tuple[tuple[int, int], str]:
    """Where a constructor's ValueError comes from, and what to say of it."""
    digits = sys.get_int_max_str_digits()
    if digits and "integer string conversion" in str(error):
        found = re.search(rf"[0-9][0-9_]{{{digits - 1},}}", text)
        at = _offset_place(text, found.start()) if found else (1, 1)
        return at, f"invalid YAML: an integer of more than {digits:,} digits"
    return (1, 1), f"invalid YAML: {error}"


def _kind(value: Any) -> str:
    """What a YAML value is, in the words of its type (never its text: it may be huge)."""
    if value is None:
        return "null"
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (date, "a date"),
        (bytes, "binary data"),
        (dict, "a mapping"),
        (list, "a list"),
        (tuple, "a list"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), "a complex value")


def _short(part: Any, limit: int = 40) -> str:
    text = str(part)
    return text if len(text) <= limit else f"{text[:limit]}…"


def _one_line(text: str, limit: int = 400) -> str:
    """`text` on one line, safe for a terminal: control, format and separator characters escaped."""
    escaped = "".join(_escaped(c) if unicodedata.category(c) in _UNSAFE else c for c in text)
    return escaped if len(escaped) <= limit else f"{escaped[:limit]}…"


_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _is_container(value: Any) -> bool:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return isinstance(value, CommentedMap | CommentedSeq)


def _related(name: str, key: str) -> bool:
    return name == key or name.startswith(f"{key}.") or key.startswith(f"{name}.")


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
