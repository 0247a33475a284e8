"""The checks a model's rewrite must pass, on their own: texts in, named problems out."""

from __future__ import annotations

import pytest

from bot.coach import Coach
from bot.llm import load_checks, load_prompts
from bot.llm.rewriter import CHECKS_FILE
from bot.llm.verify import DraftFacts, RewriteChecks, neutralise_pings, verify
from bot.settings import Settings, read_yaml

DRAFT = "Our spring workshop is on 12 May at https://example.org/w with @acme. Buy now!!!"
GOOD = "Our spring workshop is on 12 May at https://example.org/w with @acme. What should we cover?"


@pytest.fixture(scope="module")
def checks(settings: Settings) -> RewriteChecks:
    prompts = load_prompts(settings.prompts_dir, settings.llm.prompt_version)
    return load_checks(settings.config.find(CHECKS_FILE), prompts)


def checks_failed(coach: Coach, checks: RewriteChecks, draft: str, rewrite: str,
                  platform: str = "x") -> list[str]:
    facts = DraftFacts.of(coach.assess(draft, platform), checks)
    return [p.check for p in verify(coach.assess(rewrite, platform), facts, checks)]


def lexicon_examples(settings_dir: str = "config/rewrite_checks.yaml") -> list[tuple[str, str,
                                                                                     bool]]:
    data = read_yaml(__import__("pathlib").Path(settings_dir))
    cases = []
    for key in ("meta_text", "new_claims"):
        cases += [(key, text, True) for text in data[key]["examples_fail"]]
        cases += [(key, text, False) for text in data[key]["examples_pass"]]
    return cases


@pytest.mark.parametrize(("lexicon", "text", "matches"), lexicon_examples())
def test_lexicon_examples(checks: RewriteChecks, lexicon: str, text: str, matches: bool) -> None:
    patterns = checks.meta_text if lexicon == "meta_text" else checks.claims
    assert any(p.search(text) for p in patterns) is matches


def test_a_good_rewrite_passes(coach: Coach, checks: RewriteChecks) -> None:
    assert checks_failed(coach, checks, DRAFT, GOOD) == []


@pytest.mark.parametrize(("rewrite", "check"), [
    (DRAFT, "unchanged"),
    (f"<draft>{GOOD}</draft>", "prompt markup"),
    (f"What the rules found in the draft: nothing.\n{GOOD}", "prompt markup"),
    (f"{GOOD} }}", "prompt markup"),
    ("As an AI language model, I cannot post this.", "meta-text"),
    (f"Sure! Here is the rewritten post: {GOOD}", "meta-text"),
    (f"@everyone {GOOD}", "pings"),
    (f"{GOOD} cc @bigbrand", "pings"),
    (GOOD.replace(" with @acme", ""), "lost content"),
    ("Workshop!", "lost content"),
    (f"{GOOD} Seats from $29.", "new claims"),
    (f"{GOOD} The best workshop in town.", "new claims"),
    (f"{GOOD} Register at https://evil.example.com", "new claims"),
    (f"{GOOD} " + "Tell us what works for you and what does not. " * 6, "length"),
    (f"{GOOD} FOLLOW FOR FOLLOW!!!", "new problems"),
])
def test_each_bad_rewrite_fails_its_named_check(
    coach: Coach, checks: RewriteChecks, rewrite: str, check: str
) -> None:
    assert check in checks_failed(coach, checks, DRAFT, rewrite)


def test_unrelated_post_and_lost_point_are_told_apart(coach: Coach, checks: RewriteChecks) -> None:
    draft = ("Our release notes are up: this version is faster at startup, fixes the login "
             "loop and adds dark mode. Download it now!!!")
    assert checks_failed(coach, checks, draft, "Free crypto for everyone, DM me now")[0] == \
        "unrelated"
    assert "lost content" in checks_failed(
        coach, checks, draft, "Our release notes are up. Which version do you use?")


def test_rewrite_that_fixes_nothing_is_named(coach: Coach, checks: RewriteChecks) -> None:
    draft = "Buy now!!! Our planner is the one your week needs"
    assert "fixes nothing" in checks_failed(
        coach, checks, draft, "Our planner is what your whole week needs. Buy now!!!")


def test_flagged_words_may_go(coach: Coach, checks: RewriteChecks) -> None:
    draft = "Great news about our glaze tests @a @b @c @d @e @f @g #pottery"
    assert checks_failed(coach, checks, draft,
                         "Great news about our glaze tests. Which glaze would you pick? "
                         "#pottery", "instagram") == []


def test_a_rewrite_in_another_language_is_named(coach: Coach, checks: RewriteChecks) -> None:
    draft = "Nuestro planificador te ayuda a organizar la semana. ¿Qué te frena más?"
    english = "Our planner helps you organise the week. What slows you down the most?"
    assert "language" in checks_failed(coach, checks, draft, english)
    assert "language" not in checks_failed(
        coach, checks, draft, "Nuestro planificador organiza tu semana. ¿Qué te frena?")


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello @everyone!", "Hello everyone!"),
    ("@here we go", "here we go"),
    ("Thanks <@&123456789012345678> and <@!42> and <@7>", "Thanks and and"),
    ("Hi @acme, see @heres", "Hi @acme, see @heres"),
])
def test_pings_in_text_being_shown_are_made_inert(text: str, expected: str) -> None:
    assert neutralise_pings(text) == expected


def test_unfinished_mention_is_held_back_while_streaming() -> None:
    assert neutralise_pings("Ask <@&1234", partial=True) == "Ask "
    assert neutralise_pings("Ask @acme today", partial=True) == "Ask @acme today"
