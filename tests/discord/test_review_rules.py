"""The team review's rules: statuses, material changes, refusals and what is shown."""

from __future__ import annotations

import discord
import pytest

from bot.discord.render import check_embed, with_field
from bot.discord.review import (
    changed_characters,
    final_text_blocks,
    fixed_principles,
    is_material_change,
    is_new_version,
    refusal,
    render_stats,
    review_field_value,
    review_status,
)
from bot.discord.store import Draft, MemberStats, Review, ReviewState

AUTHOR, BOB, CAROL = 1, 2, 3


def review(reviewer: int, verdict: str = "approve", reason: str | None = None) -> Review:
    return Review(reviewer, {AUTHOR: "alice", BOB: "bob", CAROL: "carol"}[reviewer],
                  verdict, reason, 0.0)  # type: ignore[arg-type]


def state(*reviews: Review, posted: bool = False, revision: int = 1,
          deleted: bool = False) -> ReviewState:
    return ReviewState(1, revision, None, 1.0 if posted else None, None, deleted, reviews)


def status(*reviews: Review, verdict: str = "ready", required: int = 1, **kw: bool) -> str:
    return review_status(coach_verdict=verdict, state=state(*reviews, **kw),
                         author_id=AUTHOR, required=required)


def draft() -> Draft:
    return Draft(1, "channel", 10, 20, 30, AUTHOR, AUTHOR, "generic", "text", "h", 50,
                 "ready", (), 40, 50, 0.0, 0.0, False)


def test_statuses() -> None:
    assert status() == "in review"
    assert status(verdict="needs-work") == "needs work"
    assert status(review(BOB)) == "approved"
    assert status(review(BOB), verdict="needs-work") == "approved"  # the team decides
    assert status(review(BOB), required=2) == "in review"
    assert status(review(BOB), review(CAROL), required=2) == "approved"
    assert status(review(BOB), review(CAROL, "changes", "why")) == "changes requested"
    assert status(review(BOB), posted=True) == "posted"


def test_the_authors_own_approval_never_counts() -> None:
    assert status(review(AUTHOR)) == "in review"
    assert status(review(AUTHOR), review(BOB), required=2) == "in review"


@pytest.mark.parametrize(("before", "after", "material"), [
    ("Our launch is today.", "Our  launch is today.\n", False),  # spacing only
    ("Our launch is today.", "our launch is today.", False),  # case only
    ("Our launch is today.", "Our lanch is today.", False),  # a typo
    ("Our launch is today.", "Our launch is tomorrow at noon.", True),
    (None, "Our launch is today.", True),  # the old text was forgotten
])
def test_material_changes_by_text(before: str | None, after: str, material: bool) -> None:
    assert is_material_change(before, after, score_before=80, score_after=80,
                              principles_before=["x"], principles_after=["x"]) is material


def test_a_changed_finding_or_score_is_material_however_small_the_edit() -> None:
    assert is_material_change("a b", "a c", score_before=80, score_after=70,
                              principles_before=[], principles_after=[])
    assert is_material_change("a b", "a c", score_before=80, score_after=80,
                              principles_before=["no-hard-sell"], principles_after=[])


def test_changed_characters_counts_the_difference() -> None:
    assert changed_characters("Hello  World", "hello world") == 0
    assert changed_characters("hello world", "hello there world") == 6


def test_fixed_principles_in_order() -> None:
    assert fixed_principles(["a", "b", "a", "c"], ["c"]) == ["a", "b"]


def test_new_versions_and_conversation_in_the_thread() -> None:
    current = "x" * 100
    assert is_new_version(current, "y" * 60)
    assert not is_new_version(current, "thanks, on it!")
    assert not is_new_version(current, "z" * 30)  # too short for this draft
    assert is_new_version(None, "a whole new version of it")


def test_refusals() -> None:
    def ask(user: int, verdict: str = "approve", **kw: object) -> str | None:
        return refusal(draft=draft(), state=kw.pop("st", state()), user_id=user,  # type: ignore[arg-type]
                       revision=kw.pop("revision", 1), verdict=verdict)  # type: ignore[arg-type]

    assert ask(BOB) is None
    assert "can't approve your own" in (ask(AUTHOR) or "")
    assert "your own draft" in (ask(AUTHOR, "changes") or "")
    assert "now revision 2" in (ask(BOB, st=state(revision=2)) or "")
    assert "deleted" in (ask(BOB, st=state(deleted=True)) or "")
    assert "already posted" in (ask(BOB, st=state(posted=True)) or "")
    assert "isn't under team review" in (ask(BOB, st=None) or "")


def test_the_review_field_names_reviewers_and_fits() -> None:
    many = [review(BOB, "changes", "word " * 500)] + [
        Review(100 + n, f"reviewer{n}" * 5, "approve", None, 0.0) for n in range(40)]
    value = review_field_value(status="changes requested", state=state(*many),
                               author_id=AUTHOR, required=2)
    assert value.startswith("✏️ **changes requested** · revision 1 · approvals 40/2")
    assert "Approved by reviewer0" in value
    assert len(value) <= 1024


def test_with_field_makes_room_on_a_full_embed() -> None:
    embed = discord.Embed(title="t", description="finding line\n" * 300)
    for n in range(3):
        embed.add_field(name=f"Rewrite {n}", value="w" * 1000, inline=False)
    assert len(embed) > 5900
    value = "✅ **approved** · approvals 1/1\n✅ Approved by bob"

    shown = with_field(with_field(embed, "Team review", "old"), "Team review", value)

    check_embed(shown)
    assert [f.name for f in shown.fields].count("Team review") == 1
    assert shown.fields[-1].value == value


def test_final_text_blocks() -> None:
    assert final_text_blocks("Hello") == ["```\nHello\n```"]
    long = "word " * 1000
    blocks = final_text_blocks(long)
    assert blocks is not None and len(blocks) == 3
    assert all(len(b) <= 2000 and b.startswith("```\n") and b.endswith("\n```") for b in blocks)
    assert final_text_blocks("code: ```x```") is None  # goes as a file


def test_stats_embed() -> None:
    stats = MemberStats(scores=(90, 80, 70, 100), first_scores=(40, 50, 70, 90),
                        first_principles=(("a", "b"), ("a",), (), ("b", "a")), posted=1,
                        approvals_given=3, changes_given=1)
    embed = render_stats("alice", stats, {})
    check_embed(embed)
    assert "**Drafts:** 4 (1 posted)" in embed.description
    assert "85/100 now, 62/100 as first posted" in embed.description
    assert "45 → 80" in embed.description
    assert embed.fields[0].value.splitlines()[0] == "• **a** · `a`: 3 drafts"
    assert embed.fields[1].value == "4 (3 approvals, 1 change requests)"
