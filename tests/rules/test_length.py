"""The length rule counts a post the platform's way; the quick count must agree with
the unit-by-unit walk that finds where a post stops fitting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coach import Coach

_PIECES = ["a", "Ab", " ", "\r\n", "\n", "é", "e\u0301", "日本", "😀", "👍🏽", "🇫🇷", "\ufe0f",
           "\u200d", "https://example.com/a", "www.x.io", "@ana", ".", "\u2003", "Ⅷ"]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_quick_length_is_the_sum_of_the_units(coach: Coach, text: str) -> None:
    for platform in coach.platforms.values():
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


def test_the_part_over_the_limit_is_quoted_as_the_user_wrote_it(coach: Coach) -> None:
    # 400 accented letters, each written as "e" and a combining accent: 400 graphemes to
    # Bluesky, 800 code points in the draft.
    text = "e\u0301" * 400
    platform = coach.platform("bluesky")

    assert platform.length(text) == 400
    assert platform.overflow_start(text) == 2 * platform.limit
    [finding] = [f for f in coach.assess(text, "bluesky").findings if f.rule == "over-limit"]
    assert finding.span == (600, 800) and finding.match == "e\u0301" * 100
    assert platform.length(coach.offline_rewrite(coach.assess(text, "bluesky")).text) <= 300


@pytest.mark.parametrize(("platform_id", "text"), [("x", "a" * 400), ("threads", "é" * 700)],
                         ids=["x", "threads"])
def test_a_draft_without_spaces_is_cut_to_fit_with_its_ellipsis(
    coach: Coach, platform_id: str, text: str
) -> None:
    platform = coach.platform(platform_id)
    rewrite = coach.offline_rewrite(coach.assess(text, platform_id))
    assert rewrite.text.endswith("…")
    # X counts the "…" as two.
    assert platform.length(rewrite.text) == platform.limit
