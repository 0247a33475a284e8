"""Learned rules: findings like any rule's, with the reason in words."""

from __future__ import annotations

from bot.coach import Coach


def _learned(coach: Coach, text: str, platform: str) -> list:
    return [f for f in coach.assess(text, platform).findings if f.rule.startswith("reads-like")]


def test_comment_spam_marks_the_heaviest_sentence_and_names_its_words(coach: Coach) -> None:
    text = ("Great video, the chorus is stuck in my head. Hey guys please visit my channel "
            "and subscribe, I upload every week")
    [finding] = _learned(coach, text, "youtube")
    assert finding.principle == "no-engagement-bait" and finding.severity == "warning"
    assert finding.match.startswith("Hey guys please visit my channel")
    assert '"subscribe"' in finding.message or '"channel"' in finding.message
    assert finding.suggestion and finding.why


def test_comment_spam_judges_comments_only(coach: Coach) -> None:
    text = "please check out my channel and subscribe, thanks!!"
    assert _learned(coach, text, "youtube")
    assert not _learned(coach, text, "linkedin")


def test_clickbait_judges_headlines_not_conversation(coach: Coach) -> None:
    [finding] = _learned(coach, "21 Secrets Your Ex Never Told You", "facebook")
    assert finding.principle == "authentic"
    assert finding.span == (0, len("21 Secrets Your Ex Never Told You"))
    for casual in ("you won't believe how tired I am today lol",
                   "What do you use to take notes?",
                   "21 Secrets Your Ex Never Told You: https://example.com/a"):
        assert not _learned(coach, casual, "facebook"), casual


def test_comment_spam_names_a_link_in_plain_words(coach: Coach) -> None:
    [finding] = _learned(coach, "Earn money from home, visit http://cashfast.com", "youtube")
    assert '"a link"' in finding.message
    assert "xlinkx" not in finding.message and "xvideox" not in finding.message
