"""The length rule counts a post the platform's way; the quick count must agree with
the unit-by-unit walk that finds where a post stops fitting."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coach import Coach

_PIECES = ["a", "Ab", " ", "\r\n", "\n", "é", "e\u0301", "日本", "😀", "👍🏽", "🇫🇷", "\ufe0f",
           "\u200d", "https://example.com/a", "www.x.io", "@ana", ".", "\u2003", "Ⅷ"]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_quick_length_is_the_sum_of_the_units(coach: Coach, text: str) -> None:
    for platform in coach.platforms.values():
        if platform.url_length is None and platform.counting == "chars":
            continue  # counted as code points as written, with no walk at all
        assert platform.length(text) == sum(weight for _, _, weight in platform.units(text))


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), max_size=200).map("".join))
def test_a_post_stops_fitting_at_the_first_unit_past_the_limit(coach: Coach, text: str) -> None:
    for platform in coach.platforms.values():
        if platform.limit is None:
            continue
        used, expected = 0, None
        for start, _, weight in platform.units(text):
            used += weight
            if used > platform.limit:
                expected = start
                break
        assert platform.overflow_start(text) == expected
