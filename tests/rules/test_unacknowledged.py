"""The ``unacknowledged`` rule kind: a reply to a complaint that does not take it up."""

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
  COMPLAINT:
    words: [still waiting, never arrived]
    examples_match: ["still waiting"]
  TAKEN-IN:
    words: [sorry, "we'll"]
    examples_match: ["sorry"]
"""

RULE = {"id": "unheard-complaint", "kind": "unacknowledged", "severity": "warning",
        "message": 'Not taken up: "{match}".', "why": "They complained.", "fix": "Say sorry.",
        "answered": ["COMPLAINT"], "acknowledged_by": ["TAKEN-IN"],
        "examples_fail": ["[re: 'still waiting for my parcel'] Our sale is on!"],
        "examples_pass": ["[re: 'still waiting for my parcel'] Sorry! We'll chase it."]}


def _rules_file(tmp_path: Path, rule: dict[str, object]) -> list[Rule]:
    lexicon_file = tmp_path / "test.yaml"
    lexicon_file.write_text(LEXICON, encoding="utf-8")
    path = tmp_path / "listen-first.yaml"
    path.write_text(json.dumps({"principle": "listen-first", "rules": [rule]}),
                    encoding="utf-8")
    return load_rules([path], ["listen-first"], ["generic"], load_lexicon([lexicon_file]))


def _found(tmp_path: Path, draft: str) -> list[str]:
    [rule] = _rules_file(tmp_path, RULE)
    return [f.match for f in rule.check(Document(draft), GENERIC)]


def test_the_finding_quotes_what_the_complainer_reads_first(tmp_path: Path) -> None:
    draft = "[re: 'my order never arrived'] Thanks for shopping with us! New stock Friday."
    assert _found(tmp_path, draft) == ["Thanks for shopping with us!"]


@pytest.mark.parametrize("draft", [
    # Taken in: an apology, a promise to act.
    "[re: 'my order never arrived'] So sorry, Ana. Your order went out again today.",
    "[re: 'my order never arrived'] We'll send another one today.",
    # The message complains of nothing.
    "[re: 'when does the new stock arrive?'] Thanks for asking! New stock Friday.",
    # Not a reply to a quoted message.
    "Thanks for shopping with us! New stock Friday.",
])
def test_a_reply_that_hears_the_complaint_or_answers_none_is_not_flagged(
        tmp_path: Path, draft: str) -> None:
    assert _found(tmp_path, draft) == []


@pytest.mark.parametrize("key", ["answered", "acknowledged_by"])
def test_both_sides_are_required_and_the_error_names_the_file(tmp_path: Path,
                                                              key: str) -> None:
    rule = {k: v for k, v in RULE.items() if k != key}
    with pytest.raises(ConfigError) as caught:
        _rules_file(tmp_path, rule)
    assert "listen-first.yaml" in str(caught.value) and key in str(caught.value)
