"""Folding a text for concept matching, so a lexicon names each word once.

Lower case, accents dropped ("sígueme" -> "sigueme"), usual leetspeak undone inside words
("f0llow" -> "follow", "ca$h" -> "cash"), a "4" or "2" between letters read as the word
it stands for ("sub4sub" -> "sub 4 sub"), and a letter held for three or more
("pleaseee", "sooo") folded to one. The folded text keeps a map back to the input, so a
match in it becomes a span of the text as given.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# One character for one: the Latin letters with diacritics, as their base letter.
_ACCENTS = str.maketrans({
    chr(code): unicodedata.normalize("NFD", chr(code))[0]
    for code in range(0xC0, 0x250)
    if len(unicodedata.normalize("NFD", chr(code))) > 1
    and unicodedata.normalize("NFD", chr(code))[0].isascii()
})
_LEET = {"0": "o", "1": "i", "3": "e", "5": "s", "7": "t", "@": "a", "$": "s"}
#: A digit standing for a word between two letters: "sub4sub", "me2".
_WORD_DIGITS = {"4": " 4 ", "2": " 2 "}
_CHANGES = re.compile(
    r"(?<=[a-z])([01357@$]|[42](?![0-9]))(?=[a-z])"  # leetspeak or a word-digit in a word
    r"|([a-z])\2{2,}"                                 # a letter held: "pleaseee"
    r"|(?<=[a-z])([42])\b"                            # a word-digit ending one: "sub2"
)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and where each of its characters came from (None: one for one)."""

    text: str
    sources: tuple[int, ...] | None = None

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """The span of the input that ``text[start:end]`` was folded from."""
        if self.sources is None or end <= start:
            return (start, end) if self.sources is None else (self.sources[start],) * 2
        return (self.sources[start], self.sources[end - 1] + 1)


def _lower(text: str) -> tuple[str, list[int] | None]:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered, None
    # A few letters lower to two characters ("İ"): keep where each came from.
    pieces, sources = [], []
    for index, ch in enumerate(text):
        low = ch.lower()
        pieces.append(low)
        sources.extend([index] * len(low))
    return "".join(pieces), sources


def fold(text: str) -> Folded:
    lowered, sources = _lower(text)
    plain = lowered.translate(_ACCENTS)
    changes = list(_CHANGES.finditer(plain))
    if not changes:
        return Folded(plain, None if sources is None else tuple(sources))
    base = sources if sources is not None else range(len(plain))
    pieces: list[str] = []
    out_sources: list[int] = []
    pos = 0
    for change in changes:
        start, end = change.span()
        pieces.append(plain[pos:start])
        out_sources.extend(base[pos:start])
        digit = change.group(1) or change.group(3)
        out = (_WORD_DIGITS.get(digit) or _LEET[digit]) if digit else change.group(2)
        pieces.append(out)
        out_sources.extend([base[start]] * len(out))
        pos = end
    pieces.append(plain[pos:])
    out_sources.extend(base[pos:])
    return Folded("".join(pieces), tuple(out_sources))
