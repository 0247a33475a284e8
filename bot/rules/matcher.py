"""Running a rule's regex only where a match can begin.

Python's ``re`` cannot skip ahead for a case-insensitive pattern that starts with
``\\b`` and an alternation: it tries every branch at every position, so a long phrase
list costs about a millisecond on a long draft. Yet every match of such a rule begins
with one of a few literal words ("follow", "smash", "link in bio").

So at load time each alternative of a rule's pattern gets its *leads*, read from the
parse tree: literals one of which every match starts with (and whether a ``\\b`` puts
them at the start of a word). On a draft, the leads present are found with C string
searches in the case-folded text, and at each place only the alternatives that can
begin there are tried, in their order: exactly what ``finditer`` would return, with
a fraction of the attempts. Where a lead cannot be derived (an alternative starting
with a character class, say), literals *required somewhere* in it still tell when it
cannot match at all; failing both, the pattern runs as before. The shortcut is only
taken when it is sound, whatever the rule data says.

Presence is asked of :attr:`Haystack.word_keys` (the first few letters of every word of
a draft) with set operations, and the same literals give each rule a :class:`Gate`, so
the coach skips the rules that cannot find anything in a draft without asking them.
tests/rules/test_matcher.py checks every rule, and random patterns, against a plain scan.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from re import _constants as sre  # the parse tree's opcodes
from re import _parser
from typing import Any, NamedTuple

from bot.text import WORD_KEY_LENGTH, Haystack

#: More leads than this and an alternative is run everywhere: the search costs more.
MAX_LEADS = 200
#: Leads without a word key are cut to this length (a prefix is as sound a lead).
_LEAD_LENGTH = 8
#: Parse-tree nodes to visit per pattern before giving up (zero-width alternatives
#: followed by optional parts could otherwise multiply the work).
_MAX_STEPS = 5000

_WORD_START_ATS = frozenset({sre.AT_BOUNDARY, sre.AT_BEGINNING, sre.AT_BEGINNING_STRING})
_REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
_LOOKAROUNDS = frozenset({sre.ASSERT, sre.ASSERT_NOT})
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class Lead(NamedTuple):  # a tuple: hashed in C, and looked up a lot
    """A literal, folded to lower case, that a match starts with (or contains)."""

    text: str
    #: A ``\\b`` (or ``^``) comes right before it, so it starts a word of the text.
    word_start: bool
    #: A regex for what must follow the text in folded text ("\\s+result" after
    #: "the"): the search for the lead checks it in C, so fewer places are tried.
    then: str = ""

    def key_span(self) -> tuple[int, int] | None:
        """Where in :attr:`text` the key is: the first word certain to start a word of
        the draft (the lead itself after ``\\b``; the letters after a ``#`` or a
        space), cut to WORD_KEY_LENGTH. None when no part is ("http", "!!")."""
        text = self.text
        if self.word_start and _is_word(text[0]):
            start = 0
        else:
            start = next((i for i in range(1, len(text))
                          if _is_word(text[i]) and not _is_word(text[i - 1])), -1)
            if start < 0:
                return None
        end = start
        while end < len(text) and _is_word(text[end]) and end - start < WORD_KEY_LENGTH:
            end += 1
        return (start, end)

    @property
    def key(self) -> bytes | None:
        """What :attr:`Haystack.word_keys` must hold for this lead to be in a draft."""
        span = self.key_span()
        return None if span is None else self.text[span[0]:span[1]].encode("ascii")

    def trimmed(self) -> Lead:
        """The lead cut to _LEAD_LENGTH characters (a prefix is as sound a lead), and
        never inside its key."""
        span = self.key_span()
        text = self.text[:max(_LEAD_LENGTH, span[1] if span else 0)]
        # What follows the whole text does not follow a cut one.
        return Lead(text, self.word_start, self.then if text == self.text else "")


Leads = frozenset[Lead]


def _walk(items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """Every node of a parse tree, depth first."""
    for op, av in items:
        yield op, av
        if op is sre.SUBPATTERN:
            yield from _walk(av[3].data)
        elif op is sre.BRANCH:
            for alt in av[1]:
                yield from _walk(alt.data)
        elif op in _REPEATS or op in _LOOKAROUNDS:
            yield from _walk(av[-1].data)
        elif op is sre.ATOMIC_GROUP:
            yield from _walk(av.data)
        elif op is sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    yield from _walk(branch.data)


def _ends_in_non_word(items: list[Any], before: bool) -> bool:
    """Whether the last character a match of ``items`` consumed is surely not a word
    character, given whether that was so before it."""
    for op, av in items:
        if op is not sre.AT and op not in _LOOKAROUNDS:  # those consume nothing
            before = _node_ends_in_non_word(op, av, before)
    return before


def _node_ends_in_non_word(op: Any, av: Any, before: bool) -> bool:
    if op is sre.LITERAL:
        return av <= 0x7F and not _is_word(chr(av))
    if op is sre.IN:
        return all(
            (member_op is sre.LITERAL and member_av <= 0x7F and not _is_word(chr(member_av)))
            or (member_op is sre.CATEGORY and member_av is sre.CATEGORY_SPACE)
            for member_op, member_av in av
        )
    if op is sre.SUBPATTERN:
        return _ends_in_non_word(av[3].data, before)
    if op is sre.ATOMIC_GROUP:
        return _ends_in_non_word(av.data, before)
    if op is sre.BRANCH:
        return all(_ends_in_non_word(alt.data, before) for alt in av[1])
    if op in _REPEATS:
        low, high, body = av
        # Assuming nothing before a repetition covers every one of them.
        repeated = high > 0 and _ends_in_non_word(body.data, False)
        return repeated if low >= 1 else repeated and before  # "(?:just\s+)?"
    return False


def _strength(leads: Leads) -> tuple[int, int]:
    """How selective a set of leads is: its weakest member first, then fewer leads."""
    weakest = min(len(lead.key or b"") * 2 + (lead.key is None) * len(lead.text)
                  for lead in leads)
    return (weakest, -len(leads))


def _union(parts: Iterable[Leads | None]) -> Leads | None:
    leads: set[Lead] = set()
    for part in parts:
        if part is None:
            return None
        leads |= part
        if len(leads) > MAX_LEADS:
            return None
    return frozenset(leads)


class _Derivation:
    """Reads leads and required literals off one pattern's parse tree."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.tree = _parser.parse(pattern.pattern, pattern.flags)
        # Under re.ASCII, (?a) or (?L), \b knows only ASCII letters: not what word_keys
        # counts as a word.
        self.unicode_words = not pattern.flags & (re.ASCII | re.LOCALE) and not any(
            op is sre.SUBPATTERN and av[1] & (sre.SRE_FLAG_ASCII | sre.SRE_FLAG_LOCALE)
            for op, av in _walk(self.tree.data))
        self.steps = 0

    def _tick(self) -> bool:
        self.steps += 1
        return self.steps <= _MAX_STEPS

    def leads(self, items: list[Any], word_start: bool = False) -> Leads | None:
        """Literals one of which every match of the sequence ``items`` begins with.

        None when that cannot be shown: an unknown first character (a class, ``.``, a
        back-reference) or a sequence that can match the empty string.
        """
        for index, (op, av) in enumerate(items):
            if not self._tick():
                return None
            if op is sre.AT:
                # \b before a word character: a word of the draft starts there.
                word_start = self.unicode_words and av in _WORD_START_ATS
                continue
            if op in _LOOKAROUNDS:
                continue  # looks without moving: the match still starts here
            rest = items[index + 1:]
            if op is sre.LITERAL:
                return self._literal_leads(items, index, word_start)
            if op is sre.IN:
                return _class_leads(av, word_start)
            if op is sre.SUBPATTERN:
                return self.leads([*av[3].data, *rest], word_start)
            if op is sre.ATOMIC_GROUP:
                return self.leads([*av.data, *rest], word_start)
            if op is sre.BRANCH:
                return _union(self.leads([*alt.data, *rest], word_start) for alt in av[1])
            if op in _REPEATS:
                low, high, body = av
                if high == 0:
                    continue  # x{0} matches nothing: the match starts with what follows
                # "x?" then rest: a match starts with x and the rest, or with the rest.
                first = self.leads([*body.data, *rest] if high == 1 else list(body.data),
                                   word_start)
                return first if low >= 1 else _union([first, self.leads(rest, word_start)])
            return None
        return None  # the whole sequence is optional or zero-width

    def _literal_leads(self, items: list[Any], index: int, word_start: bool) -> Leads | None:
        chars = []
        for op, av in items[index:]:
            if op is not sre.LITERAL or av > 0x7F:
                break
            chars.append(chr(av).lower())
        if not chars:
            return None
        lead = Lead("".join(chars), word_start)
        span = lead.key_span()
        following = items[index + len(chars):]
        # A short run ("#", ".", "i") says little; extend it with what must follow it
        # ("#followme", ".com") when the key is not already complete.
        if following and (span is None or span[1] == len(lead.text) < WORD_KEY_LENGTH
                          + span[0]):
            tails = self.leads(following)
            if tails is not None:
                return frozenset(Lead(lead.text + tail.text, word_start, tail.then).trimmed()
                                 for tail in tails)
        then = _render_start(following, self.unicode_words)
        return frozenset({lead._replace(then=then).trimmed()})

    def requirements(self, items: list[Any], word_start: bool = False) -> list[Leads]:
        """Sets of literals such that every match of ``items`` contains one literal of
        each set: a draft lacking every literal of any set cannot match.

        "the\\s+results?\\s+(?:will\\s+)?(?:shock|surprise)" needs "the", "resu" and one
        of "shoc"/"surp".
        """
        found: list[Leads] = []
        for index, (op, av) in enumerate(items):
            if not self._tick():
                break
            if op is sre.AT:
                word_start = self.unicode_words and av in _WORD_START_ATS
                continue
            if op in _LOOKAROUNDS:
                continue
            needed: Leads | None = None
            if op is sre.LITERAL:
                if index == 0 or items[index - 1][0] is not sre.LITERAL:
                    needed = self.leads(items[index:], word_start)
            elif op is sre.SUBPATTERN:
                needed = self.required(list(av[3].data), word_start)
            elif op is sre.ATOMIC_GROUP:
                needed = self.required(list(av.data), word_start)
            elif op is sre.BRANCH:
                needed = _union(self.required(list(alt.data), word_start) for alt in av[1])
            elif op in _REPEATS and av[0] >= 1:
                needed = self.required(list(av[2].data), word_start)
            if needed:
                found.append(needed)
            # After a space or a "#", a word character starts a word.
            word_start = self.unicode_words and _node_ends_in_non_word(op, av, word_start)
        return found

    def required(self, items: list[Any], word_start: bool = False) -> Leads | None:
        """The most selective of :meth:`requirements`: one of these literals is
        somewhere in every match of ``items``."""
        return max(self.requirements(items, word_start), key=_strength, default=None)


_RENDER_LIMIT = 24  # parse-tree nodes: enough for "\s+(?:results?|what)"


def _render_start(items: list[Any], unicode_words: bool) -> str:
    """A regex that folded text matches at the start of every match of ``items``:
    their beginning written out while it is plain (literals, ``\\s``, ``\\b``,
    repeats of those, alternatives of those), or "" if nothing is. (``\\b`` only
    where it means what it does in folded text: not under re.ASCII.)"""
    out: list[str] = []
    budget = _RENDER_LIMIT
    for op, av in items:
        budget -= 1
        if budget < 0:
            break
        piece = _render_node(op, av, unicode_words)
        if piece is None:
            if op is sre.BRANCH:
                alternatives = [_render_start(list(alt.data), unicode_words) for alt in av[1]]
                if all(alternatives):
                    out.append(f"(?:{'|'.join(alternatives)})")
            break  # what follows an alternative or an unknown node is not written
        out.append(piece)
    return "".join(out)


def _render_node(op: Any, av: Any, unicode_words: bool) -> str | None:
    """One node as folded-text regex, or None if it is not that plain."""
    if op is sre.LITERAL and av <= 0x7F:
        return re.escape(chr(av).lower())
    if op is sre.IN and av == [(sre.CATEGORY, sre.CATEGORY_SPACE)]:
        return r"\s"
    if op is sre.AT and av in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY) and unicode_words:
        return r"\b" if av is sre.AT_BOUNDARY else r"\B"
    if op in _REPEATS and len(av[2].data) == 1:
        body = _render_node(*av[2].data[0], unicode_words)
        if body is not None and body not in (r"\b", r"\B"):
            return body + ("*" if av[0] == 0 else "+")  # as many or more: never fewer
    return None


def _class_leads(members: list[Any], word_start: bool) -> Leads | None:
    """``[!?]``-style classes of single ASCII characters; any other class is unknown."""
    leads = set()
    for op, av in members:
        if op is not sre.LITERAL or av > 0x7F:
            return None
        leads.add(Lead(chr(av).lower(), word_start))
    return frozenset(leads)


def derive_leads(pattern: re.Pattern[str]) -> Leads | None:
    """What every match of ``pattern`` starts with, or None if it cannot be shown."""
    derivation = _Derivation(pattern)
    return derivation.leads(list(derivation.tree.data))


def _finder(lead: Lead) -> re.Pattern[str]:
    """Finds every occurrence of a lead in folded text, even overlapping ones.

    A whole literal as the pattern's start lets ``re`` search for it in C. Consuming it
    skips occurrences that begin inside it, which only a literal with a border
    ("abab", "aa") can have; such a literal consumes just its first character.
    """
    text = lead.text
    if any(text[:size] == text[-size:] for size in range(1, len(text))):
        head, tail = text[:1], text[1:]
    else:
        head, tail = text, ""
    source = re.escape(head)
    if lead.word_start and _is_word(text[0]):
        source += rf"(?<!\w{re.escape(head)})"  # a word starts here
    if tail or lead.then:
        source += f"(?={re.escape(tail)}{lead.then})"
    return re.compile(source)


class _Alternative:
    """One alternative of a rule's pattern, with what its matches need."""

    def __init__(self, pattern: re.Pattern[str], leads: Leads | None,
                 requirements: tuple[_LiteralIndex, ...]) -> None:
        self.pattern = pattern
        #: One of these begins every match; None when unknown.
        self.leads = leads
        self.lead_index = None if leads is None else _LiteralIndex(leads)
        #: Every match contains a literal of each of these.
        self.requirements = requirements
        # Most requirements are answered by word keys alone: one set test each, made
        # here without a call per requirement (this runs for every candidate
        # alternative of every rule on every draft). Every test has to pass, so their
        # order changes nothing but how soon a failing one is seen.
        self._key_sets = tuple(needs.whole_keys for needs in requirements
                               if needs.keys_alone)
        self._other_requirements = tuple(needs for needs in requirements
                                         if not needs.keys_alone)

    def may_match(self, haystack: Haystack) -> bool:
        word_keys = haystack.word_keys
        for keys in self._key_sets:
            if keys.isdisjoint(word_keys):
                return False
        return all(needs.any_present(haystack) for needs in self._other_requirements)


class _LiteralIndex:
    """Literals grouped by word key, for set-speed "which are in this draft?" tests."""

    def __init__(self, leads: Iterable[Lead]) -> None:
        self.by_key: dict[bytes, list[Lead]] = {}
        #: Literals with no word key: only a substring test tells.
        self.unkeyed: list[Lead] = []
        for lead in sorted(leads, key=lambda lead: (lead.text, lead.word_start)):
            key = lead.key
            if key is None:
                self.unkeyed.append(lead)
            else:
                self.by_key.setdefault(key, []).append(lead)
        self.keys = frozenset(self.by_key)
        # Keys that begin their literal ("retw" of \bretweet): a word starting so is
        # nearly always the literal, so the key alone answers. The others ("com" of
        # ".com", a common word start) get a substring test as well in any_present.
        whole = {lead.key for lead in leads_of(self.by_key) if lead.key_span()[0] == 0}
        self.whole_keys = frozenset(whole)
        self._checked: dict[bytes, list[str]] = {}
        for lead in leads_of(self.by_key):
            if lead.key not in whole:
                self._checked.setdefault(lead.key, []).append(lead.text)
        self._checked_keys = frozenset(self._checked)
        self._unkeyed_texts = tuple(lead.text for lead in self.unkeyed)
        #: Whether :meth:`any_present` is just "is one of :attr:`whole_keys` there?".
        self.keys_alone = not self._checked and not self._unkeyed_texts

    def present(self, haystack: Haystack) -> list[Lead]:
        """The literals whose key (or, without one, whose text) is in the haystack."""
        found = [lead for key in self.keys & haystack.word_keys for lead in self.by_key[key]]
        if self.unkeyed:
            folded = haystack.folded
            found += [lead for lead in self.unkeyed if lead.text in folded]
        return found

    def any_present(self, haystack: Haystack) -> bool:
        """Whether any of the literals may be in the haystack (one set test, mostly)."""
        word_keys = haystack.word_keys
        if not self.whole_keys.isdisjoint(word_keys):
            return True
        checked = self._checked_keys & word_keys
        if not checked and not self._unkeyed_texts:
            return False
        folded = haystack.folded
        return any(text in folded for key in checked for text in self._checked[key]) or any(
            text in folded for text in self._unkeyed_texts)


def leads_of(by_key: dict[bytes, list[Lead]]) -> Iterator[Lead]:
    for leads in by_key.values():
        yield from leads


def _split_alternatives(source: str, flags: int) -> list[str]:
    """``source`` cut at its top-level "|"s ("a|b(c|d)" -> "a", "b(c|d)"), or
    ``[source]`` when the pieces would not mean the same as the whole."""
    pieces, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += source.startswith("^", index + 1)
            index += source.startswith("]", index + 1)  # "[]" and "[^]": a literal "]"
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            pieces.append(source[start:index])
            start = index + 1
        index += 1
    pieces.append(source[start:])
    if len(pieces) == 1:
        return pieces
    try:
        # Non-capturing groups vanish from the parse tree: the same tree proves the cut.
        whole = _parser.parse(source, flags)
        joined = _parser.parse("|".join(f"(?:{piece})" for piece in pieces), flags)
        for piece in pieces:
            re.compile(piece, flags)
    except re.error:
        return [source]
    return pieces if repr(whole.data) == repr(joined.data) else [source]


def _alternatives(pattern: re.Pattern[str], parts: Sequence[str] | None) -> list[re.Pattern[str]]:
    """The top-level alternatives to try one by one, or just the pattern.

    Alternatives are tried separately only when that changes nothing: a numbered
    back-reference would point at another group once an alternative stands alone.
    """
    flags = pattern.flags
    sources = [pattern.pattern]
    if parts and pattern.pattern == "|".join(f"(?:{part})" for part in parts):
        sources = list(parts)
    sources = [piece for source in sources for piece in _split_alternatives(source, flags)]
    # Back-references are written \1, (?P=name) or (?(1)...): a look at the source
    # (which may see one that is not there, never the reverse) spares a parse.
    if len(sources) < 2 or _BACKREFERENCE.search(pattern.pattern):
        return [pattern]
    try:
        return [re.compile(source, flags) for source in sources]
    except re.error:  # a part that only parses inside the whole ("a)|(b")
        return [pattern]


@dataclass(frozen=True, slots=True)
class Gate:
    """What a haystack must hold for a match to be possible: one of these word keys
    (see :attr:`Haystack.word_keys`) or one of these texts in its folded form."""

    keys: frozenset[bytes] = frozenset()
    texts: frozenset[str] = frozenset()


def _gate(alternatives: list[_Alternative]) -> Gate | None:
    keys: set[bytes] = set()
    texts: set[str] = set()
    for alternative in alternatives:
        needs = [index for index in (_LiteralIndex(alternative.leads or ()),
                                     *alternative.requirements) if index.keys or index.unkeyed]
        if not needs:
            return None
        # Word keys are looked up at once while texts each cost a search, so fewer texts
        # first; then the rarest words ("button" rather than "like").
        best = min(needs, key=lambda index: (len(index.unkeyed), -min(
            (len(key) for key in index.keys), default=0), len(index.keys)))
        keys |= best.keys
        texts |= {lead.text for lead in best.unkeyed}
    return Gate(frozenset(keys), frozenset(texts))


def _alternative(pattern: re.Pattern[str]) -> _Alternative:
    derivation = _Derivation(pattern)
    leads = derivation.leads(list(derivation.tree.data))
    derivation.steps = 0
    requirements = derivation.requirements(list(derivation.tree.data))
    # The most selective first: an absent one ends may_match soonest. The leads are
    # known to be there when may_match is asked.
    return _Alternative(pattern, leads, tuple(
        _LiteralIndex(needs) for needs in sorted(requirements, key=_strength, reverse=True)
        if needs != leads))


class Matcher:
    """A compiled rule pattern, tried only where it can match.

    ``parts`` are the sources whose ``(?:a)|(?:b)`` alternation ``pattern`` is.
    ``use_leads=False`` runs the plain pattern everywhere (what the tests compare with).
    """

    def __init__(self, pattern: re.Pattern[str], parts: Sequence[str] | None = None, *,
                 use_leads: bool = True) -> None:
        self.pattern = pattern
        self.alternatives = [_Alternative(pattern, None, ())]
        if use_leads:
            self.alternatives = [_alternative(alternative)
                                 for alternative in _alternatives(pattern, parts)]
        self._finders = {lead: _finder(lead)
                         for alternative in self.alternatives for lead in alternative.leads or ()}
        self._unled = [alt for alt in self.alternatives if alt.leads is None]
        # Which alternatives a word key may start, so a draft's keys pick them out.
        by_key: dict[bytes, set[int]] = {}
        self._unkeyed_starts: set[int] = set()
        for index, alternative in enumerate(self.alternatives):
            if alternative.lead_index is not None:
                for key in alternative.lead_index.keys:
                    by_key.setdefault(key, set()).add(index)
                if alternative.lead_index.unkeyed:
                    self._unkeyed_starts.add(index)
        self._starts_by_key = {key: frozenset(indexes) for key, indexes in by_key.items()}
        self._start_keys = frozenset(by_key)
        #: What a haystack must hold for any match (None: no promise).
        self.gate = _gate(self.alternatives)

    @property
    def shortcut(self) -> bool:
        """Whether the pattern is ever tried in fewer places than everywhere."""
        return any(alt.leads is not None or alt.requirements for alt in self.alternatives)

    def _live(self, haystack: Haystack) -> list[tuple[int, list[Lead]]] | None:
        """The alternatives that may match in the haystack, each with its leads found
        there; None when only a full scan is exact (one may match anywhere)."""
        if any(alt.may_match(haystack) for alt in self._unled):
            return None
        candidates = set(self._unkeyed_starts)
        for key in self._start_keys & haystack.word_keys:
            candidates |= self._starts_by_key[key]
        live = []
        for index in sorted(candidates):
            alternative = self.alternatives[index]
            assert alternative.lead_index is not None
            # Without its other literals, an alternative cannot match either.
            if alternative.may_match(haystack) and (
                    leads := alternative.lead_index.present(haystack)):
                live.append((index, leads))
        return live

    def finditer(self, haystack: Haystack) -> Iterator[re.Match[str]]:
        """``pattern.finditer(haystack.text)``: the same matches, in the same order."""
        text = haystack.text
        live = self._live(haystack)
        if live is None:
            yield from self.pattern.finditer(text)
            return
        places = sorted({(start, index) for index, leads in live for lead in leads
                         for start in haystack.positions(self._finders[lead])})
        alternatives, end = self.alternatives, 0
        for start, index in places:
            # Nothing can match elsewhere; finditer resumes where a match ends, and at
            # one place the first alternative (in pattern order) that matches wins.
            if start >= end and (m := alternatives[index].pattern.match(text, start)):
                yield m
                end = m.end()

    def search(self, haystack: Haystack) -> re.Match[str] | None:
        """``pattern.search(haystack.text)``, reading no further than the first match."""
        text = haystack.text
        live = self._live(haystack)
        if live is None:
            return self.pattern.search(text)
        folded, alternatives = haystack.folded, self.alternatives
        # Each lead's occurrences, found lazily and merged in order of place (then of
        # alternative): the first that matches is where search would stop.
        streams = [_places(self._finders[lead].finditer(folded), index)
                   for index, leads in live for lead in leads]
        for start, index in heapq.merge(*streams):
            if m := alternatives[index].pattern.match(text, start):
                return m
        return None


def _places(occurrences: Iterator[re.Match[str]], index: int) -> Iterator[tuple[int, int]]:
    for occurrence in occurrences:
        yield occurrence.start(), index
