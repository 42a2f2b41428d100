"""`redundant-type-guard`: a check that the annotations or the code right above already answer: `x is None`
on a parameter annotated without None, `isinstance(x, T)` on a parameter annotated `T` or on a value just
built as a `T`, TypeScript's `typeof x === "string"` on `x: string`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.source import Source
from bot.core.findings import Severity
from rules.checks.candidates import enclosing, text_of
from rules.checks.common import CheckConfig, Level, check_rule, examples, hit, severity_of

ID = "redundant-type-guard"
LANGUAGES = ("python", "typescript", "tsx")
# Annotations a check may rightly narrow or test: unions, optionals, `Any`/`object`, protocols of
# several types, and types a wider value is accepted for (`float` takes an int, `bytes` a bytearray).
_OPEN = re.compile(
    rb"None|Optional|Union|Any|object|\||TypeVar|Literal|float|complex|bytes|Sequence|Iterable"
)
_NAME = re.compile(rb"[A-Za-z_][\w.]*")
# What a built value is, by its constructor or literal.
_LITERALS = {"list": b"list", "dictionary": b"dict", "set": b"set", "string": b"str", "integer": b"int"}
_BUILTINS = frozenset({b"str", b"int", b"list", b"dict", b"set", b"tuple", b"frozenset", b"bool"})
_DUNDER = re.compile(rb"__\w+__")
_COLON = re.compile(rb": ['\"]?([A-Za-z_][\w.]*)")
_LITERAL_STARTS = {
    b"list": (b"[",),
    b"dict": (b"{",),
    b"set": (b"{",),
    b"str": (b'"', b"'"),
    b"int": tuple(b"0123456789"[i : i + 1] for i in range(10)),
}
_BEFORE_PARAMETER = frozenset(b"(, \t\n*")
# TypeScript: `typeof name === "kind"` (either quote, any equality), and the kinds a predefined type names.
_TYPEOF = re.compile(rb"typeof\s+([A-Za-z_$][\w$]*)\s*[!=]==?\s*['\"](\w+)['\"]")
_TYPEOF_NAMES = frozenset({b"string", b"number", b"boolean", b"bigint", b"symbol"})
_TS_FUNCTIONS = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "method_definition"}
)
# `name is None` and `name is not None`, reversed: the name is then read after a literal.
_NONE_TEST_BACKWARDS = re.compile(rb"enoN (?:ton )?si (\w*[A-Za-z_])")
_ISINSTANCE = re.compile(rb"isinstance\(\s*([A-Za-z_]\w*)\s*,\s*([A-Za-z_][\w.]*)\s*\)")
_CLASS = re.compile(rb"class[ \t]+([A-Za-z_]\w*)")
# A name read backwards: word characters, the last (its first) not a digit.
_REVERSED_NAME = re.compile(rb"\w*[A-Za-z_]")


class Config(CheckConfig):
    """Redundant guards go to the summary."""

    severity: Level = Field("info", description="error, warning, info or off.")


def _subject(source: Source, at: int) -> tuple[Node, bytes, bytes | None] | None:
    """The guard at offset `at`: (its node, the name it tests, the class `isinstance` names or None for
    a None test); None when the tested value is not a plain name or the class not a single name."""
    tree = source.tree
    if tree is None:
        return None
    node = enclosing(tree.root_node, at, at + 1, {"call", "comparison_operator"}, 3)
    if node is None:
        return None
    if node.type == "comparison_operator":
        left, right = node.named_children[:1], node.named_children[1:]
        if len(node.named_children) != 2 or left[0].type != "identifier" or right[0].type != "none":
            return None
        return node, text_of(source, left[0]), None
    function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    given = arguments.named_children if arguments else []
    if function is None or text_of(source, function) != b"isinstance" or len(given) != 2:
        return None
    if given[0].type != "identifier" or given[1].type not in {"identifier", "attribute"}:
        return None
    return node, text_of(source, given[0]), text_of(source, given[1])


def _function(node: Node) -> Node | None:
    """The function a node is in (not a lambda or a class body between)."""
    parent = node.parent
    while parent is not None and parent.type not in {"function_definition", "class_definition", "lambda"}:
        parent = parent.parent
    return parent if parent is not None and parent.type == "function_definition" else None


def _annotations(source: Source, function: Node) -> dict[bytes, bytes]:
    """The function's parameters that have an annotation and no `None` default, with it."""
    found: dict[bytes, bytes] = {}
    parameters = function.child_by_field_name("parameters")
    for parameter in parameters.named_children if parameters else []:
        if parameter.type not in {"typed_parameter", "typed_default_parameter"}:
            continue
        named = parameter.child_by_field_name("name") or (
            parameter.named_children[0] if parameter.named_children else None
        )
        value, annotation = parameter.child_by_field_name("value"), parameter.child_by_field_name("type")
        if named is None or named.type != "identifier" or annotation is None:
            continue
        if value is None or value.type != "none":
            found[text_of(source, named)] = text_of(source, annotation)
    return found


def _rebound(source: Source, function: Node, name: bytes, before: int) -> bool:
    """Whether `name` may be given another value in the function before offset `before`."""
    body = function.child_by_field_name("body")
    if body is None:
        return True
    text = source.text[body.start_byte : before]
    word = re.escape(name)
    return bool(
        re.search(rb"(?<![\w.])" + word + rb"\s*(?:[-+*/|&^%@]?=(?!=)|:[^\n]*=)", text)
        or re.search(rb"\b(?:for|as|global|nonlocal|del)\s+(?:[\w, ]*,\s*)?" + word + rb"\b", text)
        or re.search(rb"\b" + word + rb"\s*,[^\n=]*=(?!=)", text)
    )


def _name_before(text: bytes, backwards: bytes, at: int) -> bytes | None:
    """The plain name (not an attribute) ending at offset `at` of `text`, read as a match on the text
    reversed (`backwards`), in C rather than a loop over bytes."""
    match = _REVERSED_NAME.match(backwards, len(text) - at)
    if match is None:
        return None
    start = at - match.end() + match.start()
    return text[start:at] if start == 0 or text[start - 1] != ord(".") else None


def _annotated(text: bytes, backwards: bytes) -> dict[bytes, set[bytes]]:
    """Every `name: T` of a text, by name: one scan for `: ` (a regex with a literal start runs in C),
    then the name right before each."""
    found: dict[bytes, set[bytes]] = {}
    for match in _COLON.finditer(text):
        name = _name_before(text, backwards, match.start())
        if name is not None:
            found.setdefault(name, set()).add(match[1])
    return found


class _File:
    """What the guards of one file share: each function's annotated parameters, each class's
    definition in the file, read once."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.parameters: dict[int, dict[bytes, bytes]] = {}
        self.classes: frozenset[bytes] | None = None
        self.bases: dict[bytes, set[bytes]] | None = None
        self.backwards = source.text[::-1]
        self.none_excluded: dict[bytes, bool] = {}

    def may_be_annotated(self, name: bytes, tested: bytes | None) -> bool:
        """A scan of the file's text before its tree is walked: `name` is annotated somewhere (`name: T`,
        PEP 8's spacing) with the class `isinstance` names, or for a None test with a built-in or a class
        of the file."""
        if self.bases is None:
            self.bases = _annotated(self.source.text, self.backwards)
        found = self.bases.get(name)
        if found is None:
            return False
        if tested is not None:
            return tested in found
        if name not in self.none_excluded:
            self.none_excluded[name] = any(b in _BUILTINS or self.defines(b) for b in found)
        return self.none_excluded[name]

    def annotation(self, function: Node, name: bytes) -> bytes | None:
        """The annotation of parameter `name` of `function` (none for a dunder method's: the protocol
        hands `__eq__(self, other: T)` any object)."""
        if function.id not in self.parameters:
            named = function.child_by_field_name("name")
            dunder = named is not None and _DUNDER.fullmatch(text_of(self.source, named))
            self.parameters[function.id] = {} if dunder else _annotations(self.source, function)
        return self.parameters[function.id].get(name)

    def defines(self, name: bytes) -> bool:
        """Whether the file defines class `name` (so it is no alias of an Optional)."""
        if self.classes is None:
            self.classes = frozenset(_CLASS.findall(self.source.text))
        return name in self.classes


def _by_annotation(file: _File, node: Node, name: bytes, tested: bytes | None) -> str | None:
    """Why a guard on a parameter is redundant, from its annotation; None when it is not."""
    if not file.may_be_annotated(name, tested):
        return None
    function = _function(node)
    annotation = file.annotation(function, name) if function is not None else None
    if function is None or annotation is None or _OPEN.search(_outer(annotation)):
        return None
    base = _NAME.match(annotation)
    if base is None or (tested is not None and tested != base[0]):
        return None
    # A None test only on a type known not to be an alias of an Optional: a built-in, or a class here.
    if tested is None and base[0] not in _BUILTINS and not file.defines(base[0]):
        return None
    if _validates(node) or _rebound(file.source, function, name, node.start_byte):
        return None
    shown, said = annotation.decode("utf-8", "replace"), name.decode("utf-8", "replace")
    if tested is None:
        return f"`{said}` is annotated `{shown}`, which excludes None: this test is always the same"
    return f"`{said}` is annotated `{shown}`: `isinstance` on it is always true"


def _outer(annotation: bytes) -> bytes:
    """An annotation without its type arguments (`dict[str, Any]` is a dict, whatever it holds), and
    a string annotation unquoted."""
    kept, depth = bytearray(), 0
    for byte in annotation.strip(b"'\""):
        depth += (byte == ord("[")) - (byte == ord("]"))
        if depth == 0 and byte != ord("]"):
            kept.append(byte)
    return bytes(kept)


def _validates(node: Node) -> bool:
    """Whether the guard decides an `if` that raises: a run-time check of callers without a type
    checker (`if not isinstance(x, int): raise TypeError(…)`), a choice a library makes on purpose."""
    parent = node.parent
    while parent is not None and parent.type in {
        "not_operator",
        "boolean_operator",
        "parenthesized_expression",
    }:
        parent = parent.parent
    if parent is None or parent.type not in {"if_statement", "elif_clause"}:
        return False
    body = parent.child_by_field_name("consequence")
    first = body.named_children[0] if body is not None and body.named_children else None
    return first is not None and first.type == "raise_statement"


def _by_construction(source: Source, node: Node, name: bytes, tested: bytes) -> str | None:
    """Why an `isinstance` right after the value was built is redundant (`x = []` then
    `isinstance(x, list)`); None when it is not."""
    statement = node
    while statement.parent is not None and statement.parent.type not in {"block", "module"}:
        statement = statement.parent
    previous = statement.prev_named_sibling
    if previous is None or previous.type != "expression_statement" or not previous.named_children:
        return None
    assignment = previous.named_children[0]
    left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
    if assignment.type != "assignment" or left is None or right is None or text_of(source, left) != name:
        return None
    built = _LITERALS.get(right.type)
    if right.type == "call":
        called = right.child_by_field_name("function")
        built = text_of(source, called) if called is not None and called.type == "identifier" else None
        if built is not None and built not in _BUILTINS and not built[:1].isupper():
            return None
    if built != tested:
        return None
    return f"`{name.decode()}` was just built as a `{tested.decode()}`: `isinstance` on it is always true"


def _in_signature_above(text: bytes, name: bytes, at: int) -> bool:
    """Whether the nearest `def` above offset `at` annotates a parameter `name` (`name: T`) in its
    signature, up to the `:` that ends it."""
    start = text.rfind(b"def ", 0, at)
    end = text.find(b":\n", start, at) if start >= 0 else -1
    signature = text[start : end if end >= 0 else at]
    found = signature.find(name + b": ")
    while found > 0:
        if signature[found - 1] in _BEFORE_PARAMETER:
            return True
        found = signature.find(name + b": ", found + 1)
    return False


def _candidates(file: _File) -> Iterator[tuple[int, bool, bool]]:
    """The guards worth reading in the tree, as (offset, whether an annotation may answer it, whether a
    construction may), in file order. They are found and sifted by the text alone, each kind by one
    regex with a literal start: `isinstance(name, Class)`, and `name is [not] None` read backwards.
    Most guards are neither: the tree is read for the few that may be."""
    text, backwards = file.source.text, file.backwards
    found: list[tuple[int, bool, bool]] = []
    for match in _ISINSTANCE.finditer(text):
        name, tested, at = match[1], match[2], match.start()
        annotated = file.may_be_annotated(name, tested) and _in_signature_above(text, name, at)
        built = text.find(name + b" = ", max(0, at - 400), at) >= 0 and any(
            text.find(name + b" = " + s, max(0, at - 400), at) >= 0
            for s in (tested + b"(", *_LITERAL_STARTS.get(tested, ()))
        )
        if annotated or built:
            found.append((at, annotated, built))
    for match in _NONE_TEST_BACKWARDS.finditer(backwards):
        start, at = len(text) - match.end(1), len(text) - match.start(1)
        name = text[start:at]
        plain = start == 0 or text[start - 1] != ord(".")
        if plain and file.may_be_annotated(name, None) and _in_signature_above(text, name, start):
            found.append((at, True, False))
    return iter(sorted(found))


def _typescript(source: Source, severity: Severity) -> Iterator[Hit]:
    """Hits on `typeof x === "string"` (or `!==`, `==`, `!=`) where `x` is a parameter typed with that
    very predefined type (`x: string`), not given another value before."""
    tree, text = source.tree, source.text
    if tree is None:
        return
    for match in _TYPEOF.finditer(text):
        name, tested = match[1], match[2]
        if tested not in _TYPEOF_NAMES:
            continue
        node = enclosing(tree.root_node, match.start(), match.start() + 1, {"binary_expression"}, 3)
        function = node
        while function is not None and function.type not in _TS_FUNCTIONS:
            function = function.parent
        parameters = function.child_by_field_name("parameters") if function else None
        typed = [
            p for p in (parameters.named_children if parameters else []) if p.type == "required_parameter"
        ]
        declared = next(
            (p for p in typed if text_of(source, p.child_by_field_name("pattern") or p) == name), None
        )
        annotation = declared.child_by_field_name("type") if declared else None
        kind = annotation.named_children[0] if annotation is not None and annotation.named_children else None
        if node is None or function is None or kind is None or kind.type != "predefined_type":
            continue
        if text_of(source, kind) != tested or _rebound(source, function, name, node.start_byte):
            continue
        said, typed_as = name.decode("utf-8", "replace"), tested.decode()
        yield hit(
            node,
            f"redundant guard: `{said}` is typed `{typed_as}`: this `typeof` test is always the same",
            severity,
        )


def finder(config: CheckConfig) -> Finder:
    """Hits on guards the annotations or the line above already answer."""
    severity = severity_of(config) or Severity.INFO

    def find(source: Source) -> Iterator[Hit]:
        if source.language not in LANGUAGES or source.tree is None:
            return
        if source.language != "python":
            yield from _typescript(source, severity)
            return
        seen: set[int] = set()
        file = _File(source)
        for at, annotated, built in _candidates(file):
            found = _subject(source, at)
            if found is None or found[0].id in seen:
                continue
            node, name, tested = found
            seen.add(node.id)
            why = _by_annotation(file, node, name, tested) if annotated else None
            if why is None and built and tested is not None:
                why = _by_construction(source, node, name, tested)
            if why is not None:
                yield hit(node, f"redundant guard: {why}", severity)

    return find


RULE = check_rule(
    id=ID,
    summary="Guards the annotations or the code right above already answer (`x is None` on `x: str`).",
    help=f"""\
A guard for a state the code has ruled out is dead weight and hides what can really happen. Python:
`x is None` or `x is not None` on a parameter annotated without None (`x: str`, no `= None` default), and
`isinstance(x, T)` on a parameter annotated `T`, when the function has not given `x` another value before;
and `isinstance(x, T)` right after `x = T(…)` or a literal of `T` (`x = []` then `isinstance(x, list)`).
Annotations a check may rightly narrow are left alone: unions, `Optional`, `Any`, `object`, type
variables, `Literal`, `Sequence`/`Iterable`, and `float`, `complex` and `bytes` (which accept `int` and
`bytearray`). TypeScript: `typeof x === "string"` (or `number`, `boolean`, `bigint`, `symbol`; any
equality) where `x` is a required parameter typed with that very type (`x: string`), not a union or an
optional parameter. Severity `info`: a library may validate its callers at run time on purpose.
Languages: {", ".join(LANGUAGES)}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            (
                "a None test on an Optional parameter passes",
                "a.py",
                "def f(x: str | None) -> str:\n    if x is None:\n        return ''\n    return x\n",
            ),
            (
                "isinstance narrowing a union passes",
                "a.py",
                "def f(x: int | str) -> int:\n    if isinstance(x, int):\n        return x\n    return 0\n",
            ),
        ],
        [
            (
                "a None test on a str parameter fails",
                "a.py",
                "def f(x: str) -> str:\n    if x is None:\n        return ''\n    return x\n",
            ),
            (
                "isinstance on a value just built fails",
                "a.py",
                "def f() -> list[int]:\n    xs = []\n    assert isinstance(xs, list)\n    return xs\n",
            ),
        ],
    ),
)
