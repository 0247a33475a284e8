"""Rule kinds: what every rule has in common, and the one method a kind writes.

A rule is data (a YAML mapping in ``config/rules/``); its *kind* is a class with one
method, :meth:`Rule.find`::

    find(self, doc: Document, platform: Platform, live: Live) -> Iterable[Hit]

``doc`` is the draft (:class:`bot.text.Document`: ``doc.text`` normalised, ``doc.prose``
the same with links, mentions and code blanked, ``doc.sentences``, ``doc.words``,
``doc.tokens``); a :class:`Hit` is a span of ``doc.text`` (or of ``doc.original`` with
``original=True``) and, optionally, the text the offline rewrite puts there. The engine
(:mod:`bot.rules.engine`) maps hits to findings in the user's own text and alone decides
which rules to skip: those switched off, those not for the platform, and those with a
*needed* pattern that the prefilter says cannot match the draft.

Patterns are optional. A kind that searches with regular expressions builds them in
``__init__`` with :meth:`Rule.regex`, which hands them to the shared RE2 prefilter (one
pass per draft for every rule's patterns), and runs them in ``find`` through ``live``:
``live.finditer(pattern)``, ``live.search(pattern, start, end)``, ``live.may_match
(pattern)``: Python's ``re``, over only the alternatives the prefilter left alive (each
compiled on its own, once), so the same matches as the whole pattern, in the same order.

Adding a kind is one module in ``bot/rules/`` (a :func:`register`-ed subclass of
:class:`Rule` with ``kind``, ``keys``, optionally ``fields``, and ``find``), its import in
``bot/rules/__init__.py``, and a test; every rule's examples are walked by
tests/rules/test_examples.py. docs/rules.md walks through one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple, Protocol

from bot.config_files import quote
from bot.errors import ConfigError
from bot.models import Finding, Severity
from bot.platforms import Platform
from bot.rules.backtracking import backtracking_problem
from bot.rules.lexicon import DEFAULT_LANGUAGES, EMPTY_LEXICON, Lexicon
from bot.rules.prefilter import (
    compile_locator,
    compile_read,
    lead_in,
    read_alternatives,
    stand_in_text,
)
from bot.text import Document

#: Entries a list key (phrases, patterns, examples) may hold, and characters in one.
MAX_LIST, MAX_ENTRY = 5000, 10_000
#: Back-references are written \1, (?P=name) or (?(1)...): an alternative that holds one
#: may point at a group of another, so such a pattern runs whole.
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
#: How long a text must be for a pattern's matches to be looked for where RE2 says they
#: may start (see :meth:`Live.finditer`); in a shorter one, ``re`` alone is as fast.
_LOCATE_FROM = 1000


@dataclass(frozen=True, slots=True)
class RuleMeta:
    id: str
    kind: str
    principle: str
    severity: Severity
    message: str
    why: str
    fix: str
    examples_fail: tuple[str, ...]
    examples_pass: tuple[str, ...]
    source: str = ""
    file: str = ""
    platforms: frozenset[str] | None = None
    skip_platforms: frozenset[str] = frozenset()
    #: The platform the examples are written for (length examples need one).
    examples_platform: str = "generic"
    #: ISO 639-1 codes of the languages the rule's wording speaks; None: any language
    #: (length, hashtags, links, capitals).
    languages: frozenset[str] | None = DEFAULT_LANGUAGES
    #: Principles under which a warning or error from another rule keeps this one quiet:
    #: a second reader (a learned model) that would only repeat, in vaguer words, what a
    #: rule of these principles has already said about the draft.
    defers_to: frozenset[str] = frozenset()
    #: Its findings mark a plug for the writer's channel or a link elsewhere: the
    #: offline rewrite treats the sentence as the post's sell, whatever the principle.
    plug: bool = False
    #: The rule judges a post on its own (a headline, an invitation to reply): a reply
    #: (a draft that quotes the message it answers, or opens with an @handle) is not one.
    skip_replies: bool = False

    def speaks(self, languages: frozenset[str]) -> bool:
        """Whether the rule has something to say about a draft read as ``languages``."""
        return self.languages is None or not self.languages.isdisjoint(languages)


class Hit(NamedTuple):
    """Where a rule fired, in :attr:`Document.text` coordinates unless ``original``.

    ``fields`` fill the rule's message and fix (``{count}``, ``{max}``...); ``severity``,
    when set, is how bad this hit is (else the rule's own severity)."""

    start: int
    end: int
    replacement: str | None = None
    fields: Mapping[str, Any] = MappingProxyType({})
    original: bool = False
    severity: Severity | None = None


class Pattern:
    """A rule's regular expression: ``alternatives`` tried in order at each place, as
    ``(?:a)|(?:b)|…`` would be.

    ``scope`` is what it searches: ``"prose"`` (the writer's own words) or ``"text"``.
    ``needed``: the rule finds nothing in a draft this pattern cannot match, so the
    engine skips it there. ``windowed``: it is also searched in stretches of the text
    (``live.search(pattern, start, end)``), where a stretch's end reads as the text's.
    """

    def __init__(self, alternatives: Sequence[str], flags: int = re.IGNORECASE, *,
                 scope: str = "prose", needed: bool = True, windowed: bool = False) -> None:
        self.alternatives = tuple(alternatives)
        self.flags = flags
        self.scope = scope
        self.needed = needed
        self.windowed = windowed
        self.source = "|".join(f"(?:{a})" for a in self.alternatives)
        #: What the prefilter looks for: each alternative, or the whole pattern.
        self.parts = (self.alternatives if not _BACKREFERENCE.search(self.source)
                      else (self.source,))
        self._regex: re.Pattern[str] | None = None
        #: Read from the pattern's parse when first needed (see :meth:`_read`).
        self._forms: dict[str, str | None] = {}
        self._lead: str | None = None
        #: Each part's regex and locator, made when the part is first live (see
        #: :meth:`part_regex`); the whole pattern's locator under None.
        self._part_regexes: dict[int, re.Pattern[str]] = {}
        self._locators: dict[int | None, Any] = {}
        #: What each part can begin with, where known (see :meth:`part_regex`).
        self._firsts: list[frozenset[str] | None] | None = None

    def _read(self) -> Any:
        """The parts' RE2 forms, what each can begin with and the whole pattern's
        lead-in, read from one parse (see :func:`read_alternatives`) once; the parse, or
        None when it was read before."""
        if self._lead is not None:
            return None
        tree, forms, self._firsts, self._lead = read_alternatives(
            self.source, self.flags, len(self.parts), boundaries=not self.windowed)
        self._forms = {} if forms is None else dict(zip(self.parts, forms, strict=True))
        return tree

    @property
    def regex(self) -> re.Pattern[str]:
        """The whole pattern, compiled when first asked for: where the prefilter leaves
        only some parts live (most drafts) it is never needed. Asked for before the
        prefilter reads the pattern, it is compiled from the same parse."""
        if self._regex is None:
            tree = self._read()
            self._regex = compile_read(tree, self.source, self.flags, self._lead or "")
        return self._regex

    def prefilter_forms(self) -> Mapping[str, str | None]:
        """Each part's RE2 form (see :mod:`bot.rules.prefilter`). Empty when the parse did
        not show the parts one by one (the prefilter then works out each part's form
        itself)."""
        self._read()
        return self._forms

    def part_regex(self, index: int) -> re.Pattern[str]:
        """The part at ``index`` compiled on its own, once. Where the prefilter leaves
        some parts live, they run one by one (see :meth:`Live.finditer`): compiling each
        new set of live parts as one regex cost a first-seen LinkedIn post 5 ms, and a
        long-running bot kept meeting new sets."""
        found = self._part_regexes.get(index)
        if found is None:
            self._read()
            lead = lead_in([self._firsts[index]]) if self._firsts else ""
            part = self.parts[index]
            found = self._part_regexes[index] = re.compile(
                f"{lead}(?:{part})" if lead else part, self.flags)
        return found

    def locator(self, index: int | None = None) -> Any | None:
        """An RE2 regex that finds every place where a match of the part at ``index``
        (None: of the whole pattern) may start, or None where there is none. Python's
        ``re`` tries a long pattern at each place of a text; RE2 skips to the places
        worth trying in one linear pass (see :meth:`Live.finditer`)."""
        if index in self._locators:
            return self._locators[index]
        self._read()
        forms = [self._forms.get(part) for part in
                 (self.parts if index is None else (self.parts[index],))]
        found = self._locators[index] = (
            None if None in forms
            else compile_locator([form for form in forms if form is not None]))
        return found

    def __repr__(self) -> str:
        return f"Pattern({self.source!r}, scope={self.scope!r})"


#: Where a regex's first match from a place on is (``regex.search`` bound to a text, or
#: the same told by a locator).
Search = Callable[[int], "re.Match[str] | None"]


def _located_search(regex: re.Pattern[str], locator: Any, text: str, stand_in: bytes
                    ) -> Search:
    """``regex.search`` in ``text``, tried only at the places where ``locator`` finds a
    match may start in ``stand_in`` (``text`` as RE2 reads it, one character for one):
    the same match, as no place is skipped where one could start."""
    def search(start: int) -> re.Match[str] | None:
        while start <= len(text):
            place = locator.search(stand_in, start)
            if place is None:
                return None
            match = regex.match(text, place.start())
            if match is not None:
                return match
            start = place.start() + 1
        return None
    return search


def _first(matches: Iterable[re.Match[str] | None]) -> re.Match[str] | None:
    """The match that starts first; of those that start at one place, the earliest in
    ``matches`` (as an alternation of their regexes, tried in order, would find)."""
    first = None
    for match in matches:
        if match is not None and (first is None or match.start() < first.start()):
            first = match
    return first


def _alternation(searches: Sequence[Search], regexes: Sequence[re.Pattern[str]], text: str,
                 start: int) -> Iterator[re.Match[str]]:
    """The matches ``(?:a)|(?:b)|…`` of ``regexes`` finds in ``text`` from ``start`` on,
    each regex run by its ``searches``: the first to start, the earlier regex of two
    that start at one place, then on from its end. A regex's next match is looked for
    again only once the last match found has passed its start."""
    upcoming = [search(start) for search in searches]
    while (found := _first(upcoming)) is not None:
        if found.end() == found.start():
            # After an empty match ``re`` goes on by rules of its own: let it.
            rest = regexes[0] if len(regexes) == 1 else re.compile(
                "|".join(f"(?:{regex.pattern})" for regex in regexes), regexes[0].flags)
            yield from rest.finditer(text, found.start())
            return
        yield found
        start = found.end()
        upcoming = [match if match is None or match.start() >= start else search(start)
                    for search, match in zip(searches, upcoming, strict=True)]


def scope_text(doc: Document, scope: str) -> str:
    """The text a pattern of ``scope`` searches: ``"prose"``, ``"text"`` or ``"folded"``
    (the prose folded for concepts, see :mod:`bot.fold`)."""
    if scope == "prose":
        return doc.prose
    return doc.folded_prose.text if scope == "folded" else doc.text


class Prefiltered(Protocol):
    """What the prefilter found in a draft (see :mod:`bot.rules.engine`)."""

    def alive(self, pattern: Pattern) -> tuple[int, ...] | None:
        """The indices of the pattern's parts that may match (None: all of them)."""

    def may_match(self, pattern: Pattern) -> bool:
        """Whether any part may."""


class Live:
    """A draft as the prefilter left it: the runner of rule patterns.

    Without ``prefiltered`` every pattern runs whole, which finds exactly the same.
    ``severities`` (a team's severity for a rule, by id) and ``running`` (the ids of
    the rules this run holds; None: every rule) are the run's, for a rule that reads
    other rules (:mod:`bot.rules.in_reply`): a rule the team turned off or down is read
    as the team set it.
    """

    def __init__(self, doc: Document, prefiltered: Prefiltered | None = None, *,
                 severities: Mapping[str, Severity] = MappingProxyType({}),
                 running: frozenset[str] | None = None) -> None:
        self.doc = doc
        self._prefiltered = prefiltered
        self.severities = severities
        self.running = running
        #: The parts of each pattern asked about that may match (None: all).
        self._alive: dict[Pattern, tuple[int, ...] | None] = {}
        #: Each scope's text as RE2 reads it (see :func:`stand_in_text`).
        self._stand_ins: dict[str, bytes] = {}

    def _live_parts(self, pattern: Pattern) -> tuple[int, ...] | None:
        """The parts of ``pattern`` that may match this draft; None: all of them."""
        try:
            return self._alive[pattern]
        except KeyError:
            alive = None if self._prefiltered is None else self._prefiltered.alive(pattern)
            if alive is not None and len(alive) == len(pattern.parts):
                alive = None
            self._alive[pattern] = alive
            return alive

    def _regexes(self, pattern: Pattern) -> list[re.Pattern[str]]:
        """What runs ``pattern`` on this draft: the whole regex, or its live parts'."""
        alive = self._live_parts(pattern)
        if alive is None:
            return [pattern.regex]
        return [pattern.part_regex(index) for index in alive]

    def may_match(self, pattern: Pattern) -> bool:
        """False when ``pattern`` surely finds nothing in this draft."""
        if self._prefiltered is None:
            return True
        if pattern in self._alive:
            return self._alive[pattern] != ()
        return self._prefiltered.may_match(pattern)

    def text(self, pattern: Pattern) -> str:
        """What ``pattern`` searches: the prose, the whole text, or the folded prose."""
        return scope_text(self.doc, pattern.scope)

    def finditer(self, pattern: Pattern, start: int = 0) -> Iterator[re.Match[str]]:
        """``pattern``'s matches in its scope of the draft, in order, from ``start`` on.

        In a long text, each match is looked for only where RE2 says one may start:
        ``re`` would try a rule's long alternation at every place, and on a long post
        that took most of some rules' time."""
        regexes = self._regexes(pattern)
        if not regexes:
            return iter(())
        text = self.text(pattern)
        alive = self._alive[pattern]
        locators = ([None] * len(regexes) if len(text) < _LOCATE_FROM
                    else [pattern.locator()] if alive is None
                    else [pattern.locator(index) for index in alive])
        if len(regexes) == 1 and locators[0] is None:
            return regexes[0].finditer(text, start)
        searches = [partial(regex.search, text) if locator is None
                    else _located_search(regex, locator, text,
                                         self._stand_in(pattern.scope, text))
                    for regex, locator in zip(regexes, locators, strict=True)]
        return _alternation(searches, regexes, text, start)

    def _stand_in(self, scope: str, text: str) -> bytes:
        found = self._stand_ins.get(scope)
        if found is None:
            found = self._stand_ins[scope] = stand_in_text(text)
        return found

    def search(self, pattern: Pattern, start: int = 0,
               end: int | None = None) -> re.Match[str] | None:
        """``pattern``'s first match in ``[start, end)`` of its scope (a windowed pattern
        for anything but the whole)."""
        text = self.text(pattern)
        end = len(text) if end is None else end
        return _first(regex.search(text, start, end) for regex in self._regexes(pattern))


def folded_pattern(sources: Sequence[str], *, needed: bool = False,
                   windowed: bool = False) -> Pattern:
    """A pattern of folded text from sequences the lexicon composed (see
    :meth:`RuleSpec.folded_pattern`)."""
    return Pattern(sources, 0, scope="folded", needed=needed, windowed=windowed)


class RuleSpec:
    """A rule's raw mapping, read key by key with errors that say where."""

    def __init__(self, data: Mapping[str, Any], file: str, rule_id: str,
                 lexicon: Lexicon = EMPTY_LEXICON) -> None:
        self.data = data
        self.where = f"{file}: rule '{rule_id}'"
        #: The concepts a rule may compose (see :mod:`bot.rules.lexicon`).
        self.lexicon = lexicon

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: '{key}' {problem}")

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def str_list(self, key: str, *, required: bool = False) -> list[str]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        if len(value) > MAX_LIST:
            raise self.error(key, f"holds {len(value):,} entries (at most {MAX_LIST:,})")
        too_long = next((v for v in value if len(v) > MAX_ENTRY), None)
        if too_long is not None:
            raise self.error(key, f"holds an entry over {MAX_ENTRY:,} characters: "
                                  f"{quote(too_long)}")
        return value

    def folded_pattern(self, sequences: Sequence[str], *, needed: bool = False,
                       windowed: bool = False) -> Pattern:
        """``sequences`` (as a concept rule's ``match``) as one pattern of folded text (see
        :mod:`bot.fold`). The lexicon writes the sources and escapes every word, so they
        are not checked one by one (the slow part of a load); folded text is lower case
        already, so no IGNORECASE either."""
        return folded_pattern([self.lexicon.sequence(s, self.where) for s in sequences],
                              needed=needed, windowed=windowed)

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self.data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.error(key, f"must be a whole number of at least {minimum}")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        value = self.data.get(key, default)
        if (not isinstance(value, int | float) or isinstance(value, bool)
                or not 0 <= value < math.inf):
            raise self.error(key, "must be a non-negative number")
        return float(value)

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def optional_str(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, "must be a string")
        return value

    def regex(self, key: str, pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
        try:
            compiled = re.compile(pattern, flags)
        except re.error as exc:
            raise self.error(key, f"has a bad regular expression {quote(pattern)}: {exc}"
                             ) from None
        problem = backtracking_problem(pattern, flags)
        if problem is not None:
            raise self.error(key, f"has a pattern that can take minutes on a short draft, "
                                  f"{quote(pattern)}: {problem}; write the repeated part "
                                  "so that each repetition starts with its own mark")
        return compiled


def phrase_pattern(phrase: str) -> str:
    """A literal phrase as a regex: word-bounded, any run of spaces between words."""
    words = [re.escape(w) for w in phrase.split()]
    body = r"\s+".join(words)
    left = r"\b" if phrase[:1].isalnum() else ""
    right = r"\b" if phrase[-1:].isalnum() else ""
    return f"{left}{body}{right}"


class Rule:
    """A rule kind. Subclasses set ``kind`` and ``keys`` and write :meth:`find`."""

    kind: ClassVar[str]
    #: Kind-specific keys: name -> required.
    keys: ClassVar[dict[str, bool]] = {}
    #: Placeholders the kind's hits fill (``Hit.fields``), for its rules' message and fix.
    fields: ClassVar[frozenset[str]] = frozenset()
    #: Whether the kind judges the writer's own words, which a quotation only mentions
    #: ("I'm tired of "link in bio" culture"); a post's length is not a matter of words.
    judges_words: ClassVar[bool] = True

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        self.meta = meta
        #: The patterns :meth:`regex` built, for the prefilter; and the needed ones.
        self.patterns: list[Pattern] = []
        self.needed: list[Pattern] = []

    def regex(self, spec: RuleSpec, key: str, sources: Iterable[str], *,
              phrases: Iterable[str] = (), scope: str = "prose", needed: bool = True,
              windowed: bool = False, flags: int = re.IGNORECASE) -> Pattern:
        """A :class:`Pattern` of ``phrases`` (literal, word-bounded) then ``sources``
        (regexes, from the rule file's ``key``), handed to the prefilter."""
        alternatives = [phrase_pattern(phrase) for phrase in phrases]
        for source in sources:
            spec.regex(key, source, flags)  # a bad one is reported by itself
            alternatives.append(source)
        if not alternatives:
            raise spec.error(key, "must hold at least one pattern")
        try:
            pattern = Pattern(alternatives, flags, scope=scope, needed=needed,
                              windowed=windowed)
            pattern.regex  # noqa: B018 (compiled now: a pattern that does not join fails the load)
        except re.error as exc:
            raise spec.error(key, f"has patterns that do not join: {exc}") from None
        return self.prefiltered(pattern)

    def prefiltered(self, pattern: Pattern) -> Pattern:
        """``pattern``, handed to the prefilter (and kept among the needed ones if it
        is)."""
        self.patterns.append(pattern)
        if pattern.needed:
            self.needed.append(pattern)
        return pattern

    def applies_to(self, platform: Platform) -> bool:
        if self.meta.platforms is not None and platform.id not in self.meta.platforms:
            return False
        return platform.id not in self.meta.skip_platforms

    def judges(self, doc: Document) -> bool:
        """Whether the rule judges ``doc`` at all (see :attr:`RuleMeta.skip_replies`)."""
        return not (self.meta.skip_replies and doc.is_reply)

    def link(self, rules: Sequence[Rule]) -> None:
        """Called once every rule is loaded, with them all: for a kind that reads other
        rules (most read none)."""

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterable[Hit]:
        """Where this rule fires in ``doc``: pure, no state kept between drafts."""
        raise NotImplementedError

    def trained_on(self, source: str, row_id: str) -> bool:
        """Whether the rule learned from row ``row_id`` of the labelled set file
        ``source`` (an evaluation leaves such rows out). Hand-written rules did not."""
        return False

    def check(self, doc: Document, platform: Platform,
              severity: Severity | None = None) -> list[Finding]:
        """This rule alone on ``doc``, every pattern run whole (what the engine finds,
        without its shortcuts): for tests and tools."""
        if not (self.applies_to(platform) and self.judges(doc)):
            return []
        return to_findings(self, self.find(doc, platform, Live(doc)), doc, platform, severity)


def to_findings(rule: Rule, hits: Iterable[Hit], doc: Document, platform: Platform,
                severity: Severity | None = None) -> list[Finding]:
    """A rule's hits as findings, their spans in the text as the user wrote it. Words
    the writer puts in double quotes are mentioned, not used: a hit inside a quotation
    ("you don't need to "buy now before prices go up"") is no finding."""
    meta = rule.meta
    findings = []
    for hit in hits:
        if rule.judges_words and not hit.original and doc.in_quotes(hit.start, hit.end):
            continue
        start, end = ((hit.start, hit.end) if hit.original
                      else doc.to_original(hit.start, hit.end))
        match = doc.original[start:end]
        values = {"match": match, "replacement": hit.replacement or "",
                  "platform": platform.name, **hit.fields}
        findings.append(Finding(
            rule=meta.id, principle=meta.principle,
            severity=severity or hit.severity or meta.severity,
            message=meta.message.format_map(values), span=(start, end), match=match,
            suggestion=meta.fix.format_map(values), why=meta.why,
            replacement=hit.replacement, plug=meta.plug,
        ))
    return findings


KINDS: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Make ``cls`` the kind that rule files name with ``kind: <cls.kind>``."""
    KINDS[cls.kind] = cls
    return cls
