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
QUERIES = {"python": PYTHON, "javascript": JS, "typescript": JS, "tsx": JS, "go": GO}
# The queries run only around these words, on the construct each sits at the top of (gofmt spells both).
_JS_MARKERS, _JS_ANCHORS = (b"catch",), frozenset({"catch_clause", "call_expression"})
MARKERS = {
    "python": (b"except",),
    "javascript": _JS_MARKERS,
    "typescript": _JS_MARKERS,
    "tsx": _JS_MARKERS,
    "go": (b"_ = err", b"err != nil"),
}
ANCHORS = {
    "python": frozenset({"except_clause"}),
    "javascript": _JS_ANCHORS,
    "typescript": _JS_ANCHORS,
    "tsx": _JS_ANCHORS,
    "go": frozenset({"assignment_statement", "if_statement"}),
}
_BROAD = frozenset({b"Exception", b"BaseException"})
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
        if tree is None or language is None:
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

    return find


RULE = check_rule(
    id=ID,
    summary="Broad exception handlers that do nothing (`except Exception: pass`, `catch {}`).",
    help=f"""\
A handler that catches everything and does nothing hides every failure, the expected one and all the
others. Python: a bare `except:`, `except Exception:` or `except BaseException:` (alone, in a tuple, with
`as e`) whose body is only `pass`, `...` or `continue`. JavaScript and TypeScript: an empty `catch {{}}`
block, and `.catch(() => {{}})` on a promise. Go: `_ = err`, and `if err != nil {{}}` with an empty body.
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
        ],
        [
            ("except Exception: pass fails", "a.py", "try:\n    run()\nexcept Exception:\n    pass\n"),
            ("an empty catch fails", "a.ts", "try {\n  run();\n} catch {}\n"),
        ],
    ),
)
