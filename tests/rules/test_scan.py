"""The shared scan may rule a pattern out only where Python's ``re`` finds no match."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.rules.matcher import Matcher
from bot.rules.scan import _FOLDS_TO_ASCII, PatternSet, Windowed, kind_of, stand_in_text
from bot.text import Document, Haystack, fold_case
from tests.rules.test_matcher import _PATTERN_PARTS, _TEXTS

# Pieces that stress what the scan translates: classes, anchors, repeats, look-arounds,
# characters outside ASCII of every kind.
_EXTRA_ATOMS = [
    r"[^\w\s]", r"\W+", r"\D", r"\S+", r"[é-ü]", r"(?s:.)", r".{2}", r"[\u2600-\u27bf]",
    r"caf[eé]", r"[^a-z]", r"^", r"$", r"\A", r"\Z", r"(?>ab|a)b", r"a{0,1500}b",
    r"(?m:^\w)", r"[\d٣]", r"\s\s", r"[k]", r"[^k]", r"(?-i:K)", r"[İı]", r"ſ",
]
_EXTRA_TEXT = st.lists(st.sampled_from([
    "café", "CAFÉ", "٣", "\u00a0", "\u2003", "😀", "☀", "İ", "ı", "ſ", "\u212a", "ab", "b",
    "x", " ", "\n", "-", "_", "0", "\x7f", "Ω", "ǅ",
]), max_size=12).map("".join)


def _misses(patterns: list[re.Pattern[str]], text: str) -> list[str]:
    """The patterns that match ``text`` though the scan ruled them out."""
    live = set(PatternSet(patterns).which(text))
    return [p.pattern for index, p in enumerate(patterns)
            if index not in live and p.search(text)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=_PATTERN_PARTS, text=st.one_of(_TEXTS, _EXTRA_TEXT), ignore_case=st.booleans())
def test_the_scan_never_rules_out_a_pattern_that_matches(
        parts: list[str], text: str, ignore_case: bool) -> None:
    flags = re.IGNORECASE if ignore_case else 0
    patterns = [re.compile(part, flags) for part in parts]
    assert _misses(patterns, text) == []
    assert _misses(patterns, Document(text).prose) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atoms=st.lists(st.sampled_from(_EXTRA_ATOMS), min_size=1, max_size=4),
       text=st.one_of(_EXTRA_TEXT, _TEXTS), ignore_case=st.booleans())
@example(atoms=[r"\b", r"caf[eé]", r"\b"], text="CAFÉ!", ignore_case=True)
@example(atoms=[r"[k]"], text="\u212a", ignore_case=True)
def test_classes_and_characters_outside_ascii_are_never_ruled_out_wrongly(
        atoms: list[str], text: str, ignore_case: bool) -> None:
    pattern = re.compile("".join(atoms), re.IGNORECASE if ignore_case else 0)
    assert _misses([pattern], text) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atoms=st.lists(st.sampled_from([*_EXTRA_ATOMS, r"\b", r"\B", r"\w\b", "ab"]),
                      min_size=1, max_size=4),
       text=st.one_of(_EXTRA_TEXT, _TEXTS), ignore_case=st.booleans(), data=st.data())
@example(atoms=[r"\b", "ab", r"\b"], text="abc", ignore_case=False, data=None)
def test_a_windowed_pattern_is_never_ruled_out_where_a_stretch_matches(
        atoms: list[str], text: str, ignore_case: bool, data: st.DataObject | None) -> None:
    pattern = re.compile("".join(atoms), re.IGNORECASE if ignore_case else 0)
    live = PatternSet([Windowed(pattern)]).which(text)
    # The stretches end anywhere, even inside a word; they start after a sentence end.
    starts = [0] if data is None else [data.draw(st.integers(0, len(text)))]
    ends = range(len(text) + 1)
    if any(pattern.search(text, start, end) for start in starts for end in ends if end >= start):
        assert live == [0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atoms=st.lists(st.sampled_from([*_EXTRA_ATOMS, r"\b", r"\B", r"\w\b", "ab", "a|b",
                                       r"(?:x|é)?", r"[a-c]+?", r"\s*"]),
                      min_size=1, max_size=4),
       text=st.one_of(_EXTRA_TEXT, _TEXTS), ignore_case=st.booleans())
@example(atoms=["(?>ab|a)b"], text="ab", ignore_case=False)
@example(atoms=[r"[^\w\s]"], text="é", ignore_case=False)
@example(atoms=[r"\B"], text="", ignore_case=False)
@example(atoms=["k"], text="\u212a", ignore_case=False)  # the Kelvin sign stands in as "k"
@example(atoms=["[0-9]"], text="٣", ignore_case=False)  # and any digit as "0"
def test_a_pattern_the_scan_names_surely_matches_when_its_form_is_exact(
        atoms: list[str], text: str, ignore_case: bool) -> None:
    pattern = re.compile("".join(atoms), re.IGNORECASE if ignore_case else 0)
    pattern_set = PatternSet([pattern])
    if pattern_set.exact[0]:
        assert (pattern_set.which(text) == [0]) == bool(pattern.search(text))


def test_a_scan_that_could_not_run_is_sure_of_nothing() -> None:
    question = re.compile(r"\?|\btell\s+us\b")
    matcher = Matcher(question, [r"\?", r"\btell\s+us\b"])
    matcher.use(PatternSet(matcher.patterns))
    assert matcher.occurs(Haystack("What now?")) and not matcher.occurs(Haystack("Done."))
    matcher.use(PatternSet(matcher.patterns, memory=1024))
    assert matcher.occurs(Haystack("What now?")) and not matcher.occurs(Haystack("Done."))


def test_the_scan_names_only_the_patterns_that_can_match() -> None:
    patterns = [re.compile(source, re.IGNORECASE) for source in
                (r"\bfollow\s+me\b", r"\blink\s+in\s+bio\b", r"\bcafé\b", r"!{3,}")]
    which = PatternSet(patterns).which
    assert which("Follow these steps, then tell me. Link below.") == []
    assert which("FOLLOW ME!!!") == [0, 3]
    assert which("Cafés open; the CAFÉ too.") == [2]
    shouting = re.compile(r"(?-i:[A-Z]{2,}(?:\s+[A-Z]{2,}){3,})")
    assert PatternSet([shouting]).which("We are giving away four tickets") == []
    assert PatternSet([shouting]).which("WE ARE GIVING AWAY TICKETS") == [0]


def test_patterns_of_the_same_form_share_an_entry_and_are_named_together() -> None:
    follow = re.compile(r"\bfollow\b", re.IGNORECASE)
    pattern_set = PatternSet([follow, re.compile(r"\bsub\b"), re.compile(follow.pattern,
                                                                      re.IGNORECASE)])
    assert pattern_set.entries[0] == pattern_set.entries[2] != pattern_set.entries[1]
    assert pattern_set.which("Follow along") == [0, 2]


def test_a_pattern_is_scanned_for_by_the_start_every_match_of_it_has() -> None:
    # What follows the start can only rule matches out; scanning to the end of a
    # draft in a matching state would slow every draft that holds one.
    follow = re.compile(r"\bfollow\b", re.IGNORECASE)
    tails = [re.compile(r"\bfollow\b(?s:.)*?", re.IGNORECASE),
             re.compile(r"\bfollow\b(?=\s)[^.]{0,80}", re.IGNORECASE)]
    pattern_set = PatternSet([follow, *tails, re.compile(r"(?:\bfollow\b[^.]*){2,}")])
    assert pattern_set.entries[0] == pattern_set.entries[1] == pattern_set.entries[2]
    assert pattern_set.which("follow the team") == [0, 1, 2]
    assert pattern_set.which("follow the team, follow") == [0, 1, 2, 3]


def test_a_pattern_re2_cannot_express_is_always_tried() -> None:
    repeated_letter = re.compile(r"(\w)\1")
    too_big_for_re2 = re.compile(r"(a{1000}){1000}")
    plain = re.compile(r"\bxyz\b")
    assert PatternSet([repeated_letter, too_big_for_re2, plain]).which("abc") == [0, 1]


def test_rules_still_find_everything_when_re2_has_too_little_memory(caplog) -> None:
    pattern = re.compile(r"\bfollow\s+me\b|\bsub4sub\b", re.IGNORECASE)
    matcher = Matcher(pattern, [r"\bfollow\s+me\b", r"\bsub4sub\b"])
    starved = PatternSet(matcher.patterns, memory=1024)
    matcher.use(starved)
    haystack = Haystack("Please follow me, sub4sub!")
    assert [m.group() for m in matcher.finditer(haystack)] == ["follow me", "sub4sub"]
    assert "do not fit" in caplog.text


def test_every_character_outside_ascii_stands_in_as_one_of_its_kind() -> None:
    text = "Café ٣ 😀\u00a0x \u212aelvin"
    assert stand_in_text(text) == b"Caf_ 0 \x7f x kelvin"
    assert len(stand_in_text(text)) == len(text)
    for char in "é٣😀\u00a0":
        assert bool(re.match(r"\w", kind_of(char))) == bool(re.match(r"\w", char))
    # A text of Latin-1 characters takes a quicker way to the same stand-ins.
    latin1 = "".join(map(chr, range(256)))
    assert stand_in_text(latin1) == stand_in_text(latin1 + "😀")[:-1]


def test_the_table_of_characters_that_fold_to_ascii_is_complete() -> None:
    ascii_word = re.compile(r"[a-z0-9_]", re.IGNORECASE)
    found = {}
    for code in range(0x80, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if ascii_word.fullmatch(char) or fold_case(char).isascii():
            found[char] = fold_case(char)
    assert found == _FOLDS_TO_ASCII
