"""The rule catalogue, in the order rules run and are documented. A rule is a module (or folder) here
exposing `RULE`; adding one is adding its files and its line below.

`RULES` is built when first read (a module `__getattr__`, PEP 562): importing the rule interface
(`rules.base`) does not import every rule, so a process that only queues work starts without them."""

from __future__ import annotations

from functools import cache

from rules.base import Catalogue

RULES: Catalogue  # declared for type checkers; its value comes from `__getattr__`


def __getattr__(name: str) -> Catalogue:
    if name != "RULES":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _catalogue()


@cache
def _catalogue() -> Catalogue:
    from rules.attribution import RULE as ATTRIBUTION
    from rules.checks.commented_out_code import RULE as COMMENTED_OUT_CODE
    from rules.checks.custom import RULE as CUSTOM
    from rules.checks.debug_output import RULE as DEBUG_OUTPUT
    from rules.checks.duplicate_block import RULE as DUPLICATE_BLOCK
    from rules.checks.function_metrics import RULE as FUNCTION_METRICS
    from rules.checks.hardcoded_secret import RULE as HARDCODED_SECRET
    from rules.checks.lockfile_without_manifest import RULE as LOCKFILE_WITHOUT_MANIFEST
    from rules.checks.mixed_concerns import RULE as MIXED_CONCERNS
    from rules.checks.optional_import_of_required_dependency import (
        RULE as OPTIONAL_IMPORT_OF_REQUIRED_DEPENDENCY,
    )
    from rules.checks.redundant_type_guard import RULE as REDUNDANT_TYPE_GUARD
    from rules.checks.skipped_or_focused_test import RULE as SKIPPED_OR_FOCUSED_TEST
    from rules.checks.suppression_added import RULE as SUPPRESSION_ADDED
    from rules.checks.swallowed_exception import RULE as SWALLOWED_EXCEPTION
    from rules.checks.syntax_error import RULE as SYNTAX_ERROR
    from rules.checks.test_without_assertion import RULE as TEST_WITHOUT_ASSERTION
    from rules.checks.todo_added import RULE as TODO_ADDED
    from rules.checks.undeclared_import import RULE as UNDECLARED_IMPORT
    from rules.rework import RULE as REWORK
    from rules.routing import RULE as ROUTING
    from rules.size import RULE as SIZE

    return Catalogue(
        (
            SIZE,
            ATTRIBUTION,
            SYNTAX_ERROR,
            DEBUG_OUTPUT,
            SKIPPED_OR_FOCUSED_TEST,
            TEST_WITHOUT_ASSERTION,
            SWALLOWED_EXCEPTION,
            OPTIONAL_IMPORT_OF_REQUIRED_DEPENDENCY,
            UNDECLARED_IMPORT,
            REDUNDANT_TYPE_GUARD,
            TODO_ADDED,
            COMMENTED_OUT_CODE,
            DUPLICATE_BLOCK,
            FUNCTION_METRICS,
            SUPPRESSION_ADDED,
            HARDCODED_SECRET,
            LOCKFILE_WITHOUT_MANIFEST,
            MIXED_CONCERNS,
            CUSTOM,
            ROUTING,
            REWORK,
        )
    )
