"""The prefilter may rule a pattern out only where Python's ``re`` finds no match, and the
engine, running only what it leaves alive, finds what every rule finds on its own."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import re2
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.coach import Coach
from bot.models import Finding
from bot.platforms import Platform
from bot.rules import Engine, Pattern, Rule
from bot.rules.base import Live
from bot.rules.prefilter import (
    FOLDS_TO_ASCII,
    TRANSLATED,
    UNTRANSLATED,
    Prefilter,
    Untranslatable,
    compile_read,
    kind_of,
    read_alternatives,
    stand_in_text,
    to_re2,
)
from bot.rules.regex_tree import parse, sre
from bot.text import Document

# Characters and pieces that stress folding, word boundaries and the token patterns.
_PIECES = [
    "follow", "Follow", "FOLLOW", "me", "back", "like", "you", "I", "i'm", "we", "the",
    "sub", "subscribe", "4", "f4f", "#", "@", ".", ",", "!", "?", "'", "-", " ", "  ", "\n",
    "\t", "http://", "www.", ".com", "&amp;", "<br>", "**", "`", "\u0130", "\u0131",
    "\u017f", "\u212a", "é", "Straße", "😀", "\u200b", "\ufeff", "…", "link in bio",
    "smash that like button", "check out my channel", "buy now", "K", "k", "s", "S",
]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
# Pattern pieces a rule author might write, combined at random below.
_ATOMS = [
    r"\bfollow", r"follow", r"\bme\b", r"\s+", r"\s*", r"#?", r"\bi(?:'m|\s+am)",
    r"(?:like|sub(?:scribe)?)", r"[!?]+", r"[a-z]{2,}", r"\d+", r"(?<![\w#])", r"(?=\s)",
    r"(?!\s+the)", r"(?-i:[A-Z]{2,})", r"(?a:\bk)", r"(?a:me\b)", r"\bk", r"s\b",
    r"(?:^|(?<=[.!?]\s))",
    r"\.(?:com|net)\b", r"[^.!?]{0,20}", r"(?:\w+\s+){0,2}?", r"'", r"\B", r"(?:x|)",
    r"(?:back|)", r"(a)?", r"\bwe(?:'ll|\s+will)?", r"(?:buy|order)\s+now", r"(\w)\1",
    r"\bsu\w{0,3}cri", r"\w*", r"\d{2}", r"(?:\w+\W+){3,12}?",
]
_PATTERN_PARTS = st.lists(
    st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=5).map("".join),
    min_size=1, max_size=4,
)
# Pieces that stress what the prefilter translates: classes, anchors, repeats,
# look-arounds, characters outside ASCII of every kind.
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
    """The patterns that match ``text`` though the prefilter ruled them out."""
    live = set(Prefilter([(p.pattern, p.flags, True) for p in patterns]).which(text))
    return [p.pattern for index, p in enumerate(patterns)
            if index not in live and p.search(text)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=_PATTERN_PARTS, text=st.one_of(_TEXTS, _EXTRA_TEXT), ignore_case=st.booleans())
def test_the_prefilter_never_rules_out_a_pattern_that_matches(
        parts: list[str], text: str, ignore_case: bool) -> None:
    flags = re.IGNORECASE if ignore_case else 0
    patterns = [re.compile(part, flags) for part in parts]
    assert _misses(patterns, text) == []
    assert _misses(patterns, Document(text).prose) == []


def _form(source: str, flags: int, boundaries: bool) -> str | None:
    try:
        return to_re2(source, flags, boundaries=boundaries)
    except Untranslatable:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=_PATTERN_PARTS, text=_TEXTS, ignore_case=st.booleans(), boundaries=st.booleans())
@example(parts=[r"\bfollow", r"\bme\b"], text="follow me", ignore_case=True, boundaries=True)
def test_one_parse_compiles_and_translates_a_pattern_as_two_would(
        parts: list[str], text: str, ignore_case: bool, boundaries: bool) -> None:
    flags = re.IGNORECASE if ignore_case else 0
    source = "|".join(f"(?:{part})" for part in parts)
    expected = re.compile(source, flags)
    tree, forms, _, lead = read_alternatives(source, flags, len(parts), boundaries=boundaries)
    # Compiled from the parse that was read, or (read before, the parse not kept) afresh.
    for compiled in (compile_read(tree, source, flags, lead),
                     compile_read(None, source, flags, lead)):
        assert (compiled.flags, compiled.groups) == (expected.flags, expected.groups)
        assert ([(m.span(), m.lastindex) for m in compiled.finditer(text)]
                == [(m.span(), m.lastindex) for m in expected.finditer(text)])
    if forms is not None:  # None: the parse took out a beginning the parts share
        assert forms == [_form(part, flags, boundaries) for part in parts]


class _Told:
    """A prefilter's answer, given: these parts of a pattern may match."""

    def __init__(self, alive: tuple[int, ...]) -> None:
        self._alive = alive

    def alive(self, pattern: Pattern) -> tuple[int, ...]:
        return self._alive

    def may_match(self, pattern: Pattern) -> bool:
        return bool(self._alive)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=_PATTERN_PARTS, text=_TEXTS, ignore_case=st.booleans(), long=st.booleans(),
       data=st.data())
@example(parts=[r"\bme\b", r"follow\s*", r"(a)?"], text="follow me", ignore_case=True,
         long=False, data=None)
def test_live_parts_run_one_by_one_find_what_their_alternation_finds(
        parts: list[str], text: str, ignore_case: bool, long: bool,
        data: st.DataObject | None) -> None:
    """Where the prefilter leaves some parts live, each runs on its own (behind the
    look-ahead for what it can begin with, and in a long text where RE2 says a match
    may start): the matches are the alternation's, marked concept and all."""
    flags = re.IGNORECASE if ignore_case else 0
    pattern = Pattern(parts, flags, scope="text")
    everything = range(len(pattern.parts))
    alive = (tuple(everything) if data is None
             else tuple(sorted(data.draw(st.sets(st.sampled_from(everything))))))
    if long:  # from 1,000 characters on, matches are looked for where RE2 says
        text = " ".join([text] * (1000 // (len(text) + 1) + 1))
    text = Document(text).text
    live = Live(Document(text), _Told(alive))
    if not alive:
        assert list(live.finditer(pattern)) == [] and live.search(pattern) is None
        return
    plain = re.compile("|".join(f"(?:{pattern.parts[index]})" for index in alive), flags)
    assert ([(m.span(), m.span(m.lastindex or 0)) for m in live.finditer(pattern)]
            == [(m.span(), m.span(m.lastindex or 0)) for m in plain.finditer(text)])
    start, end = ((0, len(text)) if data is None else
                  sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=2,
                                            max_size=2))))
    found, expected = live.search(pattern, start, end), plain.search(text, start, end)
    assert (found and found.span()) == (expected and expected.span())


def test_a_pattern_that_begins_at_a_word_boundary_looks_ahead_for_its_first_letters() -> None:
    pattern = Pattern([r"\b(?:you|your)\b", r"\bfolks\b", r"\?"])
    assert pattern.regex.pattern.startswith("(?=[\\?fy])")
    assert pattern.part_regex(0).pattern.startswith("(?=[y])")
    assert pattern.part_regex(1).pattern.startswith("(?=[f])")
    # Where a part may begin with anything, there is nothing to look ahead for.
    assert Pattern([r"\b\w+ly\b", r"\byou\b"]).regex.pattern is None


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
    live = Prefilter([(pattern.pattern, pattern.flags, False)]).which(text)
    # The stretches end anywhere, even inside a word; they start after a sentence end.
    starts = [0] if data is None else [data.draw(st.integers(0, len(text)))]
    ends = range(len(text) + 1)
    if any(pattern.search(text, start, end) for start in starts for end in ends if end >= start):
        assert live == [0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=_PATTERN_PARTS, texts=st.lists(_TEXTS, min_size=1, max_size=4),
       ignore_case=st.booleans())
def test_a_pattern_finds_what_it_finds_whole_with_only_its_live_alternatives(
        parts: list[str], texts: list[str], ignore_case: bool) -> None:
    pattern = Pattern(parts, re.IGNORECASE if ignore_case else 0, scope="text")

    class Holder:
        def __init__(self) -> None:
            self.patterns = [pattern]

    engine = Engine([Holder()])  # type: ignore[list-item]
    for text in texts:
        live = engine.live(Document(text))
        assert [m.span() for m in live.finditer(pattern)] == [
            m.span() for m in pattern.regex.finditer(Document(text).text)]
        assert live.may_match(pattern) or not pattern.regex.search(Document(text).text)


def test_the_prefilter_names_only_the_patterns_that_can_match() -> None:
    patterns = [(source, re.IGNORECASE, True) for source in
                (r"\bfollow\s+me\b", r"\blink\s+in\s+bio\b", r"\bcafé\b", r"!{3,}")]
    which = Prefilter(patterns).which
    assert which("Follow these steps, then tell me. Link below.") == []
    assert which("FOLLOW ME!!!") == [0, 3]
    assert which("Cafés open; the CAFÉ too.") == [2]
    shouting = [(r"(?-i:[A-Z]{2,}(?:\s+[A-Z]{2,}){3,})", re.IGNORECASE, True)]
    assert Prefilter(shouting).which("We are giving away four tickets") == []
    assert Prefilter(shouting).which("WE ARE GIVING AWAY TICKETS") == [0]


def test_patterns_of_the_same_form_share_an_entry_and_are_named_together() -> None:
    prefilter = Prefilter([(r"\bfollow\b", re.I, True), (r"\bsub\b", 0, True),
                           (r"\bfollow\b", re.I, True)])
    assert prefilter.entries[0] == prefilter.entries[2] != prefilter.entries[1]
    assert prefilter.which("Follow along") == [0, 2]


def test_a_pattern_re2_cannot_express_is_always_run() -> None:
    # A back-reference; and 10^5 "a"s in a row, over RE2's size limit.
    patterns = [(r"(\w)\1", 0, True), (r"((((a{10}){10}){10}){10}){10}", 0, True),
                (r"\bxyz\b", 0, True)]
    assert Prefilter(patterns).which("abc") == [0, 1]


def test_a_pattern_too_big_for_re2s_memory_is_always_run() -> None:
    too_big = r"\bfollow\s+me\b" + "|abc" * 200
    prefilter = Prefilter([(too_big, re.I, True), (r"\bsub4sub\b", re.I, True)], memory=1024)
    assert prefilter.which("Nothing here") == [0]
    assert prefilter.which("SUB4SUB") == [0, 1]


def test_little_memory_leaves_the_prefilter_exact() -> None:
    starved = Prefilter([(r"\bfollow\s+me\b", re.I, True), (r"\bsub4sub\b", re.I, True)],
                        memory=1024)
    assert starved.which("Please follow me, sub4sub!") == [0, 1]
    assert starved.which("Nothing here") == []
    assert starved.which("SUB4SUB") == [1]


def test_every_character_outside_ascii_stands_in_as_one_of_its_kind() -> None:
    text = "Café ٣ 😀\u00a0x \u212aelvin"
    assert stand_in_text(text) == b"Caf_ 0 \x7f x kelvin"
    for char in "é٣😀\u00a0":
        assert bool(re.match(r"\w", kind_of(char))) == bool(re.match(r"\w", char))


def test_the_table_of_characters_that_fold_to_ascii_is_complete() -> None:
    ascii_letter = re.compile(r"[a-z]", re.IGNORECASE)
    found = {}
    for code in range(0x80, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if ascii_letter.fullmatch(char):
            found[char] = next(c for c in "abcdefghijklmnopqrstuvwxyz"
                               if re.fullmatch(c, char, re.IGNORECASE))
    assert found == FOLDS_TO_ASCII


def _ops(items) -> set:
    found = set()
    for op, av in items:
        found.add(op)
        if op is sre.SUBPATTERN:
            found |= _ops(av[3].data)
        elif op is sre.BRANCH:
            for alternative in av[1]:
                found |= _ops(alternative.data)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT,
                    sre.ASSERT, sre.ASSERT_NOT):
            found |= _ops(av[-1].data)
        elif op is sre.ATOMIC_GROUP:
            found |= _ops(av.data)
    return found


def test_the_private_regex_parser_is_still_the_one_the_prefilter_reads(coach: Coach) -> None:
    """The prefilter reads CPython's private ``re._parser``: this fails on a Python whose
    regex internals differ, rather than rules going quietly slow or wrong. Check
    :func:`bot.rules.prefilter._render_node` against the new parser, then update."""
    assert sre.MAGIC == 20220615, "Python's regex internals changed: see this test"
    seen = set()
    for rule in coach.rules:
        for pattern in rule.patterns:
            for part in pattern.parts:
                seen |= _ops(parse(part, pattern.flags).data)
    assert seen <= TRANSLATED | UNTRANSLATED
    assert to_re2(r"\bfollow\s+me\b", re.IGNORECASE) == (
        r"\b[\x{46}\x{66}][\x{4f}\x{6f}][\x{4c}\x{6c}][\x{4c}\x{6c}][\x{4f}\x{6f}]"
        r"[\x{57}\x{77}](?:[\x{09}\x{0a}\x{0b}\x{0c}\x{0d}\x{1c}\x{1d}\x{1e}\x{1f}\x{20}])"
        r"{1,}[\x{4d}\x{6d}][\x{45}\x{65}]\b")
    assert to_re2(r"(?<!\w)a(?=b)|c{2,3}?", 0) == r"(?:[\x{61}]|[\x{63}](?:[\x{63}]){1,2})"


def test_an_elongated_short_word_still_gives_re2_a_word_to_look_for() -> None:
    """RE2 looks for words of three letters or more. "you+" (you, youuu) written as
    "yo" then "u" one or more times has none, and RE2 ran such a form on every draft;
    written "you" then "u" any number of times, it is run only where "you" is."""
    assert to_re2(r"\byou+\b", 0) == r"\b[\x{79}][\x{6f}][\x{75}](?:[\x{75}]){0,}\b"
    needs_you = re2.Filter()
    needs_you.Add(to_re2(r"\byou+\b", re.IGNORECASE))
    needs_you.Compile()
    assert needs_you.Match(b"", True) is None


def test_a_pattern_gives_its_prefilter_forms_to_every_engine_built_from_it() -> None:
    pattern = Pattern([r"follow\s+me\b", r"\bsub4sub\b"])
    forms = dict(pattern.prefilter_forms())
    assert forms == {part: to_re2(part, re.IGNORECASE) for part in pattern.parts}
    assert pattern.prefilter_forms() == forms


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


def one_by_one(rules: list[Rule], doc: Document, platform: Platform) -> list[Finding]:
    """What the engine should find: each rule run whole (``Rule.check``: no prefilter, no
    skipping), in order, and then each rule that defers where no other rule has raised
    a warning or error under the principles it defers to."""
    found = [f for rule in rules if not rule.meta.defers_to for f in rule.check(doc, platform)]
    judged = {f.principle for f in found if f.severity != "suggestion"}
    return found + [f for rule in rules
                    if rule.meta.defers_to and judged.isdisjoint(rule.meta.defers_to)
                    for f in rule.check(doc, platform)]


@pytest.mark.parametrize("platform_id", ["x", "linkedin", "youtube"])
def test_the_engine_finds_what_each_rule_finds_on_its_own(
        coach: Coach, eval_dir: Path, platform_id: str) -> None:
    engine = Engine(coach.rules)
    platform = coach.platform(platform_id)
    rules = [rule for rule in coach.rules if rule.applies_to(platform)]
    texts = _eval_texts(eval_dir) + [e for r in coach.rules for e in r.meta.examples_fail]
    skipped = 0
    for text in texts:
        doc = Document(text)
        assert engine.run(rules, doc, platform, {}) == one_by_one(rules, doc, platform), text
        live = engine.live(doc)
        skipped += sum(not all(live.may_match(p) for p in rule.patterns if p.needed)
                       for rule in rules)
    assert skipped > len(texts)  # the prefilter spares most rules most drafts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS)
@example(text="F\u0130LLOW me. \u017fub4\u017fub, \u212aeep i'm #likeforlike")
def test_the_engine_agrees_with_each_rule_on_any_text(coach: Coach, text: str) -> None:
    engine = Engine(coach.rules)
    doc = Document(text)
    for platform_id in ("x", "instagram"):
        platform = coach.platform(platform_id)
        rules = [rule for rule in coach.rules if rule.applies_to(platform)]
        assert engine.run(rules, doc, platform, {}) == one_by_one(rules, doc, platform)
