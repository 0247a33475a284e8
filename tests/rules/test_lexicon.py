"""Concepts as data: every concept's examples, the folding they rely on, and the loader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.errors import ConfigError
from bot.fold import fold
from bot.rules.lexicon import Lexicon, load_lexicon
from bot.settings import load_settings

_CONFIG = load_settings(env={}).config
_LEXICON = load_lexicon(_CONFIG.glob("lexicons/*.yaml"))


def _examples(key: str) -> list:
    return [pytest.param(name, example, id=f"{name}-{index}")
            for name, concept in _LEXICON.concepts.items()
            for index, example in enumerate(getattr(concept, key))]


def _found(name: str, text: str) -> bool:
    return re.search(_LEXICON.pattern(name), fold(text).text) is not None


@pytest.mark.parametrize(("name", "example"), _examples("examples_match"))
def test_concept_matches_its_examples(name: str, example: str) -> None:
    assert _found(name, example), f"{name} should match {example!r}"


@pytest.mark.parametrize(("name", "example"), _examples("examples_no_match"))
def test_concept_leaves_its_counter_examples(name: str, example: str) -> None:
    assert not _found(name, example), f"{name} should not match {example!r}"


@pytest.mark.parametrize(("written", "folded"), [
    ("PLEASEEE SUSCRIBE", "please suscribe"),
    ("sub4sub", "sub 4 sub"),
    ("F0LL0W me", "follow me"),
    ("¡Sígueme y te sigo!", "¡sigueme y te sigo!"),
    ("ca$h prizes in 2014", "cash prizes in 2014"),
    ("a6b8c9 stays", "a6b8c9 stays"),
    # One spelling for American and British words, so a lexicon lists each once.
    ("Recognized by the Organization", "recognised by the organisation"),
    ("we analyzed it", "we analysed it"),
    ("Honoured to return the favour", "honored to return the favor"),
    ("won a prize of this size", "won a prize of this size"),
    ("four hours on tour, our colour", "four hours on tour, our color"),
])
def test_folding_undoes_spelling_games(written: str, folded: str) -> None:
    assert fold(written).text == folded


def test_a_folded_span_maps_back_to_the_words_as_written() -> None:
    written = "ok PLEASEEE sub4sub now"
    folded = fold(written)
    start = folded.text.index("please")
    end = folded.text.index("now") + 3
    s, e = folded.to_source(start, end)
    assert written[s:e] == "PLEASEEE sub4sub now"


@pytest.mark.parametrize(("written", "word", "quoted"), [
    ("so PLEASEEE help", "please", "PLEASEEE"),
    ("I'll return the favour!", "favor", "favour"),
    ("honoured", "honored", "honoured"),
])
def test_a_word_folded_from_more_letters_maps_back_to_all_of_them(
    written: str, word: str, quoted: str
) -> None:
    folded = fold(written)
    start = folded.text.index(word)
    s, e = folded.to_source(start, start + len(word))
    assert written[s:e] == quoted


@pytest.mark.parametrize("written", ["Café F0LL0W, then ca$h", "İstanbul: Sígueme y te sigo"])
def test_a_span_folded_letter_for_letter_maps_back_to_the_same_words(written: str) -> None:
    folded = fold(written)
    for word in folded.text.split():
        start = folded.text.index(word)
        s, e = folded.to_source(start, start + len(word))
        assert fold(written[s:e]).text == word


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "family.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
family: test
concepts:
  ASK:
    words: [check* out, "{SELF} page"]
    examples_match: ["checking out"]
  SELF:
    words: [my, our]
    examples_match: ["my"]
"""


def test_inflections_and_references_compile(tmp_path: Path) -> None:
    lexicon = load_lexicon([_write(tmp_path, GOOD)])
    pattern = re.compile(lexicon.sequence("ASK ~2 SELF", "test"))
    assert pattern.search(fold("Checked out all of my stuff").text)
    assert not pattern.search(fold("Checked out. My stuff").text)  # another sentence


COMPOUNDS = """
family: test
concepts:
  SIGN-UP:
    words: [sign* up, limited time, limited-time]
    examples_match: ["signing up"]
"""


@pytest.mark.parametrize(("text", "matches"), [
    ("Sign up before Friday", True),
    ("the sign-up form is in the bio", False),    # a compound is a thing, not the act
    ("a limited time offer", True),
    ("a limited-time offer", True),               # listed hyphenated: it means the same
])
def test_a_hyphen_joins_a_phrase_only_where_the_lexicon_lists_it(
        tmp_path: Path, text: str, matches: bool) -> None:
    lexicon = load_lexicon([_write(tmp_path, COMPOUNDS)])
    assert bool(re.search(lexicon.pattern("SIGN-UP"), fold(text).text)) is matches


@pytest.mark.parametrize(("text", "starts"), [
    ("Our picks. 40 gifts for your dad.", True),
    ("Gift ideas: 40 gifts for your dad.", True),
    ("A refund of $219.40 for your account is ready.", False),  # a decimal point ends nothing
    ("Doors open at 19:30 for your tickets.", False),            # nor a colon in a time
    ("New drop 🔥 40 gifts for your dad", True),                # an emoji closes a sentence
    ("New drop 🔥🔥 40 gifts for your dad", True),
    ("Gift guide for 40 dads, for your dad", False),
])
def test_where_a_sentence_starts(text: str, starts: bool) -> None:
    # "^ LIST-COUNT ~4 READER" is how a list headline opens ("17 gifts for your dad").
    pattern = re.compile(_LEXICON.sequence("^ LIST-COUNT ~4 READER", "test"))
    assert (pattern.search(fold(text).text) is not None) is starts


@pytest.mark.parametrize(("text", "joined"), [
    ("Win a hamper! To enter:\n1️⃣ Follow us", True),    # a line ending in a colon leads on
    ("To enter: follow us", True),
    ("Ways to enter\nFollow us", False),                  # a bare line break ends a sentence
    ("How to enter. Follow us", False),
])
def test_a_colon_carries_a_sentence_onto_the_next_line(text: str, joined: bool) -> None:
    pattern = re.compile(_LEXICON.sequence("'enter' ~1 'follow'", "test"))
    assert (pattern.search(fold(text).text) is not None) is joined


@pytest.mark.parametrize(("words", "example", "end", "written", "not_written"), [
    pytest.param('"$<number>", "#<number>", "<number>%", "<number>p/msg"', "$5", "",
                 ["won $1,500", "hit #2 today", "a 25% cut", "150p/msg"],
                 ["$ and cents", "#tag", "25 percent", "a1500", "2.5"],
                 id="a figure glued to a sign or unit"),
    pytest.param('"at <age>"', "at 44.", "",
                 ["mortgage free at 44.", "40k a year at 22 🥂", "at 19, they said"],
                 ["at 20 people", "at 40,000 feet", "at 18:00", "at 44k", "at 40+", "at 5.",
                  "at 70.", "at 30s", "at 21st", "at 23 and already"],
                 id="an age with no word or unit after it"),
    # Matched to the end: the emoji's skin tone or variation mark is part of the match.
    pytest.param('"drop a <emoji>"', "drop a 🔥", "$",
                 ["drop a 🙋", "drop a 🙋🏽", "drop a ❤️", "drop a 💡"],
                 ["drop a line", "drop a :)"],
                 id="an emoji with its marks"),
])
def test_a_placeholder_matches_as_people_write_it(
    tmp_path: Path, words: str, example: str, end: str, written: list[str],
    not_written: list[str],
) -> None:
    lexicon = load_lexicon([_write(tmp_path, f"""
family: test
concepts:
  WORD:
    words: [{words}]
    examples_match: ["{example}"]
""")])
    word = re.compile(lexicon.pattern("WORD") + end)
    for text in written:
        assert word.search(fold(text).text), text
    for text in not_written:
        assert not word.search(fold(text).text), text


@pytest.mark.parametrize(("change", "expected"), [
    (("family: test", "family: test\nfamliy: x"), "'famliy' is not a known key"),
    (("    words: [my, our]", "    words: [my, our]\n    wrods: [x]"),
     "'concepts.SELF.wrods' is not a known key"),
    (("  SELF:", "  self:"),
     "'concepts.self' is not a concept name: upper case words joined by hyphens, got 'self'"),
    (('"{SELF} page"', '"{NOBODY} page"'), "unknown concept NOBODY"),
    (('"{SELF} page"', '"{ASK} page"'), "refers to itself"),
    (('"{SELF} page"', '"{SELF}\'s page"'), "a reference stands alone as a word"),
    (("    words: [my, our]", '    words: [my, "*"]'), "'*' holds no word to match"),
    (("family: test", "family: test\nlanguages: [es]"), "English words"),
    (("family: test", "family: test\nlanguages: [es, pt]"),
     "'languages' must name one two-letter language code"),
    (("family: test", "family: test\nlanguages: [spanish]"),
     "'languages.0' must be a two-letter language code, got 'spanish'"),
    (("family: test", "family: [test]"), "'family' must be text, got ['test']"),
    (("family: test\n", ""), "'family' is required"),
    (("    words: [my, our]", "    words: []"), "'concepts.SELF.words' must not be empty, got []"),
    (("    words: [my, our]", "    words: [my, '  ']"),
     "'concepts.SELF.words.1' must not be empty"),
    (("    words: [my, our]", "    words: [my, 7]"), "'concepts.SELF.words.1' must be text, got 7"),
    # A hyphen in a concept's name; a bare "on", which YAML reads as true.
    (('    words: [my, our]\n    examples_match: ["my"]',
      '    words: [my, our]\n    examples_match: ["my"]\n  VIA-APP:\n    words: [via, on]\n'
      '    examples_match: [via]'),
     "'concepts.VIA-APP.words.1' must be text, got True"),
    (("    words: [my, our]", "    words: my our"), "'concepts.SELF.words' must be a list"),
    # Folding reads both: listing the second spelling only lengthens the list.
    (("    words: [my, our]", "    words: [my, our, honoured, honored]"),
     "concept SELF: 'honored' is 'honoured' once folded"),
    # Listed without its apostrophe, a contraction matches only that spelling.
    (("    words: [my, our]", "    words: [my, our, dont mean to brag]"),
     "concept SELF: 'dont mean to brag': write 'dont' as \"don't\", which matches both"),
    (("  SELF:\n", "  SELF: [my]\n  OTHER:\n"), "'concepts.SELF' must be a mapping"),
    (('    examples_match: ["my"]', ""), "'examples_match' is required"),
])
def test_a_broken_lexicon_names_its_file_and_problem(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError, match=re.escape(expected)) as caught:
        load_lexicon([path])
    assert str(path) in str(caught.value)


def test_a_concept_spoken_in_two_languages_is_one_concept(tmp_path: Path) -> None:
    english = tmp_path / "a.yaml"
    english.write_text(GOOD, encoding="utf-8")
    spanish = tmp_path / "a.es.yaml"
    spanish.write_text("family: test\nlanguages: [es]\nconcepts:\n  SELF:\n"
                       "    words: [mi, nuestro]\n    examples_match: [mi]\n", encoding="utf-8")
    lexicon: Lexicon = load_lexicon([english, spanish])
    assert lexicon.languages_of(["ASK"]) == {"en", "es"}
    assert re.search(lexicon.pattern("SELF"), "nuestro")


def test_a_contraction_listed_with_its_apostrophe_matches_both_spellings(tmp_path: Path) -> None:
    lexicon = load_lexicon([_write(tmp_path, GOOD.replace("    words: [my, our]",
                                                          "    words: [my, our, don't]"))])
    assert re.search(lexicon.pattern("SELF"), "i dont know")
    assert re.search(lexicon.pattern("SELF"), "i don't know")


def test_another_language_may_list_a_word_spelt_like_an_english_contraction(
    tmp_path: Path,
) -> None:
    german = tmp_path / "a.de.yaml"
    german.write_text("family: test\nlanguages: [de]\nconcepts:\n  SELF:\n"
                      "    words: [im kanal]\n    examples_match: [im Kanal]\n", encoding="utf-8")
    assert re.search(load_lexicon([german]).pattern("SELF"), "im kanal")


def test_every_concept_is_read_by_a_rule_another_concept_or_a_learned_model() -> None:
    # A concept nothing reads is dead data that must still be kept right by hand.
    read: set[str] = set()
    for path in _CONFIG.glob("rules/*.yaml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            for key in ("match", "unless", "spared_by", "mark", "reply_cues", "common_words",
                        "answered", "acknowledged_by", "spared_when_asked_about",
                        "answering"):
                value = rule.get(key) or []
                for sequence in [value] if isinstance(value, str) else value:
                    read.update(_LEXICON.concept_names(sequence))
    for path in _CONFIG.glob("learned/*.json"):
        read.update(json.loads(path.read_text(encoding="utf-8")).get("word_classes", {}))
    for name in list(read):
        read |= _LEXICON.references(name)
    assert sorted(set(_LEXICON.concepts) - read) == []
