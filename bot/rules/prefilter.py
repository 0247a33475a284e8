r"""The prefilter: which patterns can match a draft at all, found with RE2.

At load time every alternative of every rule pattern is written in RE2's syntax and
added to one ``re2.Filter`` (RE2's FilteredRE2). It works out the literal words each
form needs ("atoms"), finds every atom of a draft in one pass, and runs, in RE2, only
the forms whose atoms are all there; the patterns of the forms that match are then run
with Python's ``re`` (see :mod:`bot.rules.base`).

The RE2 form may match more than the pattern itself, never less, so the prefilter only
ever rules out work that would have found nothing. It reads the draft in ASCII, each
other character written as one ASCII character that stands in for it:

* the ASCII letter it folds to, for the few that ``re.IGNORECASE`` equates with one
  (U+212A, the Kelvin sign, for "k");
* otherwise one of its kind: ``0`` for a decimal digit, ``_`` for another word
  character, a space for a space, ``\x7f`` for anything else. ``\b`` and ``\w`` mean
  in RE2 what they mean in Python's ``re`` on the draft itself, since a character is a
  word character exactly when its stand-in is.
* Each character class of a pattern becomes the set of stand-ins of the characters it
  matches: its ASCII members worked out by Python's ``re`` itself (case included), the
  rest by kind.
* Look-arounds, anchors other than ``\b``/``\B`` and atomic groups are left out (the
  match can only get easier); an alternative RE2 cannot express (back-references) is
  always run.

The parse trees come from Python's own regex parser (:mod:`bot.rules.regex_tree`).
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import re2

from bot.rules.regex_tree import compile_parsed, parse, sre

log = logging.getLogger(__name__)

#: The ASCII stand-ins for characters outside ASCII, by kind.
DIGIT, WORD, SPACE, OTHER = "0", "_", " ", "\x7f"
_KINDS = frozenset({DIGIT, WORD, SPACE, OTHER})
#: Characters outside ASCII that ``re.IGNORECASE`` equates with an ASCII letter.
FOLDS_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
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
REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
LOOKAROUNDS = frozenset({sre.ASSERT, sre.ASSERT_NOT})
#: The parse-tree nodes :func:`to_re2` writes, and those it knows it cannot.
TRANSLATED = frozenset({sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN, sre.AT,
                        sre.SUBPATTERN, sre.ATOMIC_GROUP, sre.BRANCH, *REPEATS,
                        *LOOKAROUNDS})
UNTRANSLATED = frozenset({sre.GROUPREF, sre.GROUPREF_EXISTS})
_NARROW_WORDS = re.ASCII | re.LOCALE
#: Counts above this are left open in the RE2 form (``{0,40}`` as ``{0,}``, ``{20,}`` as
#: ``{10,}``): RE2 writes a count out as that many copies, and a gap of up to 40 words
#: made its pass over a long post take 4 ms instead of 10 µs. (RE2 refuses counts
#: above 1000 in any case.)
_MAX_COUNT = 10
#: RE2's memory for each form: a ceiling, not what it takes (RE2's own default). Each
#: form has its own DFA, built as drafts are read. One DFA of every form at once (an
#: ``re2.Set``) multiplied its states across hundreds of forms with word gaps: nearly
#: every new draft took states of its own, so it cost about 10 ms a draft, never
#: getting faster, in a process of 500 MB; the filter takes 0.5 ms on the same fresh
#: drafts, in 250 MB.
FORM_MEMORY = 8 << 20
#: Turns the characters outside ASCII into their stand-ins as a text is encoded.
_STAND_IN_ERRORS = "draftcoach-stand-in"


class Untranslatable(Exception):
    """A pattern RE2 cannot stand in for."""


def kind_of(char: str) -> str:
    """The ASCII stand-in of one character outside ASCII, by its kind."""
    if re.match(r"\d", char):
        return DIGIT
    if re.match(r"\w", char):
        return WORD
    if re.match(r"\s", char):
        return SPACE
    return OTHER


@lru_cache(maxsize=4096)
def _stand_ins(run: str) -> str:
    return "".join(FOLDS_TO_ASCII.get(char) or kind_of(char) for char in run)


def _encode_stand_ins(error: UnicodeError) -> tuple[str, int]:
    # The encoder hands over a whole run of characters it cannot encode at once.
    assert isinstance(error, UnicodeEncodeError)
    return _stand_ins(error.object[error.start:error.end]), error.end


codecs.register_error(_STAND_IN_ERRORS, _encode_stand_ins)


def stand_in_text(text: str) -> bytes:
    """``text`` in ASCII, each other character replaced by what stands in for it."""
    return text.encode("ascii", _STAND_IN_ERRORS)


@lru_cache(maxsize=4096)
def _class_symbols(source: str, flags: int) -> frozenset[str]:
    """The ASCII characters, and the stand-ins of the characters folding to one, that the
    one-character pattern ``source`` matches."""
    pattern = re.compile(source, flags)
    found = {chr(code) for code in range(128) if pattern.fullmatch(chr(code))}
    found.update(ascii_char for char, ascii_char in FOLDS_TO_ASCII.items()
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


def _render(items: Iterable[Any], flags: int, boundaries: bool) -> str:
    return "".join(_render_node(op, av, flags, boundaries) for op, av in items)


def _render_node(op: Any, av: Any, flags: int, boundaries: bool) -> str:
    """One parse-tree node in RE2's syntax, over stand-in text."""
    if op is sre.LITERAL or op is sre.NOT_LITERAL or op is sre.ANY:
        return _char_class(op, av, flags)
    if op is sre.IN:
        return _char_class(op, tuple(av), flags)
    if op is sre.AT:
        if boundaries and av is sre.AT_BOUNDARY:
            return r"\b"
        if boundaries and av is sre.AT_NON_BOUNDARY:
            return r"\B"
        return ""  # ^, $, \A, \Z: leaving them out only lets more match
    if op in LOOKAROUNDS:
        return ""
    if op is sre.SUBPATTERN:
        _, add_flags, del_flags, body = av
        if add_flags & _NARROW_WORDS:
            raise Untranslatable("ASCII-only word characters")
        return f"(?:{_render(body.data, (flags | add_flags) & ~del_flags, boundaries)})"
    if op is sre.ATOMIC_GROUP:
        return f"(?:{_render(av.data, flags, boundaries)})"
    if op is sre.BRANCH:
        return "(?:" + "|".join(_render(alt.data, flags, boundaries) for alt in av[1]) + ")"
    if op in REPEATS:
        low, high, body = av
        low = min(low, _MAX_COUNT)
        upper = "" if high is sre.MAXREPEAT or high > _MAX_COUNT else str(high)
        rendered = _render(body.data, flags, boundaries)
        if low and len(body.data) == 1 and body.data[0][0] is sre.LITERAL:
            # One letter then any more of it: RE2 finds the words a form needs only
            # where letters stand in a row, so "you+" written "yo" then "u+" needs none.
            upper = upper and str(int(upper) - 1)
            return f"{rendered}(?:{rendered}){{{low - 1},{upper}}}"
        return f"(?:{rendered}){{{low},{upper}}}"
    raise Untranslatable(op)  # back-references, conditionals


def to_re2(source: str, flags: int, *, boundaries: bool = True) -> str:
    """The pattern ``source`` as an RE2 pattern over stand-in text (see the module's
    docstring), without ``\\b`` and ``\\B`` unless ``boundaries``; raises
    :class:`Untranslatable` when there is none."""
    if flags & _NARROW_WORDS:
        raise Untranslatable("ASCII-only word characters")
    try:
        tree = parse(source, flags)
    except RecursionError:
        raise Untranslatable("too deeply nested") from None
    return _render(tree.data, int(tree.state.flags), boundaries)


def first_characters(items: Sequence[Any]) -> frozenset[str] | None:
    """The characters a match of the parsed ``items`` can begin with, where literals show
    them (after any ``\\b`` or look-around); None where they do not, or a match may be
    empty."""
    for op, av in items:
        if op is sre.AT or op in LOOKAROUNDS:
            continue  # reads no character
        if op is sre.LITERAL:
            return frozenset(chr(av))
        if op is sre.SUBPATTERN:
            _, add_flags, del_flags, body = av
            return None if add_flags or del_flags else first_characters(body.data)
        if op is sre.ATOMIC_GROUP:
            return first_characters(av.data)
        if op in REPEATS:
            return first_characters(av[2].data) if av[0] >= 1 else None
        if op is sre.BRANCH:
            found: set[str] = set()
            for alternative in av[1]:
                chars = first_characters(alternative.data)
                if chars is None:
                    return None
                found |= chars
            return frozenset(found)
        return None
    return None


def _re2_options(memory: int) -> re2.Options:
    options = re2.Options()
    options.max_mem = memory
    options.log_errors = False
    options.encoding = re2.Options.Encoding.LATIN1
    return options


def compile_locator(forms: Sequence[str], memory: int = 8 << 20) -> Any | None:
    """One RE2 regex of ``forms`` (the RE2 forms of a pattern's parts), to be searched
    in :func:`stand_in_text`: where it finds no match *starting* at a place, the parts
    have none starting there either (a form only leaves constraints out). None when RE2
    cannot compile them."""
    try:
        return re2.compile("|".join(f"(?:{form})" for form in forms).encode("latin-1"),
                           _re2_options(memory))
    except (re2.error, UnicodeEncodeError):
        return None


def lead_in(firsts: Iterable[frozenset[str] | None]) -> str:
    """A look-ahead for the characters a match can begin with (the union of ``firsts``),
    or "" when one is unknown. ``re`` tries a pattern that begins with ``\\b`` at every
    place of a text; behind this look-ahead it passes over the other places about three
    times faster, and finds the same matches."""
    found: set[str] = set()
    for chars in firsts:
        if chars is None:
            return ""
        found |= chars
    return f"(?=[{''.join(re.escape(c) for c in sorted(found))}])" if found else ""


def _starts_with_boundary(items: Sequence[Any]) -> bool:
    return bool(items) and items[0][0] is sre.AT and items[0][1] is sre.AT_BOUNDARY


def read_alternatives(source: str, flags: int, parts: int, *, boundaries: bool = True
                      ) -> tuple[Any, list[str | None] | None, list[frozenset[str] | None] | None,
                                 str]:
    """``source`` (``parts`` alternatives joined as ``(?:a)|(?:b)|…``) parsed, and from
    that one parse: each alternative's RE2 form (None where it has none, as
    :func:`to_re2`); where some alternative begins with ``\\b``, the characters each
    can begin with (:func:`first_characters`); and the :func:`lead_in` the whole pattern
    is compiled behind ("" for none). A concept rule's pattern runs to tens of
    kilobytes, and parsing is the biggest part of loading the rules. The forms and the
    characters are None when the parse does not show the alternatives one by one (it
    takes out a beginning they share)."""
    tree = parse(source, flags)
    data, forms, firsts, lead = tree.data, None, None, ""
    if flags & _NARROW_WORDS:
        alternatives = None
    elif parts == 1:
        alternatives = [data]
    elif len(data) == 1 and data[0][0] is sre.BRANCH and len(data[0][1][1]) == parts:
        alternatives = [alternative.data for alternative in data[0][1][1]]
    else:
        alternatives = None
    if alternatives is not None:
        forms = []
        for alternative in alternatives:
            try:
                forms.append(_render(alternative, int(tree.state.flags), boundaries))
            except (Untranslatable, RecursionError):
                forms.append(None)
    if alternatives is not None and any(_starts_with_boundary(a) for a in alternatives):
        firsts = [first_characters(alternative) for alternative in alternatives]
        lead = lead_in(firsts) if not int(tree.state.flags) & ~(flags | re.UNICODE) else ""
    return tree, forms, firsts, lead


def compile_read(tree: Any, source: str, flags: int, lead: str) -> re.Pattern[str]:
    """``source`` compiled for Python's ``re`` behind its ``lead``: from ``tree``, the
    parse :func:`read_alternatives` made, where there is no lead and the parse is at
    hand (None: it was not kept)."""
    if lead:
        return re.compile(f"{lead}(?:{source})", flags)
    return compile_parsed(tree, flags) if tree is not None else re.compile(source, flags)


#: The entry of the patterns no pass can rule out (those RE2 cannot express).
ALWAYS = -1


class Prefilter:
    """Patterns, and which of them can match a text.

    ``patterns`` are ``(source, flags, boundaries)``: ``boundaries=False`` for a pattern
    also searched in stretches of a text, where ``\\b`` at a stretch's end reads as the
    end of the text. Patterns with the same RE2 form share an *entry*: :attr:`entries`
    gives each pattern's, and :meth:`live` the entries that may match a text.
    """

    def __init__(self, patterns: Sequence[tuple[str, int, bool]], *,
                 memory: int = FORM_MEMORY,
                 forms: Mapping[tuple[str, int, bool], str | None] | None = None) -> None:
        self._filter: re2.Filter | None = re2.Filter()
        options = _re2_options(memory)
        sources: dict[str, int] = {}
        self.entries: list[int] = []
        known = forms or {}  # RE2 forms worked out already (see read_alternatives)
        for source, flags, boundaries in patterns:
            try:
                form = (known.get((source, flags, boundaries))
                        or to_re2(source, flags, boundaries=boundaries))
                if form not in sources:
                    sources[form] = self._filter.Add(form, options)
                self.entries.append(sources[form])
            except (Untranslatable, re2.error, RecursionError) as exc:
                # A form RE2 refuses (too big for ``memory``, or over its limits) is
                # run on every draft: slower, never wrong.
                log.debug("always running %r: %s", source, exc)
                self.entries.append(ALWAYS)
        try:
            if not sources:  # RE2 filters nothing: every pattern is run
                raise re2.error("no pattern has an RE2 form")
            self._filter.Compile()
        except re2.error as exc:
            log.debug("every pattern is run on every draft: %s", exc)
            self._filter = None
        self._everything = frozenset({ALWAYS, *self.entries})

    def live(self, text: str) -> frozenset[int]:
        """The entries that may match ``text`` (:data:`ALWAYS` among them)."""
        if self._filter is None:
            return self._everything
        return frozenset((ALWAYS, *(self._filter.Match(stand_in_text(text)) or ())))

    def which(self, text: str) -> list[int]:
        """The positions, in order, of the patterns that may match ``text``."""
        found = self.live(text)
        return [index for index, entry in enumerate(self.entries) if entry in found]
