"""Text normalisation that remembers where every character came from.

Drafts arrive with HTML entities, zero-width characters, look-alike letters and
Discord markdown. Rules run on a cleaned-up copy; every span they report is mapped
back to the text *as the user wrote it*, so a finding always quotes the user's words.

Every pattern here runs in time linear in the draft's length, whatever the draft:
each can begin only where no earlier attempt could have read on through (a look-behind
at its start), and repeats that cannot give back what they took are possessive.
bench/bench_rules.py times each against drafts built to defeat it.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterator, Sequence
from functools import cached_property, lru_cache
from itertools import islice
from typing import NamedTuple

from bot.fold import Folded, fold, outermost

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

# Markup that carries no words, and entities. Each alternative begins with a literal
# character, so ``re`` jumps from one of those to the next in C. A heading marker counts
# at the start of a line: after a line break here (the break itself is kept), or at the
# start of the draft (_HEADING_AT_START).
_MARKUP = re.compile(
    r"""
    &(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});
  | <br\s*+/?>
  | </?(?:a|b|i|u|em|strong|p|div|span|font|s)(?:\s[^<>]{0,500})?>
  | \*\* | __ | ~~ | \|\|
  | \*(?:(?<![\w*]\*)(?=[^\s*])|(?<=[^\s*]\*)(?![\w*]))
  | \n(?:\#{1,3}|>{1,3}|-\#)[ ](?=\S)
    """,
    re.VERBOSE | re.IGNORECASE,
)
#: Words in double quotes on one line: a quotation (curly quotes are straight by then).
_QUOTATION = re.compile(r'"[^"\n]{1,200}"')
_HEADING_AT_START = re.compile(r"(?:\#{1,3}|>{1,3}|-\#)[ ](?=\S)")
# The note a teammate puts before a draft reply, saying what it answers: "[re: 'is the
# shop open on Sunday?'] Yes, 10 till 4", "[re: Bev's post about her knee] …". A note
# that opens with a quote closes at the first closing mark followed by "]" (the message
# may hold apostrophes and brackets); any other, at the first "]" on its line.
_REPLY_NOTE = re.compile(r"\s*\[re:\s*(['\"\u2018\u201c]?)", re.IGNORECASE)
_CLOSING_QUOTE = {"'": "'", '"': '"', "\u2018": "\u2019", "\u201c": "\u201d", "": ""}
_SPACES = re.compile(r"\s*")
#: Mentions that ping everyone in a group or a server, not the one a reply answers.
_PINGS_TO_ALL = frozenset({"@everyone", "@here", "@channel", "@all"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

# The top-level domains a bare domain name ends in: the generic ones posts use and the
# country codes of the places and languages the coach reads ("keanetax.ie",
# "seguidores.com.br"). A few are words ("in", "it", "no", "so", "to"): "done.it", a
# missing space, is rare next to the links they find.
_TLDS = "|".join((
    "com|net|org|io|co|ly|me|tv|gl|be|us|uk|info|biz|app|dev|gg",
    "ai|blog|link|news|online|page|shop|site|store|tech|xyz",
    "at|au|br|ca|ch|cl|de|dk|es|eu|fi|fr|gh|hk|ie|in|is|it|jp|ke|kr|mx|ng|nl|no|nz|ph|pl",
    "pt|se|sg|so|to|ug|za",
))
# A web address, or a domain name: tried only where a run of labels starts (not after a
# label's letter or "label."), so "a.a.a.…" is read once, not once per label; nor after
# "@", where it is a handle's server ("@ana@fosstodon.org") or an email's domain.
_URL = re.compile(
    rf"""(?:https?://|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]}}]
      | (?<![a-z0-9-@])(?<![a-z0-9-]\.)-*+\b(?P<domain>(?:[a-z0-9-]++\.)+(?:{_TLDS})
        (?:/[^\s<>"']*[^\s<>"'.,;:!?)\]}}])?(?!\w|\.\w))
    """,
    re.VERBOSE | re.IGNORECASE,
)
DISCORD_MENTION = re.compile(r"<(?:@[!&]?|#)\d{5,25}>|@everyone\b|@here\b")
#: A handle: "@name", a dotted one ("@the.minimal.desk", a Bluesky "@name.bsky.social") or
#: a Mastodon one with its server ("@name@fosstodon.org"); a point that ends a sentence
#: ("thanks @ana.") is not part of it.
# Look-behinds come after the first character: a pattern that begins with a literal is
# searched for in C, from one "@" (or "#") to the next.
_MENTION = re.compile(r"@(?<![\w@/.]@)[A-Za-z0-9_]{1,30}(?:\.[A-Za-z0-9_-]+)*"
                      r"(?:@[A-Za-z0-9.-]+\.[a-z]{2,})?")
_HASHTAG = re.compile(r"#(?<![\w#&/]#)(?!\d++\b)\w+")
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.DOTALL)
#: What a text must hold for a token of each kind to be in it, as a pattern: the tokeniser
#: looks for a kind only where its mark is, and a rule that counts a kind can be skipped
#: without it. Every URL holds a "://", or a "." with more after it, in a run of non-space
#: characters: _URL, which begins with no literal to search for, is run over those runs.
TOKEN_MARKS = {"url": r"\.\S|://", "mention": "[@<]", "hashtag": "#"}
_URL_HINT, _MENTION_MARK, _HASHTAG_MARK = (
    re.compile(TOKEN_MARKS[kind]) for kind in ("url", "mention", "hashtag"))
_LAST_SPACE = re.compile(r"\s(?=\S*+\Z)")
_NON_SPACE_RUN = re.compile(r"\S*+")
_NUMBER = re.compile(r"(?<![\w.])[$€£¥]?\d[\d,.]*+%?(?:[kKmM]\b)?")
# A run of end marks (and closing quotes) before a space or the end, or a run of line
# breaks: r"[.!?…]+[\"')\]]*(?=\s|$)|\n+", begun only where a run begins. The dot
# closing an initialism ("U.S.", "e.g.") ends no sentence. Every branch begins with its
# mark, the look-behinds after it, so re jumps from one mark to the next in C.
_SENTENCE_END = re.compile(
    r"(?:\n|[.!?…](?<!\b[^\W\d_]\.[^\W\d_][.!?…]))"
    r"(?:(?<=\n)\n*|(?<![.!?…][.!?…])(?<!\n)[.!?…]*+[\"')\]]*+(?=\s|$))")
_WORD = re.compile(r"[^\W\d_][\w'-]*+")
#: How many of a draft's last characters are read first for its closing sentence: a
#: couple of sentences and a row of hashtags.
_CLOSING_READ = 160
_WORD_PART = re.compile(r"[\w'-]")
#: For counting the words of ASCII text (see :attr:`Document.word_count`): the characters
#: a word holds besides letters, and a table that makes each letter "a" and each other
#: character a space.
_WORD_INNER = b"0123456789_'-"
_WORD_RUNS = bytes(ord("a") if chr(code).isascii() and chr(code).isalpha() else ord(" ")
                   for code in range(256))
_LETTER = re.compile(r"[^\W\d_]")


class Token(NamedTuple):
    kind: str  # "url", "mention", "hashtag", "code"
    start: int
    end: int
    text: str


class _Segment(NamedTuple):
    norm_start: int
    orig_start: int
    orig_end: int
    #: True when the normalised characters equal the original ones one for one.
    identity: bool


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    mapped = _LOOKALIKES.get(ch)
    if mapped is not None:
        return mapped
    if ch.isascii() or unicodedata.is_normalized("NFKC", ch):
        return ch
    # NFKC turns fancy "𝐅𝐨𝐥𝐥𝐨𝐰" into plain letters; it also decomposes a few symbols
    # into several characters, which is fine for matching.
    return unicodedata.normalize("NFKC", ch)


def reply_note(original: str) -> tuple[int, str] | None:
    """For a draft that opens with a reply note (see ``_REPLY_NOTE``): where the post
    itself begins, and what the note says it answers. None for any other draft."""
    opening = _REPLY_NOTE.match(original)
    if opening is None:
        return None
    closing = _CLOSING_QUOTE[opening.group(1)] + "]"
    close = original.find(closing, opening.end())
    if close < 0:
        return None
    answered = original[opening.end():close].strip()
    if not answered or (not opening.group(1) and "\n" in answered):
        return None
    return _SPACES.match(original, close + len(closing)).end(), answered


def _edits(original: str, post_start: int = 0) -> list[tuple[int, int, str]]:
    """What normalising changes: ``(start, end, replacement)``, in order, disjoint. A
    reply note (text before ``post_start``) goes whole."""
    found: list[tuple[int, int, str]] = [(0, post_start, "")] if post_start else []
    heading = _HEADING_AT_START.match(original, post_start)
    if heading:
        found.append((post_start, heading.end(), ""))
    for m in _MARKUP.finditer(original, heading.end() if heading else post_start):
        start, end = m.span()
        raw = m.group()
        if raw[0] == "&":
            decoded = html.unescape(raw)
            if decoded == raw:
                continue  # not an entity after all
            out = "".join(map(_fold_char, decoded))
        elif raw[:3].lower() == "<br":
            out = "\n"
        else:  # markup that carries no words; a heading keeps its line break
            start += raw[0] == "\n"
            out = ""
        found.append((start, end, out))
    if not original.isascii():
        for m in _NON_ASCII.finditer(original):
            run = m.group()
            if "".join(map(_fold_char, run)) == run:
                continue
            found += [(m.start() + offset, m.start() + offset + 1, _fold_char(char))
                      for offset, char in enumerate(run) if _fold_char(char) != char]
        found.sort()
    # Markup may hold characters outside ASCII (a tag's attributes): it goes whole.
    return outermost(found)


def link_runs(text: str) -> Iterator[tuple[int, int]]:
    """The runs of non-space characters that may hold a link (a "://", or a "." with
    more after it), in order, each once: a pattern for links need only be searched
    there (the runs are disjoint, so this reads the text once)."""
    end = 0
    for hint in _URL_HINT.finditer(text):
        if hint.start() < end:
            continue  # in the run just found
        space = _LAST_SPACE.search(text, end, hint.start())
        start = space.end() if space else end
        end = _NON_SPACE_RUN.match(text, hint.start()).end()
        yield start, end


def _urls(text: str) -> Iterator[re.Match[str]]:
    """``_URL.finditer(text)``, which begins with no literal to search for, run over
    :func:`link_runs` alone."""
    for start, end in link_runs(text):
        yield from _URL.finditer(text, start, end)


def _matches_of_kind(text: str) -> Iterator[tuple[str, Iterator[re.Match[str]]]]:
    """Each kind's matches, in order of precedence: a "#frag" inside a link is no hashtag."""
    if "`" in text:
        yield "code", _CODE.finditer(text)
    yield "url", _urls(text)
    if _MENTION_MARK.search(text):
        yield "mention", DISCORD_MENTION.finditer(text)
        yield "mention", _MENTION.finditer(text)
    if _HASHTAG_MARK.search(text):
        yield "hashtag", _HASHTAG.finditer(text)


def _disjoint_tokens(text: str) -> list[Token]:
    """Every kind's tokens, in order; one that overlaps a token of an earlier kind goes."""
    kept: list[Token] = []
    for kind, matches in _matches_of_kind(text):
        found = [Token(kind, *m.span(m.lastgroup or 0), m.group(m.lastgroup or 0))
                 for m in matches]
        if not found:
            continue
        # Both lists are sorted and disjoint: one walk finds the overlaps.
        fresh, index = [], 0
        for token in found:
            while index < len(kept) and kept[index].end <= token.start:
                index += 1
            if index == len(kept) or kept[index].start >= token.end:
                fresh.append(token)
        kept = sorted(kept + fresh, key=lambda t: t.start)
    return kept


def _last_starting_by(spans: Sequence[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """Of sorted, disjoint ``spans``, the last that starts at or before ``pos``."""
    index = bisect_right(spans, (pos, math.inf)) - 1
    return spans[index] if index >= 0 else None


class Document:
    """A draft, its normalised text, and the map between the two.

    A draft reply may open with a note quoting the message it answers (see
    ``_REPLY_NOTE``): the note is not part of the post, so the rules do not read it as
    the writer's words; :attr:`reply_to` keeps the message.
    """

    def __init__(self, original: str) -> None:
        self.original = original
        note = reply_note(original)
        #: Where the post begins in :attr:`original` (after a reply note, if any).
        self.post_start = note[0] if note else 0
        #: The message the draft answers, quoted in its reply note; None if it has none.
        self.reply_to = note[1] if note else None
        pieces: list[str] = []
        segments: list[_Segment] = []
        norm_len = 0
        pos = 0
        for start, end, out in _edits(original, self.post_start):
            if start > pos:
                segments.append(_Segment(norm_len, pos, start, True))
                pieces.append(original[pos:start])
                norm_len += start - pos
            segments.append(_Segment(norm_len, start, end, False))
            pieces.append(out)
            norm_len += len(out)
            pos = end
        if pos < len(original):
            segments.append(_Segment(norm_len, pos, len(original), True))
            pieces.append(original[pos:])
        self.text = "".join(pieces)
        self._segments = segments
        self._norm_starts = [s.norm_start for s in segments]
        #: Nothing needed normalising (most drafts): every span maps to itself.
        self._as_written = self.text == original
        #: The draft's length on each platform counted so far (see
        #: :meth:`bot.platforms.Platform.length`).
        self.counted_lengths: dict[Hashable, int] = {}

    @cached_property
    def answered(self) -> Document | None:
        """The message the draft answers (:attr:`reply_to`), read as a draft of its own;
        None if it quotes none."""
        return None if self.reply_to is None else Document(self.reply_to)

    @cached_property
    def is_reply(self) -> bool:
        """Whether the draft is plainly a reply: it quotes the message it answers in a
        reply note, or its first word is an @handle (not a ping to all, "@everyone")."""
        if self.reply_to is not None:
            return True
        tokens = self.tokens
        return (bool(tokens) and tokens[0].kind == "mention"
                and tokens[0].text.lower() not in _PINGS_TO_ALL
                and not self.text[:tokens[0].start].strip())

    @property
    def answers_question(self) -> bool:
        """Whether the draft's reply note quotes a question."""
        return self.reply_to is not None and "?" in self.reply_to

    @property
    def post(self) -> str:
        """:attr:`original` without its reply note: what would be posted."""
        return self.original[self.post_start:] if self.post_start else self.original

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

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        """URLs, mentions, hashtags and code, in order, without overlaps."""
        return tuple(_disjoint_tokens(self.text))

    def tokens_of(self, kind: str) -> list[Token]:
        return [t for t in self.tokens if t.kind == kind]

    @cached_property
    def prose(self) -> str:
        """The text with URLs, mentions and code blanked out (same length, same offsets).

        Phrase rules match here, so "subscribe" inside a link or "@LikeForLike" as a
        handle is not mistaken for the writer's own words.
        """
        pieces = []
        pos = 0
        for token in self.tokens:
            if token.kind != "hashtag":
                pieces += (self.text[pos:token.start], " " * (token.end - token.start))
                pos = token.end
        return "".join(pieces) + self.text[pos:] if pieces else self.text

    @cached_property
    def folded_prose(self) -> Folded:
        """:attr:`prose` folded for concept matching (see :mod:`bot.fold`)."""
        return fold(self.prose)

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """Spans of sentences in :attr:`text`, trimmed of surrounding white space."""
        return tuple(self._sentences_from(0))

    def _sentences_from(self, start: int) -> Iterator[tuple[int, int]]:
        """:attr:`sentences` from ``start``, where one begins (the text's start, or the
        end of a sentence end)."""
        text = self.text
        # Boundaries come from the prose (a dot inside a link ends nothing); trimming
        # uses the text, so a sentence keeps the link at its end.
        for m in _SENTENCE_END.finditer(self.prose, start):
            stop = m.start() if m.group().startswith("\n") else m.end()
            if span := _trimmed(text, start, stop):
                yield span
            start = m.end()
        if span := _trimmed(text, start, len(text)):
            yield span

    def sentence_around(self, start: int, end: int) -> tuple[int, int]:
        """The sentence that holds ``start`` (up to ``end`` at least)."""
        sentences = self.sentences
        # Sentences are sorted and disjoint: only the last one starting at or before
        # ``start`` can hold it, and only the one before can end right there.
        index = bisect_right(sentences, (start, len(self.text) + 1)) - 1
        for s, e in sentences[max(index - 1, 0):index + 1]:
            if s <= start < e or (start == end == e):
                return (s, max(e, end))
        return (start, end)

    @cached_property
    def nfc(self) -> str:
        """:attr:`original` in NFC (see :func:`nfc`)."""
        return nfc(self.original)

    @cached_property
    def words(self) -> tuple[tuple[int, int], ...]:
        """Spans of the writer's own words: hashtags, links and mentions excluded."""
        return tuple(m.span() for m in _WORD.finditer(self.prose)
                     if not self._in_hashtag(m.start()))

    @cached_property
    def word_count(self) -> int:
        """How many :attr:`words` there are, counted without listing them (see
        :meth:`has_words`)."""
        if "words" in self.__dict__:
            return len(self.words)
        prose = self.prose
        if prose.isascii():
            # Each word is a run of characters a word may hold with a letter in it: with
            # the letters as "a" and those others dropped, one run of "a"s. Counted in C,
            # many times faster than the pattern finds them.
            runs = prose.encode("ascii").translate(_WORD_RUNS, _WORD_INNER)
            return runs.count(b" a") + runs.startswith(b"a") - self._hashtag_words
        return len(_WORD.findall(prose)) - self._hashtag_words

    def has_words(self, count: int) -> bool:
        """Whether :attr:`words` holds at least ``count`` words, read only as far as that
        takes: a check on a post's length in words need not count a long post's all."""
        if "words" in self.__dict__ or "word_count" in self.__dict__ or self.prose.isascii():
            return self.word_count >= count
        # One word starts in each hashtag that holds a letter (a word cannot run into its
        # "#", and runs on to its end), and no other: the writer's own words are all the
        # words but those. So the prose's words are counted in C, up to ``count`` plus
        # those; fewer means every word was read.
        in_hashtags = self._hashtag_words
        wanted = max(count, 0) + in_hashtags
        read = len(list(islice(_WORD.finditer(self.prose), wanted)))
        return read == wanted or read - in_hashtags >= count

    def has_words_between(self, start: int, end: int) -> bool:
        """Whether any of :attr:`words` starts inside ``[start, end)``."""
        if start > 0 and _WORD_PART.match(self.prose, start - 1):
            # A word may run on into ``start``: only the whole list tells where one begins.
            starts = [s for s, _ in self.words]
            return bisect_left(starts, end) > bisect_left(starts, start)
        return any(not self._in_hashtag(m.start())
                   for m in _WORD.finditer(self.prose, start, end))

    @cached_property
    def _hashtag_words(self) -> int:
        """How many words start inside hashtags: one in each that holds a letter."""
        return sum(1 for t in self.tokens_of("hashtag") if _LETTER.search(t.text))

    @cached_property
    def closing_sentence(self) -> tuple[int, int] | None:
        """The last sentence with words in it (a trailing row of hashtags doesn't
        count), else the last one; None when there is none."""
        return self._closing_sentence(_CLOSING_READ)

    def _closing_sentence(self, read: int) -> tuple[int, int] | None:
        """:attr:`closing_sentence`, looked for first in the last ``read`` characters:
        the rules that ask for it need only the post's end, and splitting a long post's
        every sentence to find its last took longer than the rest of their work."""
        if "sentences" not in self.__dict__ and len(self.text) > read:
            # The first sentence end found from there ends where a sentence end found
            # from the start does (one begun earlier either runs on to the same place,
            # a run of line breaks, or holds no place a sentence end can begin at), and
            # from it on, both find the same ones.
            first_end = _SENTENCE_END.search(self.prose, len(self.text) - read)
            if first_end is not None:
                found = self._last_with_words(list(self._sentences_from(first_end.end())))
                if found is not None:
                    return found
        return self._last_with_words(self.sentences) or (
            self.sentences[-1] if self.sentences else None)

    def _last_with_words(self, spans: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
        """The last of ``spans`` with words in it, if any."""
        return next((span for span in reversed(spans) if self.has_words_between(*span)), None)

    @cached_property
    def _quotations(self) -> list[tuple[int, int]]:
        return [m.span() for m in _QUOTATION.finditer(self.text)]

    def in_quotes(self, start: int, end: int) -> bool:
        """Whether ``start:end`` lies inside one quotation in double quotes (perhaps
        taking in its closing mark: the words are still the quotation's)."""
        span = _last_starting_by(self._quotations, start)
        return span is not None and span[0] < start and end <= span[1]

    @cached_property
    def _hashtag_spans(self) -> list[tuple[int, int]]:
        return [(t.start, t.end) for t in self.tokens_of("hashtag")]

    def _in_hashtag(self, pos: int) -> bool:
        span = _last_starting_by(self._hashtag_spans, pos)
        return span is not None and pos < span[1]


class SpanReach:
    """How far the spans added so far reach: the farthest end among those that start at
    or before a place. A Fenwick tree over the places spans can start at (``starts``,
    sorted and distinct), so each add and each question costs O(log n)."""

    def __init__(self, starts: list[int]) -> None:
        self._starts = starts  # sorted, distinct
        self._tree = [-1] * (len(starts) + 1)

    def add(self, start: int, end: int) -> None:
        index = bisect_left(self._starts, start) + 1
        while index < len(self._tree):
            self._tree[index] = max(self._tree[index], end)
            index += index & -index

    def farthest(self, start: int) -> int:
        index = bisect_right(self._starts, start)
        best = -1
        while index:
            best = max(best, self._tree[index])
            index -= index & -index
        return best


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``[start, end)`` without white space at either end; None if nothing is left."""
    piece = text[start:end]
    kept = piece.strip()
    if not kept:
        return None
    start += len(piece) - len(piece.lstrip())
    return (start, start + len(kept))


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
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def lost_tokens(draft: str, rewrite: str) -> set[str]:
    """Which of the draft's URLs, mentions and numbers the rewrite dropped."""
    return protected_tokens(draft) - protected_tokens(rewrite)


# Half of a UTF-16 pair: what a JSON "\ud800" becomes, and what Python makes of bytes
# that are not UTF-8 (on the command line, or read with "surrogateescape").
_LONE_SURROGATE = re.compile("[\\ud800-\\udfff]")


def lone_surrogate(text: str) -> int | None:
    """Where ``text`` holds a character no UTF-8 text can: a lone surrogate."""
    found = _LONE_SURROGATE.search(text)
    return None if found is None else found.start()
