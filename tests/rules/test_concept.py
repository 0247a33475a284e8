"""The ``concept`` rule kind: sequences of concepts, in a sentence or across a post."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.platforms import Platform
from bot.rules import Rule, load_rules
from bot.rules.lexicon import load_lexicon
from bot.text import Document

GENERIC = Platform(id="generic", name="Generic", limit=None)

LEXICON = """
family: test
concepts:
  SELF:
    words: [i, my, me]
    examples_match: ["my"]
  BOAST:
    words: ["#humblebrag", not to brag]
    examples_match: ["#humblebrag"]
  YOU:
    words: [you]
    examples_match: ["you"]
"""


def _rule(tmp_path: Path, spanish: str | None = None, **keys: object) -> Rule:
    lexicon_file = tmp_path / "test.yaml"
    lexicon_file.write_text(LEXICON, encoding="utf-8")
    lexicon_files = [lexicon_file]
    if spanish is not None:  # a Spanish lexicon file beside it
        lexicon_files.append(tmp_path / "test.es.yaml")
        lexicon_files[-1].write_text(spanish, encoding="utf-8")
    rule = {"id": "tags-own-boast", "kind": "concept", "severity": "warning",
            "message": 'Boasts: "{match}".', "why": "It is about you.", "fix": "Cut it.",
            "match": ["SELF ~10 BOAST"], "unless": ["YOU"],
            "examples_fail": ["I read two books #humblebrag"],
            "examples_pass": ["Is that a #humblebrag? You never stop."], **keys}
    path = tmp_path / "rules.yaml"
    path.write_text(json.dumps({"principle": "not-ego", "rules": [rule]}), encoding="utf-8")
    (loaded,) = load_rules([path], ["not-ego"], ["generic"], load_lexicon(lexicon_files))
    return loaded


def _matches(rule: Rule, text: str) -> list[str]:
    return [f.match for f in rule.check(Document(text), GENERIC)]


def test_a_sequence_stays_in_one_sentence_by_default(tmp_path: Path) -> None:
    rule = _rule(tmp_path)
    assert _matches(rule, "I read two books #humblebrag") == ["I read two books #humblebrag"]
    assert _matches(rule, "I read two books. #humblebrag") == []


def test_within_post_reads_across_sentences(tmp_path: Path) -> None:
    rule = _rule(tmp_path, within="post")
    assert _matches(rule, "I read two books. #humblebrag") == ["I read two books. #humblebrag"]
    # Too far apart is still too far.
    assert _matches(rule, "I read. " + "Word " * 12 + "#humblebrag") == []


def test_unless_spares_its_sentence_and_spared_by_the_whole_post(tmp_path: Path) -> None:
    unless = _rule(tmp_path)
    spared = _rule(tmp_path, unless=[], spared_by=["YOU"])
    text = "Did you see it? I read two books #humblebrag"
    assert _matches(unless, text) == ["I read two books #humblebrag"]  # other sentence
    assert _matches(unless, "I read two books, did you #humblebrag") == []
    assert _matches(spared, text) == []
    assert _matches(spared, "I read two books #humblebrag") == ["I read two books #humblebrag"]


def test_delivers_after_spares_a_match_followed_by_the_mark_in_its_sentence(
        tmp_path: Path) -> None:
    rule = _rule(tmp_path, unless=[], delivers_after=":")
    assert _matches(rule, "I read two books #humblebrag: both by Le Guin") == []
    # Before the match, or in the next sentence, the mark keeps nothing.
    assert _matches(rule, "Note: I read two books #humblebrag") == [
        "I read two books #humblebrag"]
    assert _matches(rule, "I read two books #humblebrag. Titles: two") == [
        "I read two books #humblebrag"]


def test_ends_post_keeps_a_match_only_where_the_draft_ends_with_it(tmp_path: Path) -> None:
    rule = _rule(tmp_path, unless=[], ends_post=True)
    assert _matches(rule, "I read two books #humblebrag 👇 #reading") == [
        "I read two books #humblebrag"]
    # Words, a link or a handle after it: the post goes on.
    assert _matches(rule, "I read two books #humblebrag and loved both") == []
    assert _matches(rule, "I read two books #humblebrag https://example.com/list") == []
    assert _matches(rule, "I read two books #humblebrag @sam") == []
    # A long post is read at its end only, and found there.
    long_post = "Word. " * 300 + "I read two books #humblebrag 👇"
    assert _matches(rule, long_post) == ["I read two books #humblebrag"]
    with pytest.raises(ConfigError, match="'ends_post' must be true or false"):
        _rule(tmp_path, ends_post="yes")


def test_needs_reads_only_drafts_that_hold_the_token(tmp_path: Path) -> None:
    rule = _rule(tmp_path, needs="url",
                 examples_fail=["I read two books #humblebrag https://example.com/list"],
                 examples_pass=["I read two books #humblebrag"])
    assert _matches(rule, "I read two books #humblebrag https://example.com/list") == [
        "I read two books #humblebrag"]
    assert _matches(rule, "I read two books #humblebrag") == []
    with pytest.raises(ConfigError, match="'needs' names 'link'; a draft's tokens are url"):
        _rule(tmp_path, needs=["link"])


def test_reply_cues_keep_the_rule_to_replies(tmp_path: Path) -> None:
    rule = _rule(tmp_path, reply_cues=["^ YOU"], unless=[],
                 examples_fail=["@sam I read two books #humblebrag"],
                 examples_pass=["I read two books #humblebrag"])
    # A reply opens with the handle it answers, or answers in words the cues name.
    assert _matches(rule, "@sam I read two books #humblebrag") == ["I read two books #humblebrag"]
    assert _matches(rule, "You asked. I read two books #humblebrag") == [
        "I read two books #humblebrag"]
    # A post of one's own, even one that mentions someone later, is no reply.
    assert _matches(rule, "I read two books #humblebrag") == []
    assert _matches(rule, "I read two books with @sam #humblebrag") == []


def test_a_reply_is_spared_only_when_the_question_holds_a_named_sequence(tmp_path: Path) -> None:
    rule = _rule(tmp_path, spared_when_asked_about=["SELF"], unless=[],
                 examples_fail=["I read two books #humblebrag"],
                 examples_pass=["[re: 'what did my book club read?'] I read two books #humblebrag"])
    # Asked about the very thing: the reply answers the question.
    assert _matches(rule, "[re: 'what did my book club read?'] I read two books #humblebrag") == []
    # Asked something else, or told something: the reply is judged like any post.
    assert _matches(rule, "[re: 'anyone read anything good?'] I read two books #humblebrag") == [
        "I read two books #humblebrag"]
    assert _matches(rule, "[re: 'my book club read two books'] I read two books #humblebrag") == [
        "I read two books #humblebrag"]


def test_answering_keeps_the_rule_to_replies_whose_note_holds_a_named_sequence(
    tmp_path: Path,
) -> None:
    rule = _rule(tmp_path, answering=["SELF 'first'"], unless=[],
                 examples_fail=["[re: 'my first book is out'] I read two books #humblebrag"],
                 examples_pass=["I read two books #humblebrag"])
    # Someone's own news in the note: the reply is read.
    assert _matches(rule, "[re: 'my first book is out'] I read two books #humblebrag") == [
        "I read two books #humblebrag"]
    # A note without it, or no note at all: the rule stays quiet.
    assert _matches(rule, "[re: 'what are you reading?'] I read two books #humblebrag") == []
    assert _matches(rule, "I read two books #humblebrag") == []
    assert _matches(rule, "@sam I read two books #humblebrag") == []


def test_a_post_wide_gap_counts_a_word_cut_at_its_apostrophe(tmp_path: Path) -> None:
    # "I'd", "you're": the part after the apostrophe is a word of the gap, as in a sentence.
    rule = _rule(tmp_path, within="post", mark="BOAST")
    assert _matches(rule, "I'd read two books. #humblebrag") == ["#humblebrag"]


def test_within_takes_only_sentence_or_post(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("'within' must be 'sentence' or 'post'")):
        _rule(tmp_path, within="paragraph")


def test_a_finding_quotes_the_marked_concept(tmp_path: Path) -> None:
    rule = _rule(tmp_path, within="post", mark="BOAST")
    assert _matches(rule, "I read two books. Fast ones. #humblebrag") == ["#humblebrag"]


def test_the_mark_must_be_in_every_sequence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="every 'match' sequence must hold one"):
        _rule(tmp_path, mark="YOU")


def test_each_sequence_quotes_the_mark_it_holds(tmp_path: Path) -> None:
    rule = _rule(tmp_path, within="post", mark=["BOAST", "YOU"],
                 match=["SELF ~10 BOAST", "SELF ~10 YOU"], unless=[],
                 examples_pass=["Is that a #humblebrag?"])
    assert _matches(rule, "I read two books. Fast ones. #humblebrag") == ["#humblebrag"]
    assert _matches(rule, "My shelf is full. Want one? Ask you know who.") == ["you"]


def test_the_languages_a_rule_reads_come_from_what_it_matches(tmp_path: Path) -> None:
    # An exception in Spanish words spares Spanish drafts; it does not make an English
    # rule read them.
    rule = _rule(tmp_path, spanish="family: test-es\nlanguages: [es]\nconcepts:\n"
                                   "  YOU:\n    words: [tu]\n    examples_match: ['tu']\n")
    assert rule.meta.languages == frozenset({"en"})


def test_a_rule_of_quoted_words_alone_reads_english(tmp_path: Path) -> None:
    # No concept to take languages from: it reads English drafts, as any rule does.
    rule = _rule(tmp_path, match=["'numbers' ~1 'lie'"], unless=[],
                 examples_fail=["Numbers don't lie."], examples_pass=["Numbers matter."])
    assert rule.meta.speaks(frozenset({"en"}))
    assert _matches(rule, "4.9 stars. Numbers don't lie.") == ["Numbers don't lie"]
