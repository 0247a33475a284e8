"""Text normalisation that remembers where every character came from.

Drafts arrive with HTML entities, zero-width characters, look-alike letters and
Discord markdown. Rules run on a cleaned-up copy; every span they report is mapped
back to the text *as the user wrote it*, so a finding always quotes the user's words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, AnyStr, Generic, NamedTuple, TypeVar

# Letters from other scripts that render like Latin ones; spammers use them to dodge
# filters ("fоllоw" with Cyrillic o). Typographic punctuation is folded to ASCII so
# rules can be written with plain quotes and dashes.
_LOOKALIKES = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ⅼ": "l", "ո": "n", "ս": "u",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "ο": "o", "α": "a", "ν": "v", "ι": "i", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z",
    "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T",
    "Υ": "Y", "Χ": "X",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"',
    "‟": '"', "″": '"', "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
    "\u00a0": " ", "\u2028": "\n", "\u2029": "\n",
}
_INVISIBLE = frozenset("\u200b\u200c\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad")

# One pass over the draft finds everything that needs rewriting; the text between
# matches is copied unchanged (the common case, and the fast one).
_SPECIAL = re.compile(
    r"""
    (?P<entity>&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)
  | (?P<br><br\s*/?>)
  | (?P<tag></?(?:a|b|i|u|em|strong|p|div|span|font|s)(?:\s[^<>]{0,500})?>)
  | (?P<marker>\*\*|__|~~|\|\|)
  | (?P<star>(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*]))
  | (?P<heading>^(?:\#{1,3}|>{1,3}|-\#)[ ](?=\S))
  | (?P<nonascii>[^\x00-\x7f])
    """,
    re.VERBOSE | re.MULTILINE | re.IGNORECASE,
)

_URL = re.compile(
    r"""(?:https?://|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]}]
      | \b(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|ly|me|tv|gl|be|us|uk|info|biz|app|dev|gg)
        (?:/[^\s<>"']*[^\s<>"'.,;:!?)\]}])?(?![\w.])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_DISCORD_MENTION = re.compile(r"<(?:@[!&]?|#)\d{5,25}>|@everyone\b|@here\b")
_AT_ALL = ("@everyone", "@here")
_MENTION = re.compile(r"(?<![\w@/.])@[A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+\.[a-z]{2,})?")
_HASHTAG = re.compile(r"(?<![\w#&/])#(?!\d+\b)\w+")
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.DOTALL)
_NUMBER = re.compile(r"(?<![\w.])[$€£¥]?\d[\d,.]*%?(?:[kKmM]\b)?")
# A run of end marks (and closing quotes) before a space or the end, or a run of line
# breaks: r"[.!?…]+[\"')\]]*(?=\s|$)|\n+", written to begin with one of a few
# characters, so that it is tried only where those are (tests/test_text.py checks that
# the two find the same spans).
_SENTENCE_END = re.compile(r"[.!?…\n](?:(?<=\n)\n*|(?<!\n)[.!?…]*[\"')\]]*(?=\s|$))")
#: What a sentence end is made of: after any other character, no end runs on, so the
#: ends after it are found by searching from there.
_SENTENCE_END_PARTS = frozenset(".!?…\"')]\n")
#: How far before and after a place :meth:`Document.sentence_around` first reads.
_SENTENCE_REACH = 300
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_WORD_PART = re.compile(r"[\w'-]")
# What each pattern's matches can begin with: the full pattern is tried only where one
# of them is, which is most of the cost on a long draft that needs no rewriting.
# _SPECIAL: one of these, one of _HEADING_STARTS at the start of a line, or a character
# outside ASCII. Each is looked for by its first character: ``in`` and ``find`` read a
# text for one character with memchr, many times faster than for two, or for any of several.
_SPECIAL_STARTS = ("&", "<", "*", "__", "~~", "||")
_HEADING_STARTS = ("#", ">", "-")  # a tuple: "" is not in it
_HEADING_AFTER_BREAK = re.compile(r"\n[#>-]")
_SENTENCE_END_STARTS = ".!?\u2026\n"
#: Up to this many places of a literal are found with ``find`` (see few_places).
_FEW_PLACES = 12
# re finds one character several times faster than any of a class of them.
_CHARACTER = {char: re.compile(re.escape(char)) for char in _SENTENCE_END_STARTS}
# Every URL holds a "://", or a "." with more after it, and no white space: only the
# runs of non-space characters around those are searched for one.
_DOT_BEFORE_MORE = re.compile(r"\.(?=\S)")  # a "." ending a sentence is no hint
_NON_SPACE_RUN = re.compile(r"\S*")

_Value = TypeVar("_Value")


class _computed_once(Generic[_Value]):
    """``functools.cached_property`` without its lock: Python 3.11 takes one on every
    first read, which a draft's dozen of them pay for, and a document is read by one
    thread at a time."""

    def __init__(self, compute: Callable[[Any], _Value]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> _Value:
        if instance is None:
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


class Token(NamedTuple):  # a tuple: a draft makes many, and a tuple is made in C
    kind: str  # "url", "mention", "hashtag", "code"
    start: int
    end: int
    text: str


#: ``Token`` from a tuple of its fields, without the named tuple's ``__new__`` in Python.
_token_from_fields = partial(tuple.__new__, Token)


class _Segment(NamedTuple):
    norm_start: int
    orig_start: int
    orig_end: int
    #: True when the normalised characters equal the original ones one for one.
    identity: bool


def _positions_of(chars: str, text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Where any of ``chars`` (each in :data:`_CHARACTER`) is in ``text[start:end]``, in
    order."""
    end = len(text) if end is None else end
    found: list[int] = []
    for char in chars:
        if char in text:
            found += [m.start() for m in _CHARACTER[char].finditer(text, start, end)]
    found.sort()
    return found


def few_places(text: AnyStr, literal: AnyStr, most: int = _FEW_PLACES) -> list[int] | None:
    """Every place ``literal`` begins in ``text``, overlapping ones too; None when there
    are more than ``most``. ``find`` reads a text several times faster than ``re``
    searches it (one character: with memchr), but each call costs more than ``re``
    spends on a match."""
    found: list[int] = []
    find = text.find
    at = find(literal)
    while at >= 0:
        if len(found) == most:
            return None
        found.append(at)
        at = find(literal, at + 1)
    return found


def find_all(text: AnyStr, needle: AnyStr) -> list[int]:
    """Every place ``needle`` begins in ``text``, overlapping ones too (for needles that
    are rare, as :func:`few_places`)."""
    found = few_places(text, needle, most=len(text) + 1)
    assert found is not None  # a text holds no more places than characters
    return found


def matches_at(candidates: Iterable[int], pattern: re.Pattern[str],
                text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose (never empty) matches can only
    begin at ``candidates`` (in order): only those positions are tried."""
    end = 0
    for candidate in candidates:
        if candidate >= end and (match := pattern.match(text, candidate)):
            yield match
            end = match.end()


def _special_matches(text: str) -> Iterator[re.Match[str]]:
    """``_SPECIAL.finditer(text)``, but for most of the characters outside ASCII that
    normalise to themselves ("é" stays "é"), where a match would change nothing."""
    if text.isascii():
        found = _places_of(_SPECIAL_STARTS, text)
    elif _is_latin1(text):
        found = _places_of(_LATIN1_SPECIAL_STARTS, text)
    else:
        # Too many characters may change to look for each: a table turns every character
        # into a 0 or a 1 in C (each outside Latin-1 encodes as a marked "?"), and
        # bytes.find finds the 1s.
        marks = text.encode("latin-1", "replace").translate(_WIDE_SPECIAL_MARKS)
        found = find_all(marks, b"\x01")
    if text[:1] in _HEADING_STARTS:
        found.append(0)
    if "\n" in text:
        breaks = few_places(text, "\n")
        if breaks is None:
            found += [m.start() + 1 for m in _HEADING_AFTER_BREAK.finditer(text)]
        else:
            found += [at + 1 for at in breaks if text[at + 1:at + 2] in _HEADING_STARTS]
    found.sort()
    return matches_at(found, _SPECIAL, text)


def _is_latin1(text: str) -> bool:
    """Whether every character of ``text`` is below U+0100: a copy in C, without the
    exception that a strict encoding raises for a text that is not."""
    return len(text.encode("latin-1", "ignore")) == len(text)


def _places_of(literals: Iterable[str], text: str) -> list[int]:
    """Where each of ``literals``, all of them rare, begins in ``text`` (unsorted)."""
    return [at for literal in literals if literal[0] in text
            for at in find_all(text, literal[0]) if text.startswith(literal, at)]


def _sentence_ends(prose: str, start: int = 0, end: int | None = None
                   ) -> Iterator[re.Match[str]]:
    """``_SENTENCE_END.finditer(prose)``, the matches that begin in ``[start, end)``;
    exactly those when ``start`` is 0 or a place no match runs across (see
    :data:`_SENTENCE_END_PARTS`)."""
    return matches_at(_positions_of(_SENTENCE_END_STARTS, prose, start, end),
                       _SENTENCE_END, prose)


def _urls(text: str) -> Iterator[re.Match[str]]:
    """``_URL.finditer(text)``, searching only the runs of non-space characters that
    hold a "://" or a "." (its lookahead past the run sees a space or the end: both
    pass)."""
    hints = find_all(text, "://") + [m.start() for m in _DOT_BEFORE_MORE.finditer(text)]
    hints.sort()
    backwards = ""
    end = -1
    for middle in hints:
        if middle <= end:
            continue  # in the run just searched
        # The run begins after the last space or line break before the hint, unless some
        # other white space comes later: then it is read backwards to find where.
        start = max(text.rfind(" ", 0, middle), text.rfind("\n", 0, middle)) + 1
        end = _NON_SPACE_RUN.match(text, start).end()
        if end < middle:
            backwards = backwards or text[::-1]
            start = len(text) - _NON_SPACE_RUN.match(backwards, len(text) - middle).end()
            end = _NON_SPACE_RUN.match(text, middle).end()
        yield from _URL.finditer(text, start, end)


def _tokens_of_kind(text: str) -> Iterator[tuple[str, Iterable[re.Match[str]]]]:
    """Each kind's matches, skipping the patterns whose first character is absent."""
    if "`" in text:
        yield "code", _CODE.finditer(text)
    yield "url", _urls(text)
    at_signs = find_all(text, "@")
    # Discord's mentions begin with "<", "@everyone" or "@here".
    starts = find_all(text, "<") + [at for at in at_signs if text.startswith(_AT_ALL, at)]
    if starts:
        yield "mention", matches_at(sorted(starts), _DISCORD_MENTION, text)
    if at_signs:
        yield "mention", matches_at(at_signs, _MENTION, text)
    hash_signs = find_all(text, "#")
    if hash_signs:
        yield "hashtag", matches_at(hash_signs, _HASHTAG, text)


def _fold_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    mapped = _LOOKALIKES.get(ch)
    if mapped is not None:
        return mapped
    if ch.isascii() or unicodedata.is_normalized("NFKC", ch):
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    # NFKC turns fancy "𝐅𝐨𝐥𝐥𝐨𝐰" into plain letters; it also decomposes a few symbols
    # into several characters, which is fine for matching.
    return folded


#: Where a match of _SPECIAL that changes a text of Latin-1 characters can begin
#: (headings aside): the characters outside ASCII here normalise to something else.
_LATIN1_SPECIAL_STARTS = _SPECIAL_STARTS + tuple(
    chr(code) for code in range(0x80, 0x100) if _fold_char(chr(code)) != chr(code))
#: A ``bytes.translate`` table that marks (as 1) their first characters in a text encoded
#: to Latin-1, and "?", which stands for each character outside Latin-1.
_WIDE_SPECIAL_MARKS = bytes(int(any(chr(code) == s[0] for s in _LATIN1_SPECIAL_STARTS)
                                or chr(code) == "?") for code in range(256))


class Document:
    """A draft, its normalised text, and the map between the two."""

    __slots__ = ("__dict__", "_as_written", "_norm_starts", "_segments", "original", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        pieces: list[str] = []
        segments: list[_Segment] = []
        norm_len = 0
        pos = 0

        def emit(orig_start: int, orig_end: int, out: str) -> None:
            nonlocal norm_len
            identity = out == original[orig_start:orig_end]
            last = segments[-1] if segments else None
            if (identity and last is not None and last.identity
                    and last.orig_end == orig_start):
                segments[-1] = _Segment(last.norm_start, last.orig_start, orig_end, True)
            else:
                segments.append(_Segment(norm_len, orig_start, orig_end, identity))
            pieces.append(out)
            norm_len += len(out)

        for match in _special_matches(original):
            start, end = match.span()
            if start > pos:
                emit(pos, start, original[pos:start])
            kind = match.lastgroup
            raw = match.group()
            if kind == "entity":
                decoded = html.unescape(raw)
                out = "".join(_fold_char(c) for c in decoded) if decoded != raw else raw
            elif kind == "br":
                out = "\n"
            elif kind == "nonascii":
                out = _fold_char(raw)
            else:  # markup that carries no words
                out = ""
            emit(start, end, out)
            pos = end
        if pos < len(original):
            emit(pos, len(original), original[pos:])

        self.text = "".join(pieces)
        self._segments = segments
        self._norm_starts = [s.norm_start for s in segments]
        #: Nothing needed normalising (most drafts): every span maps to itself.
        self._as_written = self.text == original

    # -- mapping back to what the user wrote ------------------------------------

    def _segment_at(self, pos: int) -> _Segment:
        return self._segments[bisect_right(self._norm_starts, pos) - 1]

    def _orig_start(self, pos: int) -> int:
        if pos >= len(self.text):
            return len(self.original)
        seg = self._segment_at(pos)
        return seg.orig_start + (pos - seg.norm_start) if seg.identity else seg.orig_start

    def _orig_end(self, last: int) -> int:
        seg = self._segment_at(last)
        return seg.orig_start + (last - seg.norm_start) + 1 if seg.identity else seg.orig_end

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of :attr:`text` to the same words in :attr:`original`."""
        if self._as_written:
            return (start, max(start, end))
        if not self._segments:
            return (0, 0)
        if end <= start:
            point = self._orig_start(start)
            return (point, point)
        return (self._orig_start(start), self._orig_end(end - 1))

    # -- what the rules look at ---------------------------------------------------

    @_computed_once
    def tokens(self) -> tuple[Token, ...]:
        """URLs, mentions, hashtags and code, in order, without overlaps."""
        found: list[Token] = []
        # Kinds come in order of precedence (a "#frag" inside a link is no hashtag);
        # the spans kept so far are disjoint, so only the one starting last before a
        # candidate's end can overlap it.
        starts: list[int] = []
        ends: list[int] = []
        for kind, matches in _tokens_of_kind(self.text):
            for m in matches:
                s, e = m.span()
                index = bisect_left(starts, e)
                if index and ends[index - 1] > s:
                    continue
                starts.insert(index, s)
                ends.insert(index, e)
                found.append(_token_from_fields((kind, s, e, m.group())))
        found.sort(key=lambda t: t.start)
        return tuple(found)

    def tokens_of(self, kind: str) -> list[Token]:
        return [t for t in self.tokens if t.kind == kind]

    @_computed_once
    def prose(self) -> str:
        """The text with URLs, mentions and code blanked out (same length, same offsets).

        Phrase rules match here, so "subscribe" inside a link or "@LikeForLike" as a
        handle is not mistaken for the writer's own words.
        """
        return self._blanked(self.text)

    def _blanked(self, text: str) -> str:
        """``text`` (the text, or a form of it of the same length) with the tokens that
        are not the writer's own words turned into spaces."""
        spans = self._blanked_spans
        if not spans:
            return text
        pieces = []
        pos = 0
        for start, end in spans:  # sorted and without overlaps
            pieces.append(text[pos:start])
            pieces.append(" " * (end - start))
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)

    @_computed_once
    def _blanked_spans(self) -> list[tuple[int, int]]:
        return [(t.start, t.end) for t in self.tokens if t.kind != "hashtag"]

    @_computed_once
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """Spans of sentences in :attr:`text`, trimmed of surrounding white space."""
        return tuple(span for span, _ in self._sentences_between(0, len(self.text)))

    def _sentences_between(self, start: int, end: int
                           ) -> Iterator[tuple[tuple[int, int], bool]]:
        """The sentences of ``text[start:end]``, each with whether it is whole: the first
        may have begun before ``start`` (unless that is 0), the last may go on after
        ``end``. ``start`` must be 0 or follow a character no sentence end is made of."""
        text = self.text
        whole = start == 0
        # Boundaries come from the prose (a dot inside a link ends nothing); trimming
        # uses the text, so a sentence keeps the link at its end.
        for m in _sentence_ends(self.prose, start, end):
            stop = m.start() if m.group().startswith("\n") else m.end()
            if span := _trimmed(text, start, stop):
                yield span, whole
            start, whole = m.end(), True
        if span := _trimmed(text, start, end):
            yield span, whole and end == len(text)

    def sentence_around(self, start: int, end: int) -> tuple[int, int]:
        sentences = self.__dict__.get("sentences") or self._sentences_near(start)
        if sentences is None:
            sentences = self.sentences
        # Sentences are sorted and disjoint: only the last one starting at or before
        # ``start`` can hold it, and only the one before can end right there (checked
        # first, as a walk through them in order would).
        index = bisect_right(sentences, (start, len(self.text) + 1)) - 1
        for s, e in sentences[max(index - 1, 0):index + 1]:
            if s <= start < e or (start == end == e):
                return (s, max(e, end))
        return (start, end)

    def _sentences_near(self, pos: int) -> tuple[tuple[int, int], ...] | None:
        """The two sentences :meth:`sentence_around` looks at for ``pos``, read from the
        text around it only; None when that stretch does not tell them apart for sure.

        A hit in a long draft then costs a few sentences, not all of them."""
        start = self._sentence_safe_start(pos - _SENTENCE_REACH)
        end = min(len(self.prose), pos + _SENTENCE_REACH)
        near: list[tuple[tuple[int, int], bool]] = []
        for span, whole in self._sentences_between(start, end):
            if span[0] > pos:
                break
            near = [*near[-1:], (span, whole)]
        if not near:
            return () if start == 0 else None
        if not near[-1][1]:
            return None  # it may have begun before the stretch, or go on after it
        # One begun before the stretch is never the one to return: it ends before the
        # next one starts, so before ``pos``.
        return tuple(span for span, _ in near)

    def _sentence_safe_start(self, pos: int) -> int:
        """The nearest place at or before ``pos`` that no sentence end runs across."""
        prose = self.prose
        start = max(0, pos)
        while start > 0 and prose[start - 1] in _SENTENCE_END_PARTS:
            start -= 1
        return start

    def sentences_from_end(self) -> Iterator[tuple[int, int]]:
        """:attr:`sentences`, the last first. A long draft's last few are read from its
        end only: what comes after the last question is usually all a rule needs."""
        end = len(self.text)
        if "sentences" in self.__dict__ or end <= 2 * _SENTENCE_REACH:
            yield from reversed(self.sentences)
            return
        start = self._sentence_safe_start(end - _SENTENCE_REACH)
        # Only the first may have begun before the stretch.
        near = [span for span, whole in self._sentences_between(start, end) if whole]
        yield from reversed(near)
        earliest = near[0][0] if near else end
        for span in reversed(self.sentences):
            if span[0] < earliest:
                yield span

    @_computed_once
    def nfc(self) -> str:
        """:attr:`original` in NFC (see :func:`nfc`)."""
        return nfc(self.original)

    @_computed_once
    def words(self) -> tuple[tuple[int, int], ...]:
        """Spans of the writer's own words: hashtags, links and mentions excluded."""
        spans = [m.span() for m in _WORD.finditer(self.prose)]
        hashtags = self._hashtag_spans
        if not hashtags:
            return tuple(spans)
        # Both are sorted: cut out the words that start inside each hashtag.
        starts = [start for start, _ in spans]
        kept: list[tuple[int, int]] = []
        pos = 0
        for tag_start, tag_end in hashtags:
            first = bisect_left(starts, tag_start)
            kept += spans[pos:first]
            pos = max(pos, bisect_left(starts, tag_end))
        kept += spans[pos:]
        return tuple(kept)

    def has_words(self, count: int) -> bool:
        """Whether :attr:`words` holds at least ``count`` words, read only as far as that."""
        if "words" in self.__dict__ or count <= 0:
            return len(self.words) >= count
        prose = self.prose
        end = 0
        reach = 8 * count  # most words are shorter than eight characters
        while end < len(prose):
            end = min(len(prose), end + reach)
            # findall counts in C; no word runs across a hashtag's "#" or across ``end``
            # into a count that matters (a word cut there still starts before it).
            found = len(_WORD.findall(prose, 0, end)) - sum(
                len(_WORD.findall(prose, start, min(stop, end)))
                for start, stop in self._hashtag_spans if start < end)
            if found >= count:
                return True
            reach *= 4
        return False

    def has_words_between(self, start: int, end: int) -> bool:
        """Whether any of :attr:`words` starts inside ``[start, end)``."""
        if start > 0 and _WORD_PART.match(self.prose, start - 1):
            # A word may run on into ``start``: only the whole list tells where one begins.
            starts = self._word_starts
            return bisect_left(starts, end) > bisect_left(starts, start)
        return any(not self._in_hashtag(m.start())
                   for m in _WORD.finditer(self.prose, start, end))

    def _in_hashtag(self, pos: int) -> bool:
        spans = self._hashtag_spans
        index = bisect_right(spans, (pos, len(self.text) + 1)) - 1
        return index >= 0 and spans[index][0] <= pos < spans[index][1]

    @_computed_once
    def _hashtag_spans(self) -> list[tuple[int, int]]:
        return [(t.start, t.end) for t in self.tokens_of("hashtag")]

    @_computed_once
    def _word_starts(self) -> list[int]:
        return [s for s, _ in self.words]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``[start, end)`` without white space at either end; None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def protected_tokens(text: str) -> set[str]:
    """URLs, @mentions and numbers in a text: what a rewrite must keep.

    Compared after normalisation, so a rewrite that merely drops markdown or fixes a
    look-alike letter still keeps them.
    """
    doc = Document(text)
    kept = {t.text.rstrip("/").lower() for t in doc.tokens if t.kind in ("url", "mention")}
    kept.update(m.group().rstrip(".,").lower() for m in _NUMBER.finditer(doc.prose))
    return kept


def nfc(text: str) -> str:
    """``text`` in NFC, the form platforms count in: "e" and a combining accent are one
    character, "é"."""
    # Nothing below U+0100 composes or changes under NFC; telling so is many times
    # quicker than normalising.
    if text.isascii() or _is_latin1(text):
        return text
    return unicodedata.normalize("NFC", text)


def lost_tokens(draft: str, rewrite: str) -> set[str]:
    """Which of the draft's URLs, mentions and numbers the rewrite dropped."""
    return protected_tokens(draft) - protected_tokens(rewrite)
