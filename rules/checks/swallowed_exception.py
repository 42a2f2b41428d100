"""`swallowed-exception`: a broad handler that does nothing, so every error vanishes without a trace."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.source import Source
from bot.core.findings import Severity
from rules.checks.candidates import captures_around, positions, text_of
from rules.checks.common import CheckConfig, check_rule, examples, hit, severity_of

ID = "swallowed-exception"
PYTHON = "(except_clause) @handler"
JS = """
(catch_clause body: (statement_block) @empty)
(call_expression function: (member_expression property: (property_identifier))
  arguments: (arguments . [(arrow_function body: (statement_block) @callback)
                           (function_expression body: (statement_block) @callback)] .))
"""
GO = """
((assignment_statement
   left: (expression_list . (identifier) @l .) right: (expression_list . (identifier) @r .)) @discarded
   (#eq? @l "_") (#eq? @r "err"))
((if_statement condition: (binary_expression left: (identifier) @e operator: "!=" right: (nil))
  consequence: (block) @empty)
  (#eq? @e "err"))
"""
JAVA = "(catch_clause) @catch"
RUBY = """
(rescue) @rescue
(rescue_modifier handler: (nil)) @modifier
"""
# Rust has no exceptions, and its ways of dropping an error (`let _ = …`, `.ok();`) are as often the
# decision to ignore a closed channel or a failed flush as a swallow: it is left out.
QUERIES = {
    "python": PYTHON,
    "javascript": JS,
    "typescript": JS,
    "tsx": JS,
    "go": GO,
    "java": JAVA,
    "ruby": RUBY,
}
# The queries run only around these words, on the construct each sits at the top of (gofmt spells both).
_JS_MARKERS, _JS_ANCHORS = (b"catch",), frozenset({"catch_clause", "call_expression"})
MARKERS = {
    "python": (b"except",),
    "javascript": _JS_MARKERS,
    "typescript": _JS_MARKERS,
    "tsx": _JS_MARKERS,
    "go": (b"_ = err", b"err != nil"),
    "java": (b"catch",),
    "ruby": (b"rescue",),
}
ANCHORS = {
    "python": frozenset({"except_clause"}),
    "javascript": _JS_ANCHORS,
    "typescript": _JS_ANCHORS,
    "tsx": _JS_ANCHORS,
    "go": frozenset({"assignment_statement", "if_statement"}),
    "java": frozenset({"catch_clause"}),
    "ruby": frozenset({"rescue", "rescue_modifier"}),
}
_BROAD = frozenset({b"Exception", b"BaseException"})
_JAVA_BROAD = frozenset({b"Exception", b"Throwable", b"RuntimeException"})
# The names Java programmers give an exception they ignore on purpose (IntelliJ's inspection reads them).
_JAVA_IGNORED = frozenset({b"ignored", b"ignore", b"expected", b"unused", b"_"})
_RUBY_BROAD = frozenset({b"StandardError", b"Exception"})
_DOING_NOTHING = frozenset({"pass_statement", "continue_statement", "comment"})
# A comment that only talks to another tool is no reason for the reader.
_TOOL_COMMENT = re.compile(
    rb"^(#|//|/\*)\s*(noqa|type:|pragma|nosec|pylint|fmt:|eslint|@ts-|istanbul|prettier)"
)


def _caught(handler: Node) -> list[Node]:
    """What an `except` clause names: nothing for a bare `except:`, else the types (a tuple unpacked)."""
    named = [c for c in handler.named_children if c.type not in {"block", "comment"}]
    if named and named[0].type == "as_pattern":
        named = named[0].named_children[:1]
    if named and named[0].type in {"tuple", "parenthesized_expression"}:
        named = named[0].named_children
    return named


def _broad(source: Source, handler: Node) -> bool:
    """`except:`, `except Exception:` or `except BaseException:` (alone or in a tuple, `as e` or not)."""
    caught = _caught(handler)
    return not caught or any(text_of(source, c) in _BROAD for c in caught)


def _does_nothing(block: Node) -> bool:
    """A body of only `pass`, `...` or `continue`."""
    for statement in block.named_children:
        if statement.type in _DOING_NOTHING:
            continue
        inner = statement.named_children
        if statement.type == "expression_statement" and len(inner) == 1 and inner[0].type == "ellipsis":
            continue
        return False
    return True


def _explained(source: Source, handler: Node, block: Node) -> bool:
    """Whether a comment in the handler says why (not one on the `except` line itself, not a tool's)."""
    for comment in (c for c in (*handler.children, *block.children) if c.type == "comment"):
        text = text_of(source, comment)
        after_header = (
            comment.start_byte > block.start_byte or comment.start_point.row > handler.start_point.row
        )
        if after_header and not _TOOL_COMMENT.match(text):
            return True
    return False


def _python(source: Source, handler: Node) -> bool:
    """A broad `except` whose body does nothing and no comment explains."""
    block = handler.child_by_field_name("body") or next(
        (c for c in handler.children if c.type == "block"), None
    )
    return (
        block is not None
        and _broad(source, handler)
        and _does_nothing(block)
        and not _explained(source, handler, block)
    )


def _java(source: Source, catch: Node) -> bool:
    """An empty `catch` of `Exception`, `Throwable` or `RuntimeException` (alone or in a multi-catch),
    whose variable is not named to say it is ignored on purpose (`ignored`, `expected`)."""
    parameter = next((c for c in catch.named_children if c.type == "catch_formal_parameter"), None)
    body = catch.child_by_field_name("body")
    if parameter is None or body is None or body.named_child_count > 0:
        return False
    kinds = next((c for c in parameter.named_children if c.type == "catch_type"), None)
    name = parameter.child_by_field_name("name")
    caught = [text_of(source, k).rpartition(b".")[2] for k in kinds.named_children] if kinds else []
    return not _JAVA_BROAD.isdisjoint(caught) and (name is None or text_of(source, name) not in _JAVA_IGNORED)


def _ruby(source: Source, rescue: Node) -> bool:
    """A `rescue` of everything (bare, `=> e`, `StandardError`, `Exception`) whose body is empty, and no
    comment below its line says why (a body of `nil` gives the expression its value: a fallback)."""
    kinds = next((c for c in rescue.named_children if c.type == "exceptions"), None)
    if kinds is not None and _RUBY_BROAD.isdisjoint(text_of(source, k) for k in kinds.named_children):
        return False
    body = next((c for c in rescue.named_children if c.type == "then"), None)
    inside = [*rescue.named_children, *(body.named_children if body else ())]
    if any(c.type == "comment" and c.start_point.row > rescue.start_point.row for c in inside):
        return False
    return body is None or all(c.type == "comment" for c in body.named_children)


def _promise_catch(source: Source, callback: Node) -> Node | None:
    """The `p.catch(…)` call whose only argument is the function of body `callback`, or None (another
    method: the method is matched here, not by a predicate, which reads text through the parse callback)."""
    call = callback.parent.parent.parent if callback.parent and callback.parent.parent else None
    function = call.child_by_field_name("function") if call else None
    method = function.child_by_field_name("property") if function else None
    return call if method is not None and text_of(source, method) == b"catch" else None


def finder(config: CheckConfig) -> Finder:
    """Hits on broad handlers that do nothing: Python `except`, empty JavaScript `catch`, Go `_ = err`."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None or language not in QUERIES:
            return
        offsets = positions(source.text, MARKERS[language])
        found = captures_around(source, QUERIES[language], offsets, ANCHORS[language])
        for node in found.get("handler", ()):
            if _python(source, node):
                yield hit(
                    node,
                    "exception swallowed: a broad `except` that does nothing; handle or log it",
                    severity,
                )
        # A comment is a named child: an empty block that says why passes.
        empty = [n.parent for n in found.get("empty", ()) if n.named_child_count == 0 and n.parent]
        callbacks = (_promise_catch(source, n) for n in found.get("callback", ()) if n.named_child_count == 0)
        for node in sorted([*empty, *(c for c in callbacks if c)], key=lambda n: n.start_byte):
            yield hit(node, "exception swallowed: an empty handler; handle, log or say why", severity)
        for node in found.get("discarded", ()):
            yield hit(node, "error discarded with `_ = err`; handle or return it", severity)
        for node in found.get("catch", ()):
            if _java(source, node):
                yield hit(
                    node, "exception swallowed: an empty broad `catch`; handle, log or say why", severity
                )
        for node in found.get("rescue", ()):
            if _ruby(source, node):
                yield hit(
                    node,
                    "exception swallowed: a broad `rescue` that does nothing; handle or log it",
                    severity,
                )
        for node in found.get("modifier", ()):
            yield hit(node, "exception swallowed: `rescue nil` hides every error of the expression", severity)

    return find


RULE = check_rule(
    id=ID,
    summary="Broad exception handlers that do nothing (`except Exception: pass`, `catch {}`).",
    help=f"""\
A handler that catches everything and does nothing hides every failure, the expected one and all the
others. Python: a bare `except:`, `except Exception:` or `except BaseException:` (alone, in a tuple, with
`as e`) whose body is only `pass`, `...` or `continue`. JavaScript and TypeScript: an empty `catch {{}}`
block, and `.catch(() => {{}})` on a promise. Go: `_ = err`, and `if err != nil {{}}` with an empty body.
Java: an empty `catch` of `Exception`, `Throwable` or `RuntimeException` (a variable named `ignored`,
`ignore`, `expected`, `unused` or `_` says it is on purpose, and passes). Ruby: a bare `rescue`,
`rescue => e`, `rescue StandardError` or `rescue Exception` whose body is empty (`nil` there is the
expression's fallback value, and passes), and the modifier `expr rescue nil`. Rust has no exceptions,
and its discards (`let _ = …`, `.ok();`) are as often deliberate as not, so it is not checked.
A narrow handler (`except ImportError: pass`, `except KeyError: continue`) is a decision, not a swallow,
and passes; so does a handler with a comment in its body saying why (a tool's directive such as `# noqa`
does not count). Languages: {", ".join(QUERIES)}.""",
    config=CheckConfig,
    finder=finder,
    examples=examples(
        ID,
        [
            (
                "a narrow handler passes",
                "a.py",
                "try:\n    import tomllib\nexcept ImportError:\n    tomllib = None\n",
            ),
            ("a logged error passes", "a.js", "try {\n  run();\n} catch (e) {\n  log.error(e);\n}\n"),
            (
                "a Java catch named ignored passes",
                "A.java",
                "class A {\n  void f() {\n    try { run(); } catch (Exception ignored) {}\n  }\n}\n",
            ),
            ("a narrow Ruby rescue passes", "a.rb", "begin\n  run\nrescue Errno::ENOENT\nend\n"),
        ],
        [
            ("except Exception: pass fails", "a.py", "try:\n    run()\nexcept Exception:\n    pass\n"),
            ("an empty catch fails", "a.ts", "try {\n  run();\n} catch {}\n"),
            (
                "an empty Java catch of Exception fails",
                "A.java",
                "class A {\n  void f() {\n    try { run(); } catch (Exception e) {}\n  }\n}\n",
            ),
            ("an empty Ruby rescue fails", "a.rb", "begin\n  run\nrescue => e\nend\n"),
        ],
    ),
)
