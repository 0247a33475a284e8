"""Drafts in other languages: the checks that need no words, and a plain note."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import language
from bot.coach import Coach, build_coach
from bot.errors import ConfigError
from bot.language import LanguageDetector
from bot.settings import load_settings
from bot.text import Document

SPANISH_RULE = """
principle: not-ego
languages: [es, pt]
rules:
  - id: mi-canal
    kind: existence
    severity: warning
    message: 'Points at the channel, not the reader: "{match}".'
    why: No one wants to feel like a number.
    fix: Say what the reader gets from the video.
    patterns: ['\\bmi\\s+canal\\b', '\\bmeu\\s+canal\\b']
    examples_fail: ["Nuevo vídeo en mi canal"]
    examples_pass: ["Gracias por venir."]
"""


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(("text", "code"), [
    ("¡Sígueme y te sigo! Nuevo vídeo en mi canal", "es"),
    ("Folgt mir und ich folge zurück, neues Video auf meinem Kanal", "de"),
    ("Me segue que eu sigo de volta, vídeo novo no canal", "pt"),
    ("Abonnez-vous à ma chaîne, je m'abonne aussi", "fr"),
    # English loanwords do not make a draft English: its own checks still run.
    ("Suscríbete a mi canal please, subo vídeos nuevos cada semana", "es"),
    ("Me segue please, vídeo novo no canal toda semana", "pt"),
])
def test_a_draft_in_another_language_is_read_as_that_language(
        detector: LanguageDetector, text: str, code: str) -> None:
    language = detector.detect(text)
    assert language.code == code and code in language.reads_as


@pytest.mark.parametrize("text", ["please sub", "sub4sub", "LIKE N SUBSCRIB", "F4F?", "lol"])
def test_a_short_draft_keeps_the_english_checks(detector: LanguageDetector, text: str) -> None:
    assert "en" in detector.detect(text).reads_as


def test_a_draft_without_words_is_unknown_and_read_as_english(detector: LanguageDetector) -> None:
    language = detector.detect("🔥🔥🔥 #1 @you")
    assert language.code == "unknown" and language.reads_as == {"en"}


def test_a_language_without_wording_checks_gets_the_others_and_one_note(coach: Coach) -> None:
    draft = "Volg mij en ik volg jou terug!!! #volgen #follow #f4f #like #leuk #abonneren"
    critique = coach.critique(draft, "instagram")
    assert critique.assessment.language == "nl"
    assert "reads as Dutch" in critique.assessment.note
    assert "English" in critique.assessment.note
    assert {f.rule for f in critique.findings} >= {"hashtag-stuffing", "exclamation-pileup"}
    assert {f.principle for f in critique.findings} <= {"no-spray", "authentic"}
    assert critique.to_dict()["note"] == critique.assessment.note


def test_the_offline_rewrite_adds_no_english_to_another_language(coach: Coach) -> None:
    draft = "Hoy abrimos la nueva tienda en el centro. ¡Os esperamos a las diez!"
    critique = coach.critique(draft, "facebook")
    assert critique.rewrite is not None
    added = critique.rewrite.text.replace(draft, "")
    assert not added.strip(), added


def test_a_rule_speaks_only_its_languages(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "es.yaml").write_text(SPANISH_RULE, encoding="utf-8")
    coach = build_coach(load_settings(tmp_path, env={}))
    spanish = coach.assess("Hola a todos, nuevo vídeo en mi canal cada semana", "x")
    assert "mi-canal" in {f.rule for f in spanish.findings}
    assert not spanish.note  # Spanish has wording checks now
    english = coach.assess("We learned the words mi canal from a street sign in London", "x")
    assert "mi-canal" not in {f.rule for f in english.findings}


@pytest.mark.parametrize(("value", "ok"), [
    ("any", True), ("[en, es]", True), ("es", True), ("[english]", False), ("[]", False),
])
def test_languages_key_is_checked(tmp_path: Path, value: str, ok: bool) -> None:
    (tmp_path / "rules").mkdir()
    body = SPANISH_RULE.replace("languages: [es, pt]", f"languages: {value}")
    (tmp_path / "rules" / "es.yaml").write_text(body, encoding="utf-8")
    if ok:
        build_coach(load_settings(tmp_path, env={}))
    else:
        with pytest.raises(ConfigError, match=r"es\.yaml.*'languages'"):
            build_coach(load_settings(tmp_path, env={}))


def _examples_fail() -> list:
    coach = build_coach(load_settings(env={}))
    return [pytest.param(rule.meta.id, example, id=f"{rule.meta.id}-{index}")
            for rule in coach.rules if rule.meta.languages is not None
            for index, example in enumerate(rule.meta.examples_fail)]


@pytest.mark.parametrize(("rule_id", "example"), _examples_fail())
def test_every_rules_failing_examples_are_read_in_a_language_it_speaks(
        coach: Coach, rule_id: str, example: str) -> None:
    rule = coach.rule(rule_id)
    assert rule is not None
    assert rule.meta.speaks(coach.language(Document(example)).reads_as), example


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_an_ascii_drafts_words_are_split_as_the_word_pattern_finds_them(text: str) -> None:
    # ASCII drafts take a faster split (bytes.translate) than the pattern used for others
    split = text.encode("ascii").translate(language._ASCII_LETTERS).split()
    assert split == [word.encode("ascii") for word in language._WORD.findall(text.lower())]
