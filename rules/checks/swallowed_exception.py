"""`swallowed-exception`: a broad handler that does nothing, so every error vanishes without a trace."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.queries import captures
from bot.core.checks.source import Source
from bot.core.findings import Severity
from rules.checks.common import CheckConfig, check_rule, examples, hit, severity_of

ID = "swallowed-exception"
PYTHON = "(except_clause) @handler"
JS = """
(catch_clause body: (statement_block) @empty)
((call_expression function: (member_expression property: (property_identifier) @p)
  arguments: (arguments . [(arrow_function body: (statement_block) @empty)
                           (function_expression body: (statement_block) @empty)] .))
  (#eq? @p "catch"))
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


def _broad(handler: Node) -> bool:
    """`except:`, `except Exception:` or `except BaseException:` (alone or in a tuple, `as e` or not)."""
    caught = _caught(handler)
    return not caught or any(c.text in _BROAD for c in caught)


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


def _explained(handler: Node, block: Node) -> bool:
    """Whether a comment in the handler says why (not one on the `except` line itself, not a tool's)."""
    for comment in (c for c in (*handler.children, *block.children) if c.type == "comment"):
        text = comment.text or b""
        after_header = (
            comment.start_byte > block.start_byte or comment.start_point.row > handler.start_point.row
        )
        if after_header and not _TOOL_COMMENT.match(text):
            return True
    return False


def _python(handler: Node) -> bool:
    """A broad `except` whose body does nothing and no comment explains."""
    block = handler.child_by_field_name("body") or next(
        (c for c in handler.children if c.type == "block"), None
    )
    return block is not None and _broad(handler) and _does_nothing(block) and not _explained(handler, block)


def _handler(block: Node) -> Node:
    """The node an empty block handles for: its `catch` clause, `if err != nil`, or `p.catch(…)` call."""
    parent = block.parent or block
    if parent.type in {"arrow_function", "function_expression"} and parent.parent and parent.parent.parent:
        return parent.parent.parent
    return parent


def finder(config: CheckConfig) -> Finder:
    """Hits on broad handlers that do nothing: Python `except`, empty JavaScript `catch`, Go `_ = err`."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None:
            return
        found = captures(language, QUERIES[language], tree.root_node)
        for node in found.get("handler", ()):
            if _python(node):
                yield hit(
                    node,
                    "exception swallowed: a broad `except` that does nothing; handle or log it",
                    severity,
                )
        for node in found.get("empty", ()):
            if node.named_child_count == 0:  # a comment is a named child: an explained empty block passes
                yield hit(
                    _handler(node), "exception swallowed: an empty handler; handle, log or say why", severity
                )
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
