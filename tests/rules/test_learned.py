"""Learned rules: findings like any rule's, with the reason in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.coach import Coach, RuleOverrides
from bot.errors import ConfigError
from bot.rules import load_rules

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
                   "What do you use to take notes?"):
        assert not _learned(coach, casual, "facebook"), casual


def test_clickbait_reads_the_headline_an_outlet_shares_with_its_link(coach: Coach) -> None:
    headline = "21 Secrets Your Ex Never Told You 👇"
    [finding] = _learned(coach, f"{headline} https://example.com/ex-secrets", "facebook")
    assert finding.rule == "reads-like-clickbait" and finding.span == (0, len(headline))
    # More than the headline and its link is a post, the teaser model's to judge.
    for post in (f"{headline} https://example.com/a #dating",
                 f"{headline} https://example.com/a https://example.com/b",
                 f"https://example.com/a {headline}"):
        assert "reads-like-clickbait" not in {f.rule for f in _learned(coach, post, "facebook")}


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


def test_teaser_judges_short_posts_and_leaves_headlines_to_the_clickbait_model(
        coach: Coach) -> None:
    teaser = "The one mistake that cost us a client, and it is not what you think."
    [finding] = _learned(coach, teaser, "linkedin")
    assert finding.rule == "reads-like-a-teaser" and finding.principle == "authentic"
    assert finding.severity == "warning" and finding.span == (0, len(teaser))
    assert not _learned(coach, "Our bakery opens at 7 on Saturday; the sourdough is back.", "x")
    # Comments are not posts.
    assert not _learned(coach, teaser, "youtube")
    # The same words as a headline are the clickbait model's to judge, not the teaser's.
    headline = "The One Mistake That Cost Us A Client, And It Is Not What You Think"
    assert "reads-like-a-teaser" not in {f.rule for f in _learned(coach, headline, "facebook")}


def test_teaser_reads_posts_as_long_as_those_it_learned_from(coach: Coach) -> None:
    teaser = "The one mistake that cost us a client, and it is not what you think."
    assert _learned(coach, teaser, "x")
    # Past 40 words, a long post's withholding is the hand-written rules' to find, even
    # where every sentence of it teases.
    longer = (teaser + " Something happened at the studio this week that nobody saw coming,"
              " and you will not guess who called us about it afterwards. The whole story is"
              " coming soon, so keep an eye out.")
    assert len(longer.split()) > 40
    assert not _learned(coach, longer, "x")


LEARNED_RULE = """
principle: authentic
rules:
  - id: reads-like-a-teaser
    kind: learned
    severity: warning
    model: {model}
    {key}
    message: 'Teaser: {{words}}.'
    why: No one wants to be tricked.
    fix: Say it.
    examples_fail: ["The one mistake that cost us a client, and it is not what you think."]
    examples_pass: ["Our bakery opens at 7 on Saturday; the sourdough is back."]
"""


@pytest.mark.parametrize(("key", "expected"), [
    ("max_words: 0", "'max_words' must be a whole number of at least 1"),
    ("max_words: forty", "'max_words' must be a whole number of at least 1"),
    ("max_words: true", "'max_words' must be a whole number of at least 1"),
    ("reads: tweets", "'reads' must be 'draft', 'headline' or 'post'"),
])
def test_a_learned_rules_reading_keys_are_checked_naming_file_and_key(
        tmp_path: Path, key: str, expected: str) -> None:
    path = tmp_path / "learned.yaml"
    model = Path(__file__).resolve().parents[2] / "config" / "learned" / "teaser.json"
    path.write_text(LEARNED_RULE.format(model=model, key=key), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules([path], ["authentic"], ["x", "generic"])
    assert str(path) in str(caught.value) and expected in str(caught.value)
