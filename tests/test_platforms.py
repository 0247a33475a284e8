from __future__ import annotations

import pytest

from bot.coach import Coach
from bot.platforms import shortened_link


def test_x_counts_links_as_23_and_wide_characters_as_2(coach: Coach) -> None:
    x = coach.platform("x")
    assert x.length("hi https://example.com/a/very/long/path/indeed") == 3 + 23
    assert x.length("日本") == 4
    assert x.length("👍🏽") == 2  # an emoji with a skin tone is one emoji
    assert x.length("café") == 4


def test_bluesky_counts_graphemes(coach: Coach) -> None:
    bluesky = coach.platform("bluesky")
    assert bluesky.length("👨‍👩‍👧") == 1
    assert bluesky.length("e\u0301") == 1


@pytest.mark.parametrize(("link", "as_posted"), [
    ("https://www.theguardian.com/cities/2024/vienna-social-housing",
     "www.theguardian.com/cities/2024/..."),
    ("https://example.com/", "example.com"),
    ("https://example.com/short/path", "example.com/short/path"),  # 15 characters: kept
    ("https://example.com/a?q=1#top", "example.com/a?q=1#top"),
    ("example.com/a/path/longer/than/fifteen", "example.com/a/path/longer/than/fifteen"),
])
def test_bluesky_writes_a_link_into_the_post_shortened(link: str, as_posted: str) -> None:
    assert shortened_link(link) == as_posted


def test_bluesky_counts_a_link_as_the_app_shortens_it(coach: Coach) -> None:
    bluesky = coach.platform("bluesky")
    link = "https://aeon.co/essays/why-we-stopped-walking-in-cities"
    assert bluesky.length(f"Read this: {link}") == 11 + len("aeon.co/essays/why-w...")
    # Three long links with a line on each: 366 characters, 297 as Bluesky counts them.
    reading_list = " ".join(f"{link}{n} is worth your time, I promise you, every word of it."
                            for n in range(3))
    assert len(reading_list) > 300
    assessment = coach.assess(reading_list, "bluesky")
    assert not [f for f in assessment.findings if f.rule == "over-limit"]
    assert assessment.length == bluesky.length(reading_list) <= 300


def test_the_cut_on_bluesky_falls_after_a_shortened_link(coach: Coach) -> None:
    link = "https://example.com/" + "p" * 200
    text = link + " " + "b" * 280  # "example.com/ppppppppppppp..." (27) + 1 + 280 = 308
    over = [f for f in coach.assess(text, "bluesky").findings if f.rule == "over-limit"]
    assert len(over) == 1 and "308 characters" in over[0].message
    assert over[0].span[0] == len(link) + 1 + 272  # the 301st character as counted


def test_over_the_limit_is_an_error_with_the_exact_count(coach: Coach) -> None:
    text = "word " * 60  # 300 characters
    assessment = coach.assess(text, "x")
    over = [f for f in assessment.findings if f.rule == "over-limit"]
    assert len(over) == 1
    assert over[0].severity == "error"
    assert "300" in over[0].message and "20 over" in over[0].message
    assert over[0].span == (280, 300)
    assert assessment.verdict == "needs-work"


def test_exactly_at_the_limit_fits(coach: Coach) -> None:
    assessment = coach.assess("a" * 280, "x")
    assert not [f for f in assessment.findings if f.rule == "over-limit"]
    assert assessment.length == 280 and assessment.limit == 280


def test_links_count_23_on_x_when_finding_the_cut(coach: Coach) -> None:
    link = "https://example.com/" + "p" * 100
    text = link + " " + "b" * 256  # 23 + 1 + 256 = 280 on X, despite 377 characters
    assert coach.assess(text, "x").verdict == "ready" or not [
        f for f in coach.assess(text, "x").findings if f.rule == "over-limit"]
    assert coach.platform("x").length(text) == 280
