"""The review's own check run as a reader sees it: neutral and why when skipped, the findings with their
model and cost when reviewed, what the model did not see and what was dropped."""

from __future__ import annotations

from bot.core.findings import Severity
from bot.core.verdict import Conclusion
from bot.llm.findings import CheckedReview, ModelFinding
from bot.llm.packing import PackedDiff, Strip, Unseen
from bot.llm.report import ReviewFacts, review_output

ERROR = ModelFinding("app/payments.py", 7, Severity.ERROR, "amount | scaled twice")
INFO = ModelFinding("app/payments.py", 4, Severity.INFO, "refund has no docstring")
PACKED = PackedDiff(
    text="",
    tokens=0,
    files=("app/payments.py",),
    unseen=(
        Unseen("package-lock.json", "lockfile"),
        Unseen("app/big.py", "over the token budget (9000 tokens)"),
    ),
    stripped={Strip.REPEATED_CONTEXT: 3, Strip.COMMENTS: 0},
    deletion_only_hunks=0,
    naive_tokens=0,
)


def test_a_skipped_review_is_neutral_and_says_why() -> None:
    """A budget refusal ends the review check neutral, its title and summary naming the budget."""
    reason = (
        "the repo budget (octo-org/hello-world, 2026-12) has $4.99 of $5.00 spent, and the call could "
        "cost up to $0.0125; it resets 2027-01-01 00:00 UTC"
    )
    output = review_output(ReviewFacts("gpt-5-mini", reason))
    assert output.conclusion is Conclusion.NEUTRAL
    assert output.title == (
        "Skipped: the repo budget (octo-org/hello-world, 2026-12) has $4.99 of $5.00 spent, and the call "
        "could cost up to $0.0125"
    )
    assert f"No LLM review: {reason}." in output.summary
    assert "it resets 2027-01-01 00:00 UTC" in output.summary
    assert output.annotations == ()


def test_a_used_answer_lists_its_findings_with_the_model_and_cost() -> None:
    """Findings in a table and as annotations on their lines at the model's severity, the model and the
    cost in the title, the unseen files and the dropped findings counted; advisory, so a success."""
    checked = CheckedReview((ERROR, INFO), not_added=2, malformed=1, over_limit=0)
    facts = ReviewFacts("gpt-5-mini", "", checked, PACKED, 465_000, "a smaller context (3,000 diff tokens)")
    output = review_output(facts)
    assert output.conclusion is Conclusion.SUCCESS
    assert output.title == "2 findings (gpt-5-mini, $0.000465)"
    assert "Reviewed by gpt-5-mini for $0.000465." in output.summary
    assert "| `app/payments.py` | 7 | error | amount \\| scaled twice |" in output.summary
    assert "To fit the budget the review used a smaller context (3,000 diff tokens)." in output.summary
    assert "- `package-lock.json`: lockfile" in output.summary
    assert "Stripped to fit: 3 repeated context." in output.summary
    assert "Dropped: 2 on lines the pull request did not add; 1 not in the answer's schema." in output.summary
    assert [(a["start_line"], a["annotation_level"]) for a in output.annotations] == [
        (7, "failure"),
        (4, "notice"),
    ]
    assert output.annotations[0]["title"] == "gpt-5-mini (error)"


def test_model_errors_fail_the_review_check_only_when_the_rules_file_says_so() -> None:
    """`fail_on_error` lets an error from the model fail this check (the gate's is never touched);
    warnings and infos never do."""
    with_error = ReviewFacts("m", "", CheckedReview((ERROR,), 0, 0, 0))
    without = ReviewFacts("m", "", CheckedReview((INFO,), 0, 0, 0))
    assert review_output(with_error).conclusion is Conclusion.SUCCESS
    assert review_output(with_error, fail_on_error=True).conclusion is Conclusion.FAILURE
    assert review_output(without, fail_on_error=True).conclusion is Conclusion.SUCCESS
    assert review_output(ReviewFacts("m", "", CheckedReview((), 0, 0, 0))).title == "No findings (m, $0)"


def test_an_unused_answer_still_shows_its_cost() -> None:
    """An answer cut off by the output cap was paid for: the neutral check says how much."""
    output = review_output(
        ReviewFacts("m", "the answer was cut off (output cap reached): not used", None, None, 90)
    )
    assert output.conclusion is Conclusion.NEUTRAL
    assert output.title == "Skipped: the answer was cut off (output cap reached)"
    assert "The call was charged $0.00000009." in output.summary
