"""Absence rules: what a post lacks is looked for in the writer's own words."""

from __future__ import annotations

from bot.coach import Coach

LONG_ANNOUNCEMENT = (
    "We shipped the new calendar view this week after three months of work with the "
    "design team and a long beta with twelve agencies"
)


def _rules(coach: Coach, text: str) -> set[str]:
    return {finding.rule for finding in coach.assess(text, "linkedin").findings}


def test_a_question_mark_inside_a_link_is_no_question(coach: Coach) -> None:
    with_link = f"{LONG_ANNOUNCEMENT}: https://example.com/changelog?ref=post"
    assert "invite-replies" in _rules(coach, with_link)


def test_a_real_question_next_to_a_link_still_counts(coach: Coach) -> None:
    asking = f"{LONG_ANNOUNCEMENT}. What would you change? https://example.com/changelog"
    assert "invite-replies" not in _rules(coach, asking)


def test_a_post_that_ends_on_a_quotation_still_lacks_a_question(coach: Coach) -> None:
    # The finding only points at the closing sentence; the quotation asks no one.
    quoting = f'{LONG_ANNOUNCEMENT}. One of them wrote: "It fits. We plan in half the time."'
    assert "invite-replies" in _rules(coach, quoting)


def test_a_reply_is_not_asked_to_invite_replies(coach: Coach) -> None:
    # A reply answers someone; a closing question is for a post on its own. A reply
    # opens with a note quoting the message, or with the @handle it answers.
    assert "invite-replies" in _rules(coach, LONG_ANNOUNCEMENT)
    assert "invite-replies" not in _rules(coach, f"@dana {LONG_ANNOUNCEMENT}")
    assert "invite-replies" not in _rules(coach, f"[re: 'what's new?'] {LONG_ANNOUNCEMENT}")
    assert "invite-replies" in _rules(coach, f"Thanks to @dana: {LONG_ANNOUNCEMENT}")
    assert "invite-replies" in _rules(coach, f"@everyone {LONG_ANNOUNCEMENT}")
