"""The ``unheard`` rule kind: a reply that takes up nothing of the message it answers."""

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
  COMMON:
    words: [the, a, is, it, "on", our, "you're", thanks]
    examples_match: ["the"]
  ELSEWHERE:
    words: [see our website]
    examples_match: ["see our website"]
"""

RULE = {"id": "elsewhere", "kind": "unheard", "severity": "warning",
        "message": 'Sent elsewhere: "{match}".', "why": "They asked.", "fix": "Answer.",
        "common_words": "COMMON", "match": ["ELSEWHERE"],
        "examples_fail": ["[re: 'when do you open?'] See our website."],
        "examples_pass": ["[re: 'when do you open?'] We open at ten; see our website."]}


def _rule(tmp_path: Path, **changes: object) -> Rule:
    lexicon_file = tmp_path / "test.yaml"
    lexicon_file.write_text(LEXICON, encoding="utf-8")
    path = tmp_path / "listen-first.yaml"
    path.write_text(json.dumps({"principle": "listen-first", "rules": [{**RULE, **changes}]}),
                    encoding="utf-8")
    [rule] = load_rules([path], ["listen-first"], ["generic"], load_lexicon([lexicon_file]))
    return rule


def _fires(rule: Rule, draft: str) -> list[str]:
    return [f.match for f in rule.check(Document(draft), GENERIC)]


def test_a_reply_that_takes_up_none_of_the_message_is_flagged(tmp_path: Path) -> None:
    rule = _rule(tmp_path)
    assert _fires(rule, "[re: 'is the café step-free?'] Thanks! See our website.") == [
        "See our website"]


@pytest.mark.parametrize("draft", [
    # It takes up the message's words: an answer that also points to the website.
    "[re: 'is the café step-free?'] The café is step-free; see our website for the rest.",
    # Inflected: "cafés" takes up "café".
    "[re: 'is the café step-free?'] All our cafés are. See our website.",
    # Not a reply: nothing was asked.
    "Opening hours have changed. See our website.",
])
def test_a_reply_that_answers_or_a_post_is_not(tmp_path: Path, draft: str) -> None:
    assert _fires(_rule(tmp_path), draft) == []


def test_only_the_common_words_are_shared_without_taking_anything_up(tmp_path: Path) -> None:
    draft = "[re: 'the parcel is late'] Thanks, the team is on it! See our website."
    assert _fires(_rule(tmp_path), draft) == ["See our website"]
    assert _fires(_rule(tmp_path, common_words="ELSEWHERE"), draft) == []


@pytest.mark.parametrize(("changes", "expected"), [
    ({"common_words": "NOTHING"}, "'common_words' must name a concept"),
    ({"common_words": ["COMMON"]}, "'common_words' must name a concept"),
])
def test_unheard_mistakes_are_load_errors_naming_the_file(
        tmp_path: Path, changes: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _rule(tmp_path, **changes)
    assert "listen-first.yaml" in str(caught.value) and expected in str(caught.value)


def test_a_rule_without_common_words_is_a_load_error(tmp_path: Path) -> None:
    rule = dict(RULE)
    del rule["common_words"]
    path = tmp_path / "listen-first.yaml"
    path.write_text(json.dumps({"principle": "listen-first", "rules": [rule]}), encoding="utf-8")
    with pytest.raises(ConfigError, match="common_words"):
        load_rules([path], ["listen-first"], ["generic"])
