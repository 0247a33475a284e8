"""The stack kind: a post built as a column of like lines (here, the writer's figures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.coach import Coach
from bot.errors import ConfigError
from bot.rules import load_rules


def _tallies(coach: Coach, text: str) -> list[str]:
    assessment = coach.assess(text, "linkedin")
    return [text[f.span[0]:f.span[1]] for f in assessment.findings
            if f.rule == "tallies-own-figures"]


def test_the_finding_quotes_the_whole_stack(coach: Coach) -> None:
    text = "Our year 📊\n\n✅ 14 purchases\n✅ £3.1M deployed\n✅ 9 partners\n\nOnwards."
    assert _tallies(coach, text) == ["14 purchases\n✅ £3.1M deployed\n✅ 9 partners"]
    message = next(f.message for f in coach.assess(text, "linkedin").findings
                   if f.rule == "tallies-own-figures")
    assert message.endswith('3 figures do the talking, "14 purchases" to "9 partners".')


@pytest.mark.parametrize("text", [
    # A sentence between the figures breaks the stack: two lines are no tally.
    "412 members.\n3,800 followers.\nWe meet on Sundays at the lido, all welcome.\n26 crowns.",
    # A line with too many words is prose that holds a figure.
    "412 members.\n3,800 followers.\n26 of you came to the lido on Sunday morning before work.",
    # Small counts and years only: steps and dates, not a scoreboard.
    "12 eggs\n2 cups of flour\n1 pinch of salt",
    "2019 first shop\n2021 second shop\n2024 the bakery school",
])
def test_what_is_not_a_tally(coach: Coach, text: str) -> None:
    assert _tallies(coach, text) == []


def test_a_share_or_a_plus_makes_a_figure_large(coach: Coach) -> None:
    assert _tallies(coach, "3 offers\n94% attendance\n2 titles")
    assert _tallies(coach, "3 offers\n40+ games\n2 titles")


STACK = """
principle: not-ego
rules:
  - id: column
    kind: stack
    severity: warning
    message: 'A column of {count}, "{first}" to "{last}".'
    why: A scoreboard.
    fix: Keep one.
    unit: line
    each: '\\d+ \\w+'
    min_units: 3
    examples_fail: ["1 a\\n2 b\\n3 c"]
    examples_pass: ["1 a\\n2 b"]
"""


def test_a_stack_rule_is_plain_data(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(STACK, encoding="utf-8")
    [rule] = load_rules([path], ["not-ego"], ["x", "generic"])
    assert rule.meta.id == "column"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("unit: line", "unit: word", "'unit' must be one of line, paragraph"),
    ("each: '", "each: '(", "'each' has a bad regular expression"),
    ("min_units: 3", "min_units: 1", "'min_units' must be a whole number of at least 2"),
    ("{first}", "{middle}", "'message' uses unknown placeholder {middle}"),
])
def test_stack_mistakes_are_load_errors_naming_the_file(tmp_path: Path, old: str, new: str,
                                                        expected: str) -> None:
    assert old in STACK
    path = tmp_path / "stack.yaml"
    path.write_text(STACK.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules([path], ["not-ego"], ["x", "generic"])
    assert str(path) in str(caught.value) and expected in str(caught.value)
