"""Rendering stays inside every Discord limit whatever goes in."""

from __future__ import annotations

import discord
import pytest

from bot.coach import Coach
from bot.discord.render import (
    CONTENT_LIMIT,
    CritiqueCard,
    check_embed,
    fit_content,
    quote,
    render_critique,
    render_principles,
    render_why,
    split_chunks,
    truncate,
    truncate_lines,
    with_footer_note,
)
from bot.models import Assessment, Finding, Rewrite, Suggestion


def finding(n: int, *, principle: str = "no-spray", size: int = 300) -> Finding:
    words = f"#tag{n} " * (size // 7)
    return Finding(
        rule=f"rule-{n % 7}", principle=principle, severity="warning",
        message="Too many hashtags " * 10, span=(0, len(words)), match=words,
        suggestion="Keep one or two hashtags that help readers find the post. " * 5,
    )


def assessment(findings: list[Finding], text: str = "draft") -> Assessment:
    return Assessment(text=text, platform="linkedin", findings=tuple(findings),
                      length=len(text), limit=3000)


def test_truncate_cuts_at_a_word_and_marks_the_cut() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("the quick brown fox jumps over the lazy dog", 20)
    assert len(cut) <= 20 and cut.endswith("…") and cut.startswith("the quick brown")
    assert truncate("x" * 50, 1) == "…"


def test_truncate_lines_counts_what_it_leaves_out() -> None:
    lines = [f"line {n}" for n in range(100)]
    text = truncate_lines(lines, 60)
    assert len(text) <= 60
    assert text.endswith("more")


def test_split_chunks_keeps_every_character_and_the_size() -> None:
    text = "word " * 900 + "\n" + "x" * 3000
    chunks = split_chunks(text, 1024)
    assert all(0 < len(c) <= 1024 for c in chunks)
    assert "".join(chunks).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "")


def test_quotes_cannot_ping_or_break_markdown() -> None:
    quoted = quote("@everyone **buy** <@&123456789012345678> `now`")
    assert "@everyone" not in quoted and "<@&123456789012345678>" not in quoted
    assert "\\*\\*buy\\*\\*" in quoted


def test_fit_content_respects_the_message_limit() -> None:
    assert len(fit_content("a" * 5000)) <= CONTENT_LIMIT


@pytest.mark.parametrize("count", [0, 1, 30, 400])
@pytest.mark.parametrize("rewrite_size", [0, 500, 4000, 9000])
def test_a_critique_embed_is_within_limits_whatever_its_size(
    coach: Coach, count: int, rewrite_size: int
) -> None:
    principles = list(coach.principles)
    found = [finding(n, principle=principles[n % len(principles)]) for n in range(count)]
    judged = assessment(found)
    rewrite = None
    if rewrite_size:
        rewrite = Rewrite(
            text=("Here is a calmer version of the post. " * 300)[:rewrite_size],
            source="llm", assessment=assessment([]),
            suggestions=tuple(Suggestion("listen-first", "Ask a question. " * 40)
                              for _ in range(12)),
            summary="Summary " * 100, note="Note " * 400,
        )
    rendered = render_critique(
        CritiqueCard(judged, "LinkedIn", rewrite=rewrite, partial="partial " * 900,
                     previous_score=40, byline="draft by someone " * 200,
                     extra_fields=(("Review " * 50, "approved by " * 200),) * 30),
        coach.principles,
    )
    check_embed(rendered.embed)
    check_embed(with_footer_note(rendered.embed, "shared by " + "a very long name " * 10))
    if rewrite_size > 4000:
        assert rendered.full_rewrite == rewrite.text  # the whole text goes out as a file


def test_the_findings_come_grouped_by_principle(coach: Coach) -> None:
    found = [finding(1, principle="no-spray", size=10), finding(2, principle="not-ego", size=10),
             finding(3, principle="no-spray", size=10)]
    embed = render_critique(CritiqueCard(assessment(found), "LinkedIn"), coach.principles).embed
    description = embed.description or ""
    assert description.count("`no-spray`") == 1
    assert description.index("`no-spray`") < description.index("`not-ego`")
    assert embed.fields[0].name.endswith("writing…")


def test_the_title_shows_the_score_change(coach: Coach) -> None:
    card = CritiqueCard(assessment([]), "LinkedIn", previous_score=54)
    assert render_critique(card, coach.principles).embed.title == \
        "✅ Ready to post · 100/100 (was 54, +46)"


def test_why_and_principles_fit(coach: Coach) -> None:
    check_embed(render_why(list(coach.principles) * 50, coach.principles))
    check_embed(render_principles(coach.principles.values()))
    assert "no principle" in (render_why([], coach.principles).description or "")


def test_check_embed_catches_an_oversized_embed() -> None:
    embed = discord.Embed(description="x" * 4097)
    with pytest.raises(ValueError, match="description"):
        check_embed(embed)


def test_a_rewrite_copies_back_exactly(coach: Coach) -> None:
    text = "Thanks @everyone and <@123456789012345678>! What did you think?"
    rewrite = Rewrite(text=text, source="llm", assessment=assessment([], text))
    embed = render_critique(CritiqueCard(assessment([]), "X", rewrite=rewrite),
                            coach.principles).embed
    assert "\u200b" not in embed.fields[0].value
    assert embed.fields[0].value.replace("\\", "") == text


def test_a_draft_in_a_language_without_wording_checks_says_so(coach: Coach) -> None:
    draft = "Volg mij en ik volg jou ook, elke maandag een nieuwe video op mijn kanaal"
    critique = coach.critique(draft, "instagram")
    embed = render_critique(CritiqueCard(critique.assessment, "Instagram", critique.rewrite),
                            coach.principles).embed
    [field] = [f for f in embed.fields if f.name == "Language"]
    assert "Dutch" in str(field.value) and "English" in str(field.value)
