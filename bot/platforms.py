"""Platforms and the way each one counts a post's length."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import regex
from pydantic import ConfigDict, Field, Strict, TypeAdapter

from bot.config_files import quote, validated
from bot.errors import ConfigError
from bot.settings import read_yaml
from bot.text import Document, nfc

Counting = Literal["chars", "graphemes", "weighted"]

_GRAPHEME = regex.compile(r"\X")
_HEAVY = regex.compile(r"[^\u0000-\u10ff]")  # what X may count as more than one
# X counts these ranges as one and everything else (CJK, emoji) as two.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _x_weight(cluster: str) -> int:
    first = ord(cluster[0])
    if first <= _X_LIGHT_RANGES[0][1] and len(cluster) == 1:
        return 1  # most characters of most posts
    if first >= 0x1F000 or "\ufe0f" in cluster or "\u200d" in cluster:
        return 2  # an emoji, however many code points it is built from
    total = 0
    for ch in cluster:
        code = ord(ch)
        total += 1 if any(lo <= code <= hi for lo, hi in _X_LIGHT_RANGES) else 2
    return total


def shortened_link(url: str) -> str:
    """A link as the Bluesky app writes it into a post: the address without its scheme,
    and a path (with query and fragment) of more than 15 characters cut to 13 and "..."."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return url  # the app shortens only the links it can parse ("example.com/a" stays)
    path = "" if parts.path == "/" else parts.path
    path += (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}"
                                                          if parts.fragment else "")
    return parts.netloc + (path[:13] + "..." if len(path) > 15 else path)


def _counted_form(text: str, doc: Document | None) -> str:
    """``text`` in NFC, the form platforms count in; from its Document if there is one."""
    return doc.nfc if doc is not None and doc.original is text else nfc(text)


def _as_written(text: str, normalized: str, index: int) -> int:
    """Where the character at ``index`` of ``normalized`` (``text`` in NFC) begins in
    ``text``: the end of the longest start of ``text`` whose NFC form fits before it
    (that form grows with the start, one character at a time or not at all)."""
    if normalized == text:
        return index
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(unicodedata.normalize("NFC", text[:middle])) <= index:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    name: str
    limit: int | None
    counting: Counting = "chars"
    url_length: int | None = None
    #: Links count as the app shortens them (:func:`shortened_link`), not as written.
    shortens_links: bool = False

    @property
    def _counts_links_apart(self) -> bool:
        return self.url_length is not None or self.shortens_links

    @property
    def _counts_code_points(self) -> bool:
        """Whether a post's length is the number of code points as written: no links
        counted apart, no graphemes, no weights."""
        return not self._counts_links_apart and self.counting == "chars"

    def _link_length(self, link: str) -> int:
        return self.url_length if self.url_length is not None else len(shortened_link(link))

    def length(self, text: str, doc: Document | None = None) -> int:
        """The length of ``text`` as this platform counts it (``doc``: the text's
        Document, if the caller has one, to find its links)."""
        if self._counts_code_points or (not self._counts_links_apart and text.isascii()):
            return len(text)  # the common case, without walking every character
        # Counted once per draft: the length rule and the assessment both ask.
        counted = doc.counted_lengths if doc is not None and doc.original is text else {}
        if self not in counted:
            counted[self] = self._counted_length(_counted_form(text, doc), doc)
        return counted[self]

    def _counted_length(self, text: str, doc: Document | None) -> int:
        total = 0
        for start, end, link in self._stretches(text, doc):
            if link:
                total += self._link_length(text[start:end])
            elif self.counting == "chars" or text.isascii() or (
                    self.counting == "weighted" and not _HEAVY.search(text, start, end)):
                # Weighted: below U+1100 every character weighs one, however grouped.
                total += end - start
            else:
                clusters = _GRAPHEME.findall(text, start, end)
                total += (sum(map(_x_weight, clusters)) if self.counting == "weighted"
                          else len(clusters))
        return total

    def units(self, text: str) -> list[tuple[int, int, int]]:
        """``(start, end, weight)`` for each counted unit of ``text``, indices in ``text``
        as written.

        Units are characters, graphemes, or whole URLs where links are counted apart:
        one by one, they show where a post stops fitting (see :meth:`overflow_start`).
        """
        if self._counts_code_points:
            return [(index, index + 1, 1) for index in range(len(text))]
        normalized = nfc(text)
        units: list[tuple[int, int, int]] = []
        for start, end, link in self._stretches(normalized):
            if link:
                units.append((start, end, self._link_length(normalized[start:end])))
            else:
                units.extend(self._plain_units(normalized, start, end))
        return [(_as_written(text, normalized, start), _as_written(text, normalized, end),
                 weight) for start, end, weight in units]

    def _stretches(self, text: str, doc: Document | None = None) -> list[tuple[int, int, bool]]:
        """``(start, end, is_link)``: the text cut at the links, where links are counted
        apart (a fixed ``url_length``, or shortened)."""
        link_spans: list[tuple[int, int]] = []
        if self._counts_links_apart:
            if doc is None or doc.original is not text:  # NFC may have changed it
                doc = Document(text)
            link_spans = [doc.to_original(t.start, t.end) for t in doc.tokens_of("url")]
        stretches = []
        pos = 0
        for link_start, link_end in [*link_spans, (len(text), len(text))]:
            if link_start > pos:
                stretches.append((pos, link_start, False))
            if link_end > link_start:
                stretches.append((link_start, link_end, True))
            pos = link_end
        return stretches

    def _plain_units(self, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
        if start >= end:
            return []
        if self.counting == "chars" or text.isascii():
            return [(i, i + 1, 1) for i in range(start, end)]
        units = []
        for m in _GRAPHEME.finditer(text, start, end):
            weight = _x_weight(m.group()) if self.counting == "weighted" else 1
            units.append((m.start(), m.end(), weight))
        return units

    def overflow_start(self, text: str, doc: Document | None = None) -> int | None:
        """Index in ``text`` of the first unit past the limit, or None if it fits."""
        if self.limit is None or self.length(text, doc) <= self.limit:
            return None
        if self._counts_code_points:
            return self.limit
        normalized = _counted_form(text, doc)
        cut = self._overflow_start(normalized, self.limit, doc)
        return None if cut is None else _as_written(text, normalized, cut)

    def _overflow_start(self, text: str, limit: int, doc: Document | None) -> int | None:
        used = 0
        for start, end, link in self._stretches(text, doc):
            if link:
                used += self._link_length(text[start:end])
                if used > limit:
                    return start
            elif self.counting == "chars" or text.isascii():
                # One unit per character: no need to make them to find the one.
                if used + end - start > limit:
                    return start + limit - used
                used += end - start
            else:
                for unit_start, _, weight in self._plain_units(text, start, end):
                    used += weight
                    if used > limit:
                        return unit_start
        return None


@dataclass(frozen=True, slots=True)
class _PlatformKeys:
    """What a platform in platforms.yaml may hold."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    name: Annotated[str, Strict(), Field(min_length=1, max_length=100)] | None = None
    limit: Annotated[int, Strict(), Field(gt=0)] | None = None
    counting: Counting = "chars"
    url_length: Annotated[int, Strict(), Field(gt=0)] | None = None
    shortens_links: Annotated[bool, Strict()] = False


_PLATFORM_KEYS = TypeAdapter(_PlatformKeys)


def load_platforms(path: Path) -> dict[str, Platform]:
    data = read_yaml(path)
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{path}: expected a mapping of platform ids")
    platforms: dict[str, Platform] = {}
    for pid, spec in data.items():
        keys = validated(_PLATFORM_KEYS, spec, f"{path}: platform {quote(str(pid))}")
        platforms[str(pid)] = Platform(
            id=str(pid), name=keys.name or str(pid), limit=keys.limit,
            counting=keys.counting, url_length=keys.url_length,
            shortens_links=keys.shortens_links,
        )
    return platforms
