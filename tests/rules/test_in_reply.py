"""The ``in-reply`` rule kind: another principle's warning, in a reply, read again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.platforms import Platform
from bot.rules import Rule, load_rules
from bot.rules.lexicon import load_lexicon
from bot.text import Document

GENERIC = Platform(id="generic", name="Generic", limit=None)

LEXICON = """
family: test
concepts:
  NOTE:
    words: [replying to, re]
    examples_match: ["replying to @dan:"]
  DISCOUNT:
    words: [20% off]
    examples_match: ["20% off"]
"""


def _rule_file(tmp_path: Path, principle: str, rules: list[dict[str, object]]) -> Path:
    path = tmp_path / f"{principle}.yaml"
    path.write_text(json.dumps({"principle": principle, "rules": rules}), encoding="utf-8")
    return path


def _rules(tmp_path: Path, *, sells_severity: str = "warning",
           principles: list[str] | None = None) -> dict[str, Rule]:
    lexicon_file = tmp_path / "test.yaml"
    lexicon_file.write_text(LEXICON, encoding="utf-8")
    in_reply = {"id": "sells-in-a-reply", "kind": "in-reply", "severity": "warning",
                "message": 'Answers with a sale: "{match}".', "why": "Not heard.",
                "fix": "Answer them.", "principles": principles or ["no-hard-sell"],
                "reply_openers": ["NOTE"], "examples_fail": ["x"], "examples_pass": ["y"]}
    sells = {"id": "discount", "kind": "concept", "severity": sells_severity,
             "message": '"{match}"', "why": "An ad.", "fix": "Cut it.", "match": ["DISCOUNT"],
             "examples_fail": ["20% off"], "examples_pass": ["off"]}
    # The reading rule's file comes first: it still reads rules loaded after it.
    paths = [_rule_file(tmp_path, "listen-first", [in_reply]),
             _rule_file(tmp_path, "no-hard-sell", [sells])]
    loaded = load_rules(paths, ["listen-first", "no-hard-sell", "not-ego"], ["generic"],
                        load_lexicon([lexicon_file]))
    return {rule.meta.id: rule for rule in loaded}


def _matches(rule: Rule, text: str) -> list[str]:
    return [f.match for f in rule.check(Document(text), GENERIC)]


def test_a_sales_push_in_a_reply_is_flagged_where_the_sales_rule_flags_it(
        tmp_path: Path) -> None:
    rule = _rules(tmp_path)["sells-in-a-reply"]
    assert _matches(rule, "@maya so sorry about the shed! Tool sets are 20% off.") == ["20% off"]
    assert _matches(rule, "replying to @maya: Oh no! Tool sets are 20% off.") == ["20% off"]
    assert _matches(rule, "[re: 'my shed was broken into'] Tool sets are 20% off.") == ["20% off"]


def test_only_the_first_push_is_flagged(tmp_path: Path) -> None:
    rule = _rules(tmp_path)["sells-in-a-reply"]
    assert _matches(rule, "@maya Tool sets are 20% off. Locks are 20% off too.") == ["20% off"]


def test_a_post_that_is_no_reply_or_a_reply_that_sells_nothing_is_left_alone(
        tmp_path: Path) -> None:
    rule = _rules(tmp_path)["sells-in-a-reply"]
    assert _matches(rule, "Tool sets are 20% off this weekend.") == []
    assert _matches(rule, "@maya so sorry about the shed! A ground anchor helps.") == []
    # The note must open the draft: an order to reply further on names no thread.
    assert _matches(rule, "Tool sets are 20% off. Re: delivery, ask us.") == []
    assert _matches(rule, "Tool sets are 20% off, @maya says.") == []


def test_a_suggestion_under_the_principle_read_is_not_enough(tmp_path: Path) -> None:
    rule = _rules(tmp_path, sells_severity="suggestion")["sells-in-a-reply"]
    assert _matches(rule, "@maya Tool sets are 20% off.") == []


def test_a_principle_no_rule_judges_is_a_load_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"listen-first\.yaml: rule 'sells-in-a-reply': "
                                          r"'principles' names 'not-ego', which no rule"):
        _rules(tmp_path, principles=["not-ego"])
