"""The matcher may only skip places where a rule cannot match: its results must equal a
plain ``finditer`` for every rule, every text, and any pattern a rule file could hold."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.coach import Coach
from bot.rules.matcher import Matcher, derive_leads
from bot.text import Document, Haystack, fold_case

# Characters and pieces that stress folding, word boundaries and the token patterns.
_PIECES = [
    "follow", "Follow", "FOLLOW", "me", "back", "like", "you", "I", "i'm", "we", "the",
    "sub", "subscribe", "4", "f4f", "#", "@", ".", ",", "!", "?", "'", "-", " ", "  ", "\n",
    "\t", "http://", "www.", ".com", "&amp;", "<br>", "**", "`", "\u0130", "\u0131",
    "\u017f", "\u212a", "é", "Straße", "😀", "\u200b", "\ufeff", "…", "link in bio",
    "smash that like button", "check out my channel", "buy now", "K", "k", "s", "S",
]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def _same_as_plain(matcher: Matcher, text: str) -> None:
    haystack = Haystack(text)
    assert _spans(matcher.finditer(haystack)) == _spans(matcher.pattern.finditer(text))
    assert matcher.occurs(haystack) == (matcher.pattern.search(text) is not None)


def _rule_matchers(coach: Coach) -> list[tuple[str, Matcher]]:
    found = []
    for rule in coach.rules:
        for attribute in ("matcher", "numerator", "denominator"):
            matcher = getattr(rule, attribute, None)
            if isinstance(matcher, Matcher):
                found.append((f"{rule.meta.id}.{attribute}", matcher))
    return found


def _eval_texts(eval_dir: Path) -> list[str]:
    texts = []
    for path in sorted(eval_dir.glob("youtube_*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row["CONTENT"] for row in csv.DictReader(handle)]
    texts += [post["text"] for post in json.loads(
        (eval_dir / "linkedin_dev.json").read_text(encoding="utf-8"))]
    texts += [case["text"] for case in yaml.safe_load(
        (eval_dir / "dev_drafts.yaml").read_text(encoding="utf-8"))]
    return texts


def test_every_rule_finds_the_same_matches_with_and_without_the_shortcut(
        coach: Coach, eval_dir: Path) -> None:
    texts = _eval_texts(eval_dir)
    for rule in coach.rules:
        texts += [*rule.meta.examples_fail, *rule.meta.examples_pass]
    matchers = _rule_matchers(coach)
    assert matchers
    for text in texts:
        doc = Document(text)
        for where, matcher in matchers:
            for haystack in (doc.prose_haystack, doc.text_haystack):
                found = _spans(matcher.finditer(haystack))
                assert found == _spans(matcher.pattern.finditer(haystack.text)), (where, text)


def test_most_rules_take_the_shortcut(coach: Coach) -> None:
    """Otherwise the benchmark would be the only thing to notice a regression."""
    matchers = _rule_matchers(coach)
    shortcut = [where for where, matcher in matchers if matcher.shortcut]
    assert len(shortcut) >= 0.8 * len(matchers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS)
@example(text="F\u0130LLOW me. \u017fub4\u017fub, \u212aeep i'm #likeforlike")
def test_rule_matchers_agree_with_plain_finditer_on_any_text(coach: Coach, text: str) -> None:
    for _, matcher in _rule_matchers(coach):
        _same_as_plain(matcher, text)


# Pattern pieces a rule author might write, combined at random below.
_ATOMS = [
    r"\bfollow", r"follow", r"\bme\b", r"\s+", r"\s*", r"#?", r"\bi(?:'m|\s+am)",
    r"(?:like|sub(?:scribe)?)", r"[!?]+", r"[a-z]{2,}", r"\d+", r"(?<![\w#])", r"(?=\s)",
    r"(?!\s+the)", r"(?-i:[A-Z]{2,})", r"(?a:\bk)", r"(?a:me\b)", r"\bk", r"s\b",
    r"(?:^|(?<=[.!?]\s))",
    r"\.(?:com|net)\b", r"[^.!?]{0,20}", r"(?:\w+\s+){0,2}?", r"'", r"\B", r"(?:x|)",
    r"(?:back|)", r"(a)?", r"\bwe(?:'ll|\s+will)?", r"(?:buy|order)\s+now", r"(\w)\1",
    r"\bsu\w{0,3}cri", r"\w*", r"\d{2}",
]
_PATTERN_PARTS = st.lists(
    st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=5).map("".join),
    min_size=1, max_size=4,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=_PATTERN_PARTS, texts=st.lists(_TEXTS, min_size=1, max_size=4),
       ignore_case=st.booleans())
def test_any_pattern_finds_the_same_matches_with_the_shortcut(
        parts: list[str], texts: list[str], ignore_case: bool) -> None:
    flags = re.IGNORECASE if ignore_case else 0
    pattern = re.compile("|".join(f"(?:{part})" for part in parts), flags)
    matcher = Matcher(pattern, parts)
    for text in texts:
        _same_as_plain(matcher, text)
        _same_as_plain(matcher, Document(text).prose)


@pytest.mark.parametrize(
    ("source", "leads"),
    [
        (r"\bfollow\s+me\b", {("follow", True, r"\s+me\b")}),
        (r"#?\b(?:f4f|l4l)\b", {("#f4f", False, r"\b"), ("#l4l", False, r"\b"),
                                ("f4f", True, r"\b"), ("l4l", True, r"\b")}),
        (r"\b(?:smash|hit)\s+(?:that\s+)?like", {("smash", True, r"\s+"),
                                                 ("hit", True, r"\s+")}),
        (r"\bthe\s+(?:results?|truth)", {("the", True, r"\s+(?:results*|truth)")}),
        (r"[!?]*\?!+", {("!", False, ""), ("?", False, ""), ("?!", False, "")}),
        (r"\b[\d.,]+\s+followers", None),  # starts with a class: no lead
        (r"(?:foo)?", None),  # may match nothing
    ],
)
def test_leads_are_what_every_match_starts_with(source: str, leads: set | None) -> None:
    derived = derive_leads(re.compile(source, re.IGNORECASE))
    assert (None if derived is None else set(map(tuple, derived))) == leads


def test_a_rule_that_cannot_match_a_draft_tries_nothing() -> None:
    pattern = re.compile(r"\bfollow\s+me\b|\bsub4sub\b", re.IGNORECASE)
    matcher = Matcher(pattern, [r"\bfollow\s+me\b", r"\bsub4sub\b"])
    attempts = []

    class CountingPattern:
        def match(self, text: str, pos: int):
            attempts.append(pos)

    matcher.may_match(Haystack(""))  # its scan is built from the real patterns
    matcher.alternatives = [alternative._replace(pattern=CountingPattern())
                            for alternative in matcher.alternatives]
    for draft in ("A long draft about gardening. ", "Follow these steps, then me. "):
        assert list(matcher.finditer(Haystack(draft * 50))) == []
    assert attempts == []


def test_a_lead_missing_from_the_draft_is_never_looked_for() -> None:
    sources = [r"\b(?:please|kindly|pls)\s+subscribe\b", r"\bsub4sub\b"]
    matcher = Matcher(re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE),
                      sources)
    haystack = Haystack("Kindly SUBSCRIBE, and please share. " * 20)
    looked_for = []
    positions = haystack.positions

    def spy(finder: re.Pattern[str], literal: str) -> list[int]:
        looked_for.append(literal)
        return positions(finder, literal)

    haystack.positions = spy  # type: ignore[method-assign]
    assert [m.group() for m in matcher.finditer(haystack)] == ["Kindly SUBSCRIBE"] * 20
    # "please" is there but not before "subscribe"; "pls" and "sub4sub" are not there.
    assert looked_for == ["kindly"]


def test_case_folding_agrees_with_ignorecase_for_every_character() -> None:
    """The shortcut looks for lower-case literals in folded text: any character that
    re.IGNORECASE equates with an ASCII one must fold to it, one character for one,
    and stay a word character (or not) as it was."""
    ascii_alnum = re.compile(r"[a-z0-9]", re.IGNORECASE)
    space = re.compile(r"\s")
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = fold_case(char)
        assert len(folded) == 1, hex(code)
        assert (folded.isalnum() or folded == "_") == (char.isalnum() or char == "_"), hex(code)
        if code > 0x7F and ascii_alnum.fullmatch(char):
            assert folded.isascii() and re.fullmatch(folded, char, re.IGNORECASE), hex(code)
        if space.fullmatch(char):
            assert not char.isalnum(), hex(code)


def test_rules_the_coach_skips_for_a_draft_find_nothing_in_it(
        coach: Coach, eval_dir: Path) -> None:
    texts = _eval_texts(eval_dir)
    for rule in coach.rules:
        texts += [*rule.meta.examples_fail, *rule.meta.examples_pass]
    skipped_any = False
    for text in texts:
        doc = Document(text)
        for rule in coach.rules:
            if not rule.may_find(doc):
                skipped_any = True
                for platform in coach.platforms.values():
                    assert list(rule.hits(doc, platform)) == [], (rule.meta.id, text)
    assert skipped_any


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS)
def test_a_rule_skipped_for_any_text_finds_nothing_in_it(coach: Coach, text: str) -> None:
    doc = Document(text)
    for rule in coach.rules:
        if not rule.may_find(doc):
            for platform in coach.platforms.values():
                assert list(rule.hits(doc, platform)) == [], (rule.meta.id, text)


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (r"abab(?=x)", "abababx"),  # the match begins inside an earlier occurrence
        (r"\ba-a(?=x)", "a-a-ax"),  # ... after a "-": at the start of a word
        (r"\beveryone\b", "everyoneveryone everyone"),  # ... never at a word's start
        (r"\b-a-\b", "x-a-a-b -a- -a-a-"),
        (r"\baa\b|aa", "aaa aa"),
        (r"#\w+", "##tag #x"),
        (r"(?a)foo\b", "fooé foo"),  # under re.ASCII, "é" ends a word
        (r"\bsu\w{0,3}cri", "su_1cri SU2CRI suścri"),  # what follows "su", looked at first
        (r"ab\d{2}", "ab12 AB٣٣"),
    ],
)
def test_tricky_leads_find_every_match(source: str, text: str) -> None:
    pattern = re.compile(source, re.IGNORECASE)
    _same_as_plain(Matcher(pattern, source.split("|")), text)
