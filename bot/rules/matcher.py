"""Running a rule's regex only where a match can begin.

Python's ``re`` cannot skip ahead for a case-insensitive pattern that starts with
``\\b`` and an alternation: it tries every branch at every position, so a long phrase
list costs about a millisecond on a long draft. Yet every match of such a rule begins
with one of a few literal words ("follow", "smash", "link in bio").

So at load time each alternative of a rule's pattern gets its *leads*, read from the
parse tree: literals one of which every match starts with (and whether a ``\\b`` puts
them at the start of a word). On a draft, one pass of RE2 over the whole draft names the
alternatives that can match at all, and which of their leads are there (see
:mod:`bot.rules.scan`); only those leads are looked for, in the case-folded text, and at
each place only the alternatives that can begin there are tried, in their order: exactly
what ``finditer`` would return, with a fraction of the attempts. An alternative whose
leads cannot be derived (one starting with a character class, say) runs as a plain scan
when the pass says it can match. tests/rules/test_matcher.py checks every rule, and
random patterns, against a plain scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from re import _constants as sre  # the parse tree's opcodes
from re import _parser
from typing import Any, NamedTuple

from bot.rules.scan import (
    LOOKAROUNDS,
    REPEATS,
    UNSCANNED,
    Matching,
    PatternSet,
    Windowed,
    parse_tree,
)
from bot.text import Haystack

#: More leads than this and an alternative is run everywhere: the search costs more.
MAX_LEADS = 200
#: Leads are cut to this length (a prefix is as sound a lead)...
_LEAD_LENGTH = 8
#: ...and a shorter run of literals is extended with what must follow it, if it can be.
_SHORT_LEAD = 4
#: Parse-tree nodes to visit per pattern before giving up (zero-width alternatives
#: followed by optional parts could otherwise multiply the work).
_MAX_STEPS = 5000

_WORD_START_ATS = frozenset({sre.AT_BOUNDARY, sre.AT_BEGINNING, sre.AT_BEGINNING_STRING})
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

    def trimmed(self) -> Lead:
        """The lead cut to _LEAD_LENGTH characters (a prefix is as sound a lead)."""
        text = self.text[:_LEAD_LENGTH]
        # What follows the whole text does not follow a cut one.
        return Lead(text, self.word_start, self.then if text == self.text else "")


Leads = frozenset[Lead]
#: Leads, each with the entry of its probe in the pattern set (see :func:`_probe`).
_Probes = tuple[tuple[Lead, int], ...]


def _walk(items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """Every node of a parse tree, depth first."""
    for op, av in items:
        yield op, av
        if op is sre.SUBPATTERN:
            yield from _walk(av[3].data)
        elif op is sre.BRANCH:
            for alt in av[1]:
                yield from _walk(alt.data)
        elif op in REPEATS or op in LOOKAROUNDS:
            yield from _walk(av[-1].data)
        elif op is sre.ATOMIC_GROUP:
            yield from _walk(av.data)
        elif op is sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    yield from _walk(branch.data)


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
    """Reads leads off one pattern's parse tree."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.tree = parse_tree(pattern.pattern, pattern.flags)
        # Under re.ASCII, (?a) or (?L), \b knows only ASCII letters: not what a lead's
        # finder takes for a word (its look-behind reads Unicode).
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
            if op in LOOKAROUNDS:
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
            if op in REPEATS:
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
        following = items[index + len(chars):]
        # A short run ("#", ".", "i") says little; extend it with what must follow it
        # ("#followme", ".com").
        if following and len(lead.text) < _SHORT_LEAD:
            tails = self.leads(following)
            if tails is not None:
                return frozenset(Lead(lead.text + tail.text, word_start, tail.then).trimmed()
                                 for tail in tails)
        then = _render_start(following, self.unicode_words)
        return frozenset({lead._replace(then=then).trimmed()})

_RENDER_LIMIT = 24  # parse-tree nodes: enough for "\s+(?:results?|what)"
#: The categories a start is written with. (Under re.ASCII, a pattern's \w is narrower
#: than this one: what it matches, this matches too.)
_FOLDED_CATEGORIES = {sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_WORD: r"\w",
                      sre.CATEGORY_DIGIT: r"\d"}


def _render_start(items: list[Any], unicode_words: bool) -> str:
    """A regex that folded text matches at the start of every match of ``items``:
    their beginning written out while it is plain (literals, ``\\s``, ``\\w``, ``\\d``,
    ``\\b``, repeats of those, alternatives of those), or "" if nothing is. (``\\b`` only
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
    if op is sre.IN and len(av) == 1 and av[0][0] is sre.CATEGORY:
        # Folding keeps a character's kind: a space, digit or letter stays one.
        return _FOLDED_CATEGORIES.get(av[0][1])
    if op is sre.AT and av in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY) and unicode_words:
        return r"\b" if av is sre.AT_BOUNDARY else r"\B"
    if op in REPEATS and len(av[2].data) == 1:
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
    ("abab", "aa") can have; such a literal consumes just its first character. (Not so
    for a lead that starts a word, where what comes before such an occurrence is a
    word character: "everyone" in "everyoneveryone" starts no word the second time.)
    """
    text = lead.text
    starts_word = lead.word_start and _is_word(text[0])
    if any(text[:size] == text[-size:] and not (starts_word and _is_word(text[-size - 1]))
           for size in range(1, len(text))):
        head, tail = text[:1], text[1:]
    else:
        head, tail = text, ""
    source = re.escape(head)
    if starts_word:
        source += rf"(?<!\w{re.escape(head)})"  # a word starts here
    if tail or lead.then:
        source += f"(?={re.escape(tail)}{lead.then})"
    return re.compile(source)


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


class _Alternative(NamedTuple):
    """One alternative of a rule's pattern, and the leads its matches begin with (None
    when unknown)."""

    pattern: re.Pattern[str]
    leads: Leads | None


def _probe(lead: Lead) -> re.Pattern[str]:
    """A pattern that matches the haystack's own text (case ignored) wherever the lead's
    finder matches its folded text: the shared scan then tells whether the lead is in a
    draft at all, for all leads in the same pass, before any is looked for."""
    source = re.escape(lead.text) + lead.then
    if lead.word_start and _is_word(lead.text[0]):
        source = r"\b" + source
    return re.compile(source, re.IGNORECASE)


class Matcher:
    """A compiled rule pattern, tried only where it can match.

    ``parts`` are the sources whose ``(?:a)|(?:b)`` alternation ``pattern`` is. Which
    alternatives can match a draft, and which of their leads are in it, comes from a
    :class:`PatternSet`: one shared with other matchers (see :meth:`use`), or else one
    of the matcher's own. ``windowed``: the pattern is also searched in stretches of a
    haystack, and :meth:`may_match` must allow for those (see :class:`Windowed`).
    """

    def __init__(self, pattern: re.Pattern[str], parts: Sequence[str] | None = None, *,
                 windowed: bool = False) -> None:
        self.pattern = pattern
        self.alternatives = [_Alternative(alternative, derive_leads(alternative))
                             for alternative in _alternatives(pattern, parts)]
        leads = dict.fromkeys(lead for alternative in self.alternatives
                              for lead in alternative.leads or ())
        self._finders = {lead: _finder(lead) for lead in leads}
        #: The leads in the order their probes follow the alternatives in :attr:`patterns`.
        self._leads = list(leads)
        patterns = ([alternative.pattern for alternative in self.alternatives]
                    + [_probe(lead) for lead in self._leads])
        #: The alternatives, then a probe for each lead (see :func:`_probe`): what the
        #: pattern set is asked about.
        self.patterns: list[re.Pattern[str] | Windowed] = (
            [Windowed(p) for p in patterns] if windowed else list(patterns))
        self._pattern_set: PatternSet | None = None
        #: The alternatives under each entry of the pattern set: their indices, in order,
        #: each with its leads and their probes' entries (None if it has no leads).
        self._alternatives_at: dict[int, list[tuple[int, _Probes | None]]] = {}
        #: The alternatives' entries: the pattern may match only where a scan names one.
        self.entries: frozenset[int] = frozenset()
        #: The entries of alternatives that surely match where a scan names them.
        self._exact_entries: frozenset[int] = frozenset()

    def use(self, pattern_set: PatternSet, offset: int = 0) -> None:
        """Ask ``pattern_set``, which holds :attr:`patterns` from ``offset`` on, which
        alternatives can match a draft."""
        entries = pattern_set.entries[offset:offset + len(self.patterns)]
        count = len(self.alternatives)
        self._pattern_set = pattern_set
        alternative_entries, lead_entries = entries[:count], entries[count:]
        probe_of = dict(zip(self._leads, lead_entries, strict=True))
        self._alternatives_at = {}
        for index, entry in enumerate(alternative_entries):
            leads = self.alternatives[index].leads
            probes = None if leads is None else tuple((lead, probe_of[lead]) for lead in leads)
            self._alternatives_at.setdefault(entry, []).append((index, probes))
        self.entries = frozenset(alternative_entries)
        exact = pattern_set.exact[offset:offset + count]
        self._exact_entries = frozenset(
            entry for entry, surely in zip(alternative_entries, exact, strict=True) if surely)

    @property
    def shortcut(self) -> bool:
        """Whether the pattern is ever tried in fewer places than everywhere."""
        return any(alternative.leads is not None for alternative in self.alternatives)

    def _matching(self, haystack: Haystack) -> Matching:
        """The entries of the pattern set that may match in the haystack."""
        if self._pattern_set is None:
            self.use(PatternSet(self.patterns))
            assert self._pattern_set is not None
        return haystack.scan(self._pattern_set)

    def may_match(self, haystack: Haystack) -> bool:
        """False when the pattern surely finds nothing in the haystack."""
        found = self._matching(haystack)  # first: it may set up the matcher's own scan
        return not self.entries.isdisjoint(found)

    def _live(self, found: Matching) -> list[tuple[int, list[Lead]]] | None:
        """The alternatives that may match where a scan found ``found``, each with those
        of its leads that are there; None when only a full scan is exact (one without
        leads may match)."""
        live = []
        # Most drafts hold few of a rule's alternatives: the set intersection (in C)
        # names them without a look at the others.
        for entry in self.entries.intersection(found):
            for index, probes in self._alternatives_at[entry]:
                if probes is None:
                    return None
                live.append((index, [lead for lead, probe in probes if probe in found]))
        return live

    def finditer(self, haystack: Haystack) -> Iterator[re.Match[str]]:
        """``pattern.finditer(haystack.text)``: the same matches, in the same order."""
        text = haystack.text
        live = self._live(self._matching(haystack))
        if live is None:
            yield from self.pattern.finditer(text)
            return
        alternatives, finders = self.alternatives, self._finders
        places = sorted({(start, index) for index, leads in live for lead in leads
                         for start in haystack.positions(finders[lead], lead.text)})
        end = 0
        for start, index in places:
            # Nothing can match elsewhere; finditer resumes where a match ends, and at
            # one place the first alternative (in pattern order) that matches wins.
            if start >= end and (m := alternatives[index].pattern.match(text, start)):
                yield m
                end = m.end()

    def occurs(self, haystack: Haystack) -> bool:
        """Whether ``pattern.search(haystack.text)`` finds anything: the first match of
        any alternative will do, so the search stops there."""
        found = self._matching(haystack)
        if UNSCANNED not in found and not self._exact_entries.isdisjoint(found):
            return True  # the scan found an alternative that surely matches
        text = haystack.text
        live = self._live(found)
        if live is None:
            return self.pattern.search(text) is not None
        folded, alternatives = haystack.folded, self.alternatives
        for index, leads in live:
            pattern = alternatives[index].pattern
            for lead in leads:
                for occurrence in self._finders[lead].finditer(folded):
                    if pattern.match(text, occurrence.start()):
                        return True
        return False
