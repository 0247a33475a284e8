from __future__ import annotations

from bot.coach import Coach


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
