r"""Which alternatives of every rule can match a draft, in one pass of RE2.

A draft breaks few rules, yet each rule's phrase list would otherwise be searched for on
its own. So at load time every alternative of every rule pattern is written in RE2's
syntax and added to one ``re2.Set``; on a draft, a single linear-time pass in C++ names
the alternatives that can match, and the rules look only for those.

The RE2 form may match more than the rule's own pattern, never less, so a rule only ever
skips work that would have found nothing. It reads the draft in ASCII, each other
character written as one ASCII character that stands in for it:

* the ASCII letter it folds to, for the few that ``re.IGNORECASE`` equates with one
  (U+212A, the Kelvin sign, for "k");
* otherwise one of its kind: ``0`` for a decimal digit, ``_`` for another word
  character, a space for a space, ``\x7f`` for anything else. ``\b`` and ``\w`` mean
  in RE2 what they mean in Python's ``re`` on the draft itself, since a character is a
  word character exactly when its stand-in is.
* Each character class of a pattern becomes the set of stand-ins of the characters it
  matches: its ASCII members worked out by Python's ``re`` itself (case included), the
  rest by kind.
* Lookarounds, anchors other than ``\b``/``\B`` and atomic groups are left out (the
  match can only get easier); an alternative RE2 cannot express (back-references) is
  always tried.

tests/rules/test_scan.py checks random patterns and texts against Python's ``re``.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from re import _constants as sre  # the parse tree's opcodes
from re import _parser
from typing import Any, NamedTuple

import re2

log = logging.getLogger(__name__)

#: The ASCII stand-ins for characters outside ASCII, by kind.
DIGIT, WORD, SPACE, OTHER = "0", "_", " ", "\x7f"
_KINDS = frozenset({DIGIT, WORD, SPACE, OTHER})
#: Characters outside ASCII whose folded form is an ASCII letter (see fold_case).
_FOLDS_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
#: Which kinds each category escape can match outside ASCII.
_CATEGORY_KINDS = {
    sre.CATEGORY_DIGIT: {DIGIT}, sre.CATEGORY_NOT_DIGIT: {WORD, SPACE, OTHER},
    sre.CATEGORY_WORD: {DIGIT, WORD}, sre.CATEGORY_NOT_WORD: {SPACE, OTHER},
    sre.CATEGORY_SPACE: {SPACE}, sre.CATEGORY_NOT_SPACE: {DIGIT, WORD, OTHER},
}
_CATEGORY_SOURCE = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W", sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
}
#: Parse-tree opcodes of repetitions and of look-arounds (shared with the matcher).
REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
LOOKAROUNDS = frozenset({sre.ASSERT, sre.ASSERT_NOT})
_NARROW_WORDS = re.ASCII | re.LOCALE
#: RE2 refuses counted repetitions above this.
_MAX_COUNT = 1000
#: Turns the characters outside ASCII into their stand-ins as a text is encoded.
_STAND_IN_ERRORS = "draftcoach-stand-in"


class Untranslatable(Exception):
    """A pattern RE2 cannot stand in for."""


def kind_of(char: str) -> str:
    """The ASCII stand-in of one character outside ASCII."""
    if re.match(r"\d", char):
        return DIGIT
    if re.match(r"\w", char):
        return WORD
    if re.match(r"\s", char):
        return SPACE
    return OTHER


def stand_in(char: str) -> str:
    """What stands in for a character outside ASCII: its folded form where that is an
    ASCII letter (see :func:`bot.text.fold_case`), else its kind."""
    return _FOLDS_TO_ASCII.get(char) or kind_of(char)


@lru_cache(maxsize=4096)
def _stand_ins(run: str) -> str:
    return "".join(map(stand_in, run))


def _encode_stand_ins(error: UnicodeError) -> tuple[str, int]:
    # The encoder hands over a whole run of characters it cannot encode at once.
    assert isinstance(error, UnicodeEncodeError)
    return _stand_ins(error.object[error.start:error.end]), error.end


codecs.register_error(_STAND_IN_ERRORS, _encode_stand_ins)


#: The stand-ins of the Latin-1 characters, as a ``bytes.translate`` table.
_LATIN1_STAND_INS = bytes(code if code < 128 else ord(stand_in(chr(code)))
                          for code in range(256))


def stand_in_text(text: str) -> bytes:
    """``text`` in ASCII, each other character replaced by what stands in for it."""
    if not text.isascii():
        # The error handler is called once for each run of other characters: a text
        # of Latin-1 characters ("café") is quicker turned into stand-ins by a table.
        try:
            return text.encode("latin-1").translate(_LATIN1_STAND_INS)
        except UnicodeEncodeError:
            pass
    return text.encode("ascii", _STAND_IN_ERRORS)


@lru_cache(maxsize=4096)
def _class_symbols(source: str, flags: int) -> frozenset[str]:
    """The ASCII characters, and the stand-ins of the characters folding to one, that the
    one-character pattern ``source`` matches."""
    pattern = re.compile(source, flags)
    found = {chr(code) for code in range(128) if pattern.fullmatch(chr(code))}
    found.update(ascii_char for char, ascii_char in _FOLDS_TO_ASCII.items()
                 if pattern.fullmatch(char))
    return frozenset(found)


def _member_source(op: Any, av: Any) -> str:
    if op is sre.LITERAL:
        return f"\\U{av:08x}"
    if op is sre.RANGE:
        return f"\\U{av[0]:08x}-\\U{av[1]:08x}"
    if op is sre.CATEGORY:
        return _CATEGORY_SOURCE[av]
    raise Untranslatable(op)


def _kinds_of_literal(code: int) -> set[str]:
    if code < 128:
        return set()
    char = chr(code)
    return {kind_of(variant) for variant in (char, char.lower(), char.upper())}


@lru_cache(maxsize=4096)
def _char_class(op: Any, av: Any, flags: int) -> str:
    """A one-character node (literal, class, ``.``) as an RE2 class of every stand-in it
    may match (``av`` of a class as a tuple, to be cached)."""
    if op is sre.LITERAL:
        source, kinds = f"\\U{av:08x}", _kinds_of_literal(av)
    elif op is sre.NOT_LITERAL:
        source, kinds = f"[^\\U{av:08x}]", set(_KINDS)
    elif op is sre.ANY:
        source, kinds = ".", set(_KINDS)
    else:  # sre.IN
        members = [(member_op, member_av) for member_op, member_av in av
                   if member_op is not sre.NEGATE]
        negated = len(members) < len(av)
        source = "[" + "^" * negated + "".join(_member_source(*m) for m in members) + "]"
        kinds = set(_KINDS) if negated else set()
        for member_op, member_av in members:
            if member_op is sre.LITERAL:
                kinds |= _kinds_of_literal(member_av)
            elif member_op is sre.RANGE and member_av[1] >= 128:
                kinds |= _KINDS
            elif member_op is sre.CATEGORY:
                kinds |= _CATEGORY_KINDS[member_av]
    symbols = _class_symbols(source, flags & (re.IGNORECASE | re.DOTALL)) | kinds
    if not symbols:
        return r"[^\x00-\x{ff}]"  # matches nothing
    return "[" + "".join(f"\\x{{{ord(symbol):02x}}}" for symbol in sorted(symbols)) + "]"


def _render(items: Iterable[Any], flags: int, boundaries: bool, prefix: bool = False) -> str:
    """``items`` in RE2's syntax; with ``prefix``, only what every match of them starts
    with, short of the repetitions at its end: a set only tells whether a pattern matches
    somewhere. A pattern that ends in "(?s:.)*" would go on matching to the end of the
    draft, and each byte read in a matching state costs the scan more. (A "\\b" at the
    end is kept: it rules out much and costs little.)"""
    items = list(items)
    if not prefix:
        return "".join([_render_node(op, av, flags, boundaries) for op, av in items])
    # Look-arounds at the end only rule matches out, as does what may match nothing.
    while items and (items[-1][0] in LOOKAROUNDS
                     or (items[-1][0] in REPEATS and items[-1][1][0] == 0)):
        items.pop()
    if not items:
        return ""
    head = _render(items[:-1], flags, boundaries)
    return head + _render_node(*items[-1], flags, boundaries, prefix=True)


def _render_node(op: Any, av: Any, flags: int, boundaries: bool, prefix: bool = False) -> str:
    """One node in RE2's syntax; with ``prefix``, as :func:`_render` says."""
    if op is sre.LITERAL or op is sre.NOT_LITERAL or op is sre.ANY:
        return _char_class(op, av, flags)
    if op is sre.IN:
        return _char_class(op, tuple(av), flags)
    if op is sre.AT:
        if not boundaries:
            return ""
        if av is sre.AT_BOUNDARY:
            return r"\b"
        if av is sre.AT_NON_BOUNDARY:
            return r"\B"
        return ""  # ^, $, \A, \Z: leaving them out only lets more match
    if op in LOOKAROUNDS:
        return ""
    if op is sre.SUBPATTERN:
        _, add_flags, del_flags, body = av
        if add_flags & _NARROW_WORDS:
            raise Untranslatable("ASCII-only word characters")
        return f"(?:{_render(body.data, (flags | add_flags) & ~del_flags, boundaries, prefix)})"
    if op is sre.ATOMIC_GROUP:
        return f"(?:{_render(av.data, flags, boundaries, prefix)})"
    if op is sre.BRANCH:
        return "(?:" + "|".join(_render(alt.data, flags, boundaries, prefix)
                                for alt in av[1]) + ")"
    if op in REPEATS:
        low, high, body = av
        low = min(low, _MAX_COUNT)
        if prefix:  # all but the last repetition whole, then the start of the last
            whole = f"(?:{_render(body.data, flags, boundaries)}){{{low - 1}}}" if low > 1 else ""
            return f"{whole}(?:{_render(body.data, flags, boundaries, prefix)})"
        upper = "" if high is sre.MAXREPEAT or high > _MAX_COUNT else str(high)
        return f"(?:{_render(body.data, flags, boundaries)}){{{low},{upper}}}"
    raise Untranslatable(op)  # back-references, conditionals


@lru_cache(maxsize=1024)
def parse_tree(source: str, flags: int) -> Any:
    """The parse tree of a pattern; read, never changed, so shared."""
    return _parser.parse(source, flags)


class Windowed(NamedTuple):
    """A pattern that is searched in stretches of a text (``search(text, start, end)``).

    At a stretch's end, ``\\b`` reads it as the end of the text, so a match there need
    not be one in the whole text; the RE2 form of such a pattern leaves ``\\b`` and
    ``\\B`` out, and matches the whole text wherever the pattern matches a stretch.
    """

    pattern: re.Pattern[str]


def to_re2(pattern: re.Pattern[str], *, boundaries: bool = True) -> str:
    """``pattern`` as an RE2 pattern over stand-in text (see the module's docstring),
    without ``\\b`` and ``\\B`` unless ``boundaries``; raises :class:`Untranslatable`
    when there is none."""
    if pattern.flags & _NARROW_WORDS:
        raise Untranslatable("ASCII-only word characters")
    try:
        tree = parse_tree(pattern.pattern, pattern.flags)
    except RecursionError:
        raise Untranslatable("too deeply nested") from None
    return _render(tree.data, int(tree.state.flags), boundaries, prefix=True)


def is_exact(pattern: re.Pattern[str]) -> bool:
    """Whether the RE2 form of ``pattern`` (see :func:`to_re2`) matches a stand-in text
    exactly where the pattern matches the text: nothing of it left out or widened."""
    try:
        tree = parse_tree(pattern.pattern, pattern.flags)
    except RecursionError:
        return False
    return _exact(tree.data, int(tree.state.flags))


def _exact_character(code: int, flags: int) -> bool:
    """An ASCII character that stands in for no other character, or (case ignored) only
    for those it matches anyway."""
    char = chr(code)
    if code >= 128 or char in _KINDS:
        return False
    return bool(flags & sre.SRE_FLAG_IGNORECASE) or char not in _FOLDS_TO_ASCII.values()


def _exact(items: Iterable[Any], flags: int) -> bool:
    for op, av in items:
        if op is sre.LITERAL:
            exact = _exact_character(av, flags)
        elif op is sre.ANY:
            exact = True
        elif op is sre.IN:
            # Negated classes widen to whole kinds.
            exact = all((member_op is sre.LITERAL and _exact_character(member_av, flags))
                        or (member_op is sre.RANGE and member_av[1] < 128 and all(
                            _exact_character(code, flags)
                            for code in range(member_av[0], member_av[1] + 1)))
                        or (member_op is sre.CATEGORY and member_av in _CATEGORY_KINDS)
                        for member_op, member_av in av)
        elif op is sre.AT:
            exact = av is sre.AT_BOUNDARY  # re's \B, unlike RE2's, fails on ""
        elif op is sre.SUBPATTERN:
            _, add_flags, del_flags, body = av
            exact = _exact(body.data, (flags | add_flags) & ~del_flags)
        elif op is sre.BRANCH:
            exact = all(_exact(alternative.data, flags) for alternative in av[1])
        elif op is sre.MAX_REPEAT or op is sre.MIN_REPEAT:
            low, high, body = av
            exact = (low <= _MAX_COUNT and (high is sre.MAXREPEAT or high <= _MAX_COUNT)
                     and _exact(body.data, flags))
        else:  # look-arounds and anchors left out, atomic groups and possessive repeats
            exact = False  # that RE2 backtracks into, and the rest
        if not exact:
            return False
    return True


#: The entries of a :class:`PatternSet` that may match a text.
Matching = frozenset[int]
#: The entry of the patterns no scan can rule out (those RE2 cannot express).
ALWAYS = -1
#: Among the entries named when the scan could not run (RE2 out of memory): then every
#: entry is named, and none surely matches.
UNSCANNED = -2


class PatternSet:
    """Patterns, and which of them can match a text, found in one pass.

    Patterns with the same RE2 form (rules share many words) share an *entry*:
    :attr:`entries` gives each pattern's, and :meth:`matching` the entries that may
    match a text, as a set that callers test their own entries against in C.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str] | Windowed], *,
                 memory: int = 64 << 20) -> None:
        options = re2.Options()
        options.max_mem = memory
        options.log_errors = False
        options.encoding = re2.Options.Encoding.LATIN1
        self._set: re2.Set | None = re2.Set.SearchSet(options)
        # Entry 0 matches at the end of every text: a result without it means RE2 gave up
        # on this text (out of memory), not that nothing matched. (An empty pattern would
        # make every state a matching one, and the scan twice as slow.)
        self._set.Add(r"\z")
        sources: dict[str, int] = {}
        self.entries: list[int] = []
        #: For each pattern, whether its entry being named means it surely matches (see
        #: :func:`is_exact`; never for a windowed one, whose boundaries are left out).
        self.exact: list[bool] = []
        for pattern in patterns:
            try:
                if isinstance(pattern, Windowed):
                    source = to_re2(pattern.pattern, boundaries=False)
                else:
                    source = to_re2(pattern)
                if source not in sources:
                    sources[source] = self._set.Add(source)
                self.entries.append(sources[source])
                self.exact.append(not isinstance(pattern, Windowed) and is_exact(pattern))
            except (Untranslatable, re2.error, RecursionError) as exc:
                log.debug("always trying %r: %s", pattern, exc)
                self.entries.append(ALWAYS)
                self.exact.append(False)
        try:
            self._set.Compile()
        except re2.error:
            # Every pattern is then tried, as if each could match: slower, never wrong.
            log.warning("the rules' patterns do not fit in %d bytes for RE2; drafts are "
                        "checked without the shared scan", memory)
            self._set = None
        self._everything: Matching = frozenset({ALWAYS, UNSCANNED, *self.entries})

    def matching(self, text: str) -> Matching:
        """The entries that may match ``text`` (:data:`ALWAYS` among them)."""
        if self._set is None:
            return self._everything
        found = self._set.Match(stand_in_text(text))
        if not found or 0 not in found:
            return self._everything
        found.append(ALWAYS)
        return frozenset(found)

    def which(self, text: str) -> list[int]:
        """The positions, in order, of the patterns that may match ``text``."""
        found = self.matching(text)
        return [index for index, entry in enumerate(self.entries) if entry in found]
