"""Every rule carries examples that must fail and pass; this walks all of them."""

from __future__ import annotations

import pytest

from bot.coach import Coach, build_coach
from bot.settings import load_settings
from bot.text import Document

_COACH = build_coach(load_settings(env={}))


def _cases(kind: str) -> list:
    cases = []
    for rule in _COACH.rules:
        examples = rule.meta.examples_fail if kind == "fail" else rule.meta.examples_pass
        for index, example in enumerate(examples):
            cases.append(pytest.param(rule.meta.id, example, id=f"{rule.meta.id}-{kind}{index}"))
    return cases


def _fired(coach: Coach, rule_id: str, text: str) -> list:
    """The rule on its own: another rule of the same principle may hide it in a critique."""
    rule = coach.rule(rule_id)
    assert rule is not None
    return rule.check(Document(text), coach.platform(rule.meta.examples_platform))


@pytest.mark.parametrize(("rule_id", "example"), _cases("fail"))
def test_rule_fires_on_its_failing_examples(coach: Coach, rule_id: str, example: str) -> None:
    findings = _fired(coach, rule_id, example)
    assert findings, f"{rule_id} should flag: {example!r}"
    for finding in findings:
        assert example[finding.span[0]:finding.span[1]] == finding.match


@pytest.mark.parametrize(("rule_id", "example"), _cases("pass"))
def test_rule_is_quiet_on_its_passing_examples(coach: Coach, rule_id: str, example: str) -> None:
    assert not _fired(coach, rule_id, example), f"{rule_id} should not flag: {example!r}"


def test_every_principle_has_several_rules(coach: Coach) -> None:
    for principle in coach.principles:
        rules = [r for r in coach.rules if r.meta.principle == principle]
        assert len(rules) >= (1 if principle == "platform-fit" else 2), principle


def test_every_rule_has_examples_both_ways(coach: Coach) -> None:
    for rule in coach.rules:
        assert rule.meta.examples_fail and rule.meta.examples_pass, rule.meta.id
