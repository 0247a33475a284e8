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
    # Tags are how Mastodon readers find posts: a handful is normal there.
    ("hashtag-stuffing", "mastodon", ["#CitizenScience", "#Frogs", "#Glasgow", "#Spring",
                                      "#Amphibians", "#Wildlife"]),
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


_ARTICLE = ("We rebuilt our search index this quarter and cut the median query time from "
            "420 ms to 95 ms. The trick was not a new engine: we stopped sorting results "
            "we never showed, cached the ten most common filters and moved the spell "
            "checker after the first page. Each change is small; together they took a "
            "week of work and one careful rollback. Here is what we would do again, "
            "and what we would skip next time, step by step. ") * 2


@pytest.mark.parametrize(("rule_id", "token"), [
    ("hashtag-stuffing", "#search{}"), ("link-dump", "https://example.com/{}"),
    ("mass-mentions", "@dev{}"),
])
def test_tokens_that_crowd_a_post_warn_and_a_block_under_an_article_suggests(
    coach: Coach, rule_id: str, token: str
) -> None:
    def severity(text: str) -> str | None:
        found = [f for f in coach.assess(text, "linkedin").findings if f.rule == rule_id]
        return found[0].severity if found else None

    block = " ".join(token.format(i) for i in range(12))
    assert severity(f"Great week! {block}") == "warning"
    assert severity(f"{_ARTICLE}\n\n{block}") == "suggestion"


def test_a_block_of_mentions_turns_mild_at_the_first_word_that_makes_it_under_a_tenth(
    coach: Coach
) -> None:
    # 12 mentions are under a tenth of a post from 109 words on: 12 / (12 + 109) < 0.1.
    block = " ".join(f"@dev{i}" for i in range(12))

    def severity(words: int) -> str:
        text = " ".join(["note"] * words) + f"\n\n{block}"
        (found,) = [f for f in coach.assess(text, "linkedin").findings
                    if f.rule == "mass-mentions"]
        return found.severity

    assert severity(108) == "warning"
    assert severity(109) == "suggestion"
