"""A rule kind is one class with one method: the kind in docs/rules.md, registered from
here, loads from YAML, runs through the coach's engine, and is skipped where its needed
pattern cannot match."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pytest

from bot.errors import ConfigError
from bot.platforms import Platform
from bot.rules import KINDS, Engine, load_rules
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import Document

GENERIC = Platform(id="generic", name="Generic", limit=None)


class Count(Rule):
    """Fires when more than ``max`` of ``words`` are in the post."""

    kind = "count"
    keys: ClassVar[dict[str, bool]] = {"words": True, "max": False}
    fields: ClassVar[frozenset[str]] = frozenset({"count", "max"})
    finds = 0

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        self.words = self.regex(spec, "words", spec.str_list("words", required=True))
        self.max = spec.integer("max", 3)

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        type(self).finds += 1
        matches = list(live.finditer(self.words))
        if len(matches) > self.max:
            yield Hit(matches[0].start(), matches[-1].end(), None,
                      {"count": len(matches), "max": self.max})


RULE = """
principle: no-hard-sell
rules:
  - id: deal-pileup
    kind: count
    severity: warning
    message: "{count} deal words (at most {max}): {match}"
    why: A pile of deal words reads as an ad.
    fix: Keep {max} at most.
    words: ['\\bdeals?\\b', '\\bsale\\b', '\\boffer\\b']
    max: 2
    examples_fail: ["Deal! Sale! Offer!"]
    examples_pass: ["A sale on Monday."]
"""


@contextmanager
def registered(kind: type[Rule]) -> Iterator[type[Rule]]:
    """``kind`` registered for the duration, and gone again after."""
    register(kind)
    try:
        yield kind
    finally:
        del KINDS[kind.kind]


@pytest.fixture
def count_kind() -> Iterator[type[Rule]]:
    with registered(Count) as kind:
        yield kind


def test_a_new_kind_loads_runs_and_is_skipped_where_it_cannot_fire(
        count_kind: type[Rule], tmp_path: Path) -> None:
    path = tmp_path / "deals.yaml"
    path.write_text(RULE, encoding="utf-8")
    (rule,) = load_rules([path], ["no-hard-sell"], ["generic"])
    engine = Engine([rule])
    draft = "Big DEAL: the sale ends, and so does the offer."
    (finding,) = engine.run([rule], Document(draft), GENERIC, {})
    assert finding.message == "3 deal words (at most 2): DEAL: the sale ends, and so does the offer"
    assert finding.suggestion == "Keep 2 at most."
    assert rule.check(Document(draft), GENERIC) == [finding]
    Count.finds = 0
    assert engine.run([rule], Document("We open on Monday."), GENERIC, {}) == []
    assert Count.finds == 0  # the prefilter ruled it out: find never ran


class Pair(Rule):
    """Fires when the post holds one of ``first`` and one of ``then``: both needed."""

    kind = "pair"
    keys: ClassVar[dict[str, bool]] = {"first": True, "then": True}
    finds = 0

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        self.first = self.regex(spec, "first", spec.str_list("first", required=True))
        self.then = self.regex(spec, "then", spec.str_list("then", required=True))

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        type(self).finds += 1
        first, then = live.search(self.first), live.search(self.then)
        if first and then:
            yield Hit(first.start(), then.end())


PAIR_RULES = """
principle: no-hard-sell
rules:
  - id: discount-deadline
    kind: pair
    severity: warning
    message: "A discount with a deadline: {match}"
    why: Pressure.
    fix: Drop the deadline.
    first: ['\\b\\d+% off\\b']
    then: ['\\btoday only\\b']
    examples_fail: ["20% off, today only"]
    examples_pass: ["20% off all week"]
  - id: shouting-sale
    kind: pair
    severity: warning
    message: "A sale in capitals: {match}"
    why: Shouting.
    fix: Say it calmly.
    first: ['\\bSALE\\b']
    then: ['!']
    examples_fail: ["SALE!"]
    examples_pass: ["A sale on Monday."]
"""


def test_a_rule_runs_only_where_every_needed_pattern_can_match(tmp_path: Path) -> None:
    with registered(Pair):
        path = tmp_path / "pairs.yaml"
        path.write_text(PAIR_RULES, encoding="utf-8")
        rules = load_rules([path], ["no-hard-sell"], ["generic"])
        engine = Engine(rules)
        Pair.finds = 0
        assert engine.run(rules, Document("20% off everything this week."), GENERIC, {}) == []
        assert engine.run(rules, Document("Open today only, see you!"), GENERIC, {}) == []
        assert Pair.finds == 0  # each draft lacks one needed pattern of each rule
        found = engine.run(rules, Document("SALE! 20% off, today only"), GENERIC, {})
        assert [f.rule for f in found] == ["discount-deadline", "shouting-sale"]
        assert Pair.finds == 2


def test_a_kind_s_rules_may_only_use_the_placeholders_it_fills(
        count_kind: type[Rule], tmp_path: Path) -> None:
    path = tmp_path / "deals.yaml"
    path.write_text(RULE.replace("{max}):", "{deals}):"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"deals\.yaml: rule 'deal-pileup': 'message' uses "
                                          r"unknown placeholder \{deals\}"):
        load_rules([path], ["no-hard-sell"], ["generic"])


# A long post: RE2 picks the places to try (see Live.finditer); the matches must be
# those of Python's re alone, with non-ASCII letters, lookbehinds and empty matches.
_LONG_POST = ("Café talk İstanbul 🎉. Please subscribe! follow me, sub4sub… "
              "Ünïcode wörds and subs. ") * 40


@pytest.mark.parametrize("alternatives", [
    [r"\bsub(?:scribe)?s?\b", r"(?:^|(?<=[.!?]))\s*follow me"],
    [r"(?<![\w])w\w+", r"\bistanbul\b"],
    [r"x*", r"\bsubs\b"],  # may match nothing: empty matches everywhere
])
def test_a_long_post_finds_what_re_alone_finds(alternatives: list[str]) -> None:
    from bot.rules.base import Pattern
    pattern = Pattern(alternatives, scope="text")
    live = Live(Document(_LONG_POST))
    text = live.text(pattern)
    assert len(text) >= 1000 and pattern.locator(None) is not None  # RE2 does pick
    found = [m.span() for m in live.finditer(pattern, 5)]
    assert found == [m.span() for m in pattern.regex.finditer(text, 5)]
    assert found
