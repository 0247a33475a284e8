"""Folding a text for concept matching, so a lexicon names each word once.

Lower case, accents dropped ("sígueme" -> "sigueme"), usual leetspeak undone inside words
("f0llow" -> "follow", "ca$h" -> "cash"), a "4" or "2" between letters read as the word
it stands for ("sub4sub" -> "sub 4 sub"), a letter held for three or more ("pleaseee",
"sooo") folded to one, American and British spellings folded to one ("recognized" ->
"recognised", "analyze" -> "analyse", "honour" -> "honor"), and a line break after a
colon read as a space. The folded text keeps a map back to the input, so a match in it
becomes a span of the text as given.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

import re2

# One character for one: the Latin letters with diacritics, as their base letter.
_ACCENTS = {
    chr(code): unicodedata.normalize("NFD", chr(code))[0]
    for code in range(0xC0, 0x250)
    if len(unicodedata.normalize("NFD", chr(code))) > 1
    and unicodedata.normalize("NFD", chr(code))[0].isascii()
}
_LEET = {"0": "o", "1": "i", "3": "e", "5": "s", "7": "t", "@": "a", "$": "s"}
#: A digit standing for a word after a letter: "sub4sub", "me2", "sub2".
_WORD_DIGITS = {"4": " 4 ", "2": " 2 "}
# Each kind of change is found by a pattern that starts with a character class, which
# re scans for quickly; most drafts hold none of them.
_ACCENTED = re.compile("[\u00c0-\u024f]")
_SYMBOL = re.compile(r"[0-57@$]")
#: A letter held for three or more: "([a-z])\1\1+" without the back-reference, so RE2
#: reads the draft once instead of re trying at every letter (five times faster).
_HELD = re2.compile("|".join(f"{letter}{letter}{letter}+" for letter in string.ascii_lowercase))
#: Line breaks after a colon: what a colon introduces is read with it ("To enter:\n1️⃣
#: Follow us"), where a bare line break ends a sentence.
_COLON_BREAKS = re2.compile(r":[^\S\n]*(\n+)")
#: American spellings, read as British: "-ize" / "-yze" after three or more letters
#: ("recognize", "organization", "analyzed"; a shorter stem is its own word: "prize",
#: "size"), and "-or" in the words that drop the "u" of "-our" (and no others: "four",
#: "hour" keep theirs). One pattern, so a draft is read once for both.
_SPELLING = re2.compile(
    r"[a-z]{3}(iz|yz)(?:e|ed|es|er|ers|ing|ation|ations)\b"
    r"|\b(?:dis)?(?:hon|fav|col|behavi|neighb|lab|hum|flav|rum|endeav|sav|harb)(our)")


def _is_letter(text: str, index: int) -> bool:
    return 0 <= index < len(text) and "a" <= text[index] <= "z"


def _changes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) for every change folding makes to lower-case ``text``."""
    found = [(m.start(), m.end(), m.group()[0]) for m in _HELD.finditer(text)]
    # Nine YouTube comments in ten hold none of "iz", "yz" and "our": no scan for them.
    if "iz" in text or "yz" in text or "our" in text:
        for m in _SPELLING.finditer(text):
            if m.group(1):  # "iz" -> "is", "yz" -> "ys"
                found.append((m.start(1), m.end(1), m.group(1)[0] + "s"))
            else:  # "our" -> "or"
                found.append((m.start(2), m.end(2), "or"))
    if ":" in text and "\n" in text:  # most drafts have no colon at a line's end
        found += [(m.start(1), m.end(1), " " * len(m.group(1)))
                  for m in _COLON_BREAKS.finditer(text)]
    for m in _ACCENTED.finditer(text):
        base = _ACCENTS.get(m.group())
        if base is not None:
            found.append((m.start(), m.end(), base))
    for m in _SYMBOL.finditer(text):
        index, symbol = m.start(), m.group()
        if not _is_letter(text, index - 1):
            continue
        after = text[index + 1:index + 2]
        if _is_letter(text, index + 1):  # "sub4sub", "f0llow"
            found.append((index, index + 1, _WORD_DIGITS.get(symbol) or _LEET[symbol]))
        elif symbol in _WORD_DIGITS and not after.isalnum():  # "sub2", "me4"
            found.append((index, index + 1, _WORD_DIGITS[symbol]))
    found.sort()
    return found


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and where each of its characters came from (None: one for one).

    ``sources`` has one entry more than ``text``: the input's length, where the text ends.
    """

    text: str
    sources: tuple[int, ...] | None = None

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """The span of the input that ``text[start:end]`` was folded from."""
        if self.sources is None:
            return start, end
        if end <= start:
            return (self.sources[start],) * 2
        # Up to where the next character comes from: a word folded from more letters than
        # it has ("PLEASEEE", "favour") ends after all of them.
        return self.sources[start], max(self.sources[end - 1] + 1, self.sources[end])


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
    changes = _changes(lowered)
    if not changes:
        return Folded(lowered, None if sources is None else (*sources, len(text)))
    changes = outermost(changes)
    folded = _replaced(lowered, changes)
    if sources is None and all(end - start == len(out) for start, end, out in changes):
        # Accents and leetspeak change a character for one (most drafts' only changes):
        # each character still comes from its own place, and a long post need not
        # spell that map out.
        return Folded(folded, None)
    base = sources if sources is not None else range(len(lowered))
    out_sources: list[int] = []
    pos = 0
    for start, end, out in changes:
        out_sources.extend(base[pos:start])
        out_sources.extend([base[start]] * len(out))
        pos = end
    out_sources.extend(base[pos:])
    out_sources.append(len(text))
    return Folded(folded, tuple(out_sources))


def outermost(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The edits ``(start, end, replacement)``, in order, that overlap no earlier one:
    those that are made."""
    made, pos = [], 0
    for edit in edits:
        if edit[0] >= pos:
            made.append(edit)
            pos = edit[1]
    return made


def _replaced(text: str, changes: list[tuple[int, int, str]]) -> str:
    """``text`` with ``changes`` (in order, none inside another) made."""
    pieces: list[str] = []
    pos = 0
    for start, end, out in changes:
        pieces += (text[pos:start], out)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)
