"""Learned rules: findings like any rule's, with the reason in words."""

from __future__ import annotations

from bot.coach import Coach, RuleOverrides

SPAM = ("Great video, the chorus is stuck in my head. Hey guys please visit my channel "
        "and subscribe, I upload every week")


def _learned(coach: Coach, text: str, platform: str,
             overrides: RuleOverrides | None = None) -> list:
    """The learned rules' findings, with the hand-written rules off unless ``overrides``."""
    if overrides is None:
        overrides = RuleOverrides(disabled=frozenset(
            rule.meta.id for rule in coach.rules if rule.meta.kind != "learned"))
    return [f for f in coach.assess(text, platform, overrides).findings
            if f.rule.startswith("reads-like")]


def test_comment_spam_marks_the_heaviest_sentence_and_names_its_words(coach: Coach) -> None:
    [finding] = _learned(coach, SPAM, "youtube")
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


def test_a_learned_rule_keeps_quiet_where_a_rule_has_already_judged_the_draft(
        coach: Coach) -> None:
    # The model would only repeat, in vaguer words, what the hand-written rules say.
    assessment = coach.assess(SPAM, "youtube")
    assert {"plugs-own-channel", "subscription-talk"} <= {f.rule for f in assessment.blocking}
    assert not _learned(coach, SPAM, "youtube", RuleOverrides())
    # A team that turns those rules down to suggestions hears the model again.
    softened = RuleOverrides(severity={"plugs-own-channel": "suggestion",
                                       "subscription-talk": "suggestion"})
    [finding] = _learned(coach, SPAM, "youtube", softened)
    assert finding.severity == "warning"
