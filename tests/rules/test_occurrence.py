"""Occurrence counts: one past a platform's ceiling fires, however the tokens are written;
shouted words are found in linear time and must be what the plain pattern finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.coach import Coach
from bot.rules import occurrence

_PLAIN_CAPS_WORD = re.compile(r"(?<![\w#@'])[A-Z][A-Z0-9'-]*[A-Z](?![\w'])")


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ABZ9'-#@x_ éÉ😀\n!", max_size=40))
@example(text="WHY IS NOBODY TALKING ABOUT THIS A-B")
@example(text="ABC-A1-DEF 19-ABC A1-A1-A1-x B-'C")
def test_shouted_words_are_the_plain_patterns_matches(text: str) -> None:
    expected = [m.span() for m in _PLAIN_CAPS_WORD.finditer(text)]
    assert [m.span() for m in occurrence._caps_words(text)] == expected


@pytest.mark.parametrize(("rule_id", "platform", "tokens"), [
    ("hashtag-stuffing", "youtube", ["#a", "#b1", "#café"]),
    ("hashtag-stuffing", "x", ["#a", "#b", "#c", "#d"]),
    ("mass-mentions", "x", ["<@123456>", "<#1234567>", "@ana", "@everyone"]),
    ("too-many-exclamations", "x", ["Yes!", "Now!", "Go!", "Wow!"]),
])
def test_one_past_the_ceiling_fires_and_the_ceiling_does_not(
    coach: Coach, rule_id: str, platform: str, tokens: list[str]
) -> None:
    def fired(words: list[str]) -> bool:
        text = "Notes from the week: " + " and ".join(words) + " for the team."
        return any(f.rule == rule_id for f in coach.assess(text, platform).findings)

    assert fired(tokens)
    assert not fired(tokens[:-1])
