"""``occurrence``: too many of one kind of token (hashtags, mentions, links, "!", CAPS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Rule, RuleMeta, RuleSpec, at_least, register
from bot.rules.matcher import Matcher
from bot.text import Document, few_places, matches_at

_EXCLAMATION = re.compile(r"!")
# "(?<![\w#@'])[A-Z]…" with the look-behind moved after the first letter: a pattern
# that starts with a plain class lets re jump from capital to capital in C.
_CAPS_WORD = re.compile(r"[A-Z](?<![\w#@'][A-Z])[A-Z0-9'-]*[A-Z](?![\w'])")
# Each match of _CAPS_WORD begins with a capital and one of [A-Z0-9'-]. A table turns a
# capital into "A", one of the others into "B" and any other character into "a": the
# places of "AA" and "AB" are found with bytes.find, in C, and only those are tried.
_CAPITALS = bytes(65 if 65 <= code <= 90 else 66 if chr(code) in "0123456789'-" else 97
                  for code in range(256))
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_TOKENS = ("hashtag", "mention", "url", "exclamation", "caps", "emoji")
_EDITS = ("none", "drop", "lowercase", "calm")


#: For the tokens a count can be gated on: the haystack they are in, and what every one
#: of them begins with.
_TOKEN_STARTS = {"exclamation": ("prose", "!"), "hashtag": ("prose", r"#\w"),
                 "mention": ("text", "@|<#")}


def _caps_words_in(text: str) -> Iterator[re.Match[str]]:
    """``_CAPS_WORD.finditer(text)``."""
    marked = text.encode("latin-1", "replace").translate(_CAPITALS)
    pairs, others = few_places(marked, b"AA"), few_places(marked, b"AB")
    if pairs is None or others is None:  # a shouty text: re goes faster from capital to capital
        return _CAPS_WORD.finditer(text)
    return matches_at(sorted(pairs + others), _CAPS_WORD, text)


@register
class Occurrence(Rule):
    """Fires when a post holds more than ``max`` of ``token``.

    ``platform_max`` sets a different ceiling per platform (Instagram lives on hashtags
    more than LinkedIn does). ``allow`` lists words that never count (acronyms for
    ``caps``). ``edit`` says what the offline rewrite does: ``drop`` the tokens past
    ``max``, ``lowercase`` shouted words, ``calm`` extra exclamation marks, or ``none``.
    """

    kind = "occurrence"
    keys: ClassVar[dict[str, bool]] = {
        "token": True, "max": True, "platform_max": False, "allow": False,
        "min_length": False, "edit": False,
    }

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        self.token = spec.get("token")
        if self.token not in _TOKENS:
            raise spec.error("token", f"must be one of {', '.join(_TOKENS)}")
        self.max = spec.integer("max")
        platform_max = spec.get("platform_max") or {}
        if not isinstance(platform_max, dict) or not all(
            isinstance(v, int) and v >= 0 for v in platform_max.values()
        ):
            raise spec.error("platform_max", "must map platform ids to whole numbers")
        self.platform_max: dict[str, int] = {str(k): v for k, v in platform_max.items()}
        self.allow = frozenset(w.lower() for w in spec.str_list("allow"))
        self.min_length = spec.integer("min_length", 3, minimum=1)
        self.edit = spec.get("edit", "none")
        if self.edit not in _EDITS:
            raise spec.error("edit", f"must be one of {', '.join(_EDITS)}")
        # Fewer than this many tokens and the rule fires on no platform.
        fewest = min([self.max, *self.platform_max.values()]) + 1
        self._enough: tuple[str, Matcher] | None = None
        if self.token == "caps":
            word = f"[A-Z][A-Z0-9'-]{{{max(self.min_length - 2, 0)},}}[A-Z]"
            self._enough = ("prose", at_least(word, fewest))
        elif self.token in _TOKEN_STARTS:
            scope, start = _TOKEN_STARTS[self.token]
            self._enough = (scope, at_least(start, fewest))

    def gate(self) -> tuple[str, Matcher] | None:
        return self._enough

    def may_find(self, doc: Document) -> bool:
        if self._enough is not None:
            return super().may_find(doc)
        # Every link holds a "/" or a "." (too common to count: sentences end in dots).
        return self.token != "url" or "/" in doc.text or "." in doc.text

    def _spans(self, doc: Document) -> list[tuple[int, int]]:
        if self.token in ("hashtag", "mention", "url"):
            return [(t.start, t.end) for t in doc.tokens_of(self.token)]
        if self.token == "exclamation":
            return [m.span() for m in _EXCLAMATION.finditer(doc.prose)]
        if self.token == "emoji":
            return [m.span() for m in _EMOJI.finditer(doc.text)]
        return [
            m.span() for m in _caps_words_in(doc.prose)
            if len(m.group()) >= self.min_length and m.group().lower() not in self.allow
        ]

    def hits(self, doc: Document, platform: Platform) -> Iterator[Hit]:
        limit = self.platform_max.get(platform.id, self.max)
        spans = self._spans(doc)
        if len(spans) <= limit:
            return
        start, end = spans[0][0], spans[-1][1]
        yield Hit(start, end, self._edited(doc.text, spans, limit),
                  {"count": len(spans), "max": limit})

    def _edited(self, text: str, spans: list[tuple[int, int]], limit: int) -> str | None:
        if self.edit == "none":
            return None
        base = spans[0][0]
        out = text[base:spans[-1][1]]
        # Edit from the right so earlier offsets stay valid.
        for index in range(len(spans) - 1, -1, -1):
            s, e = spans[index][0] - base, spans[index][1] - base
            word = out[s:e]
            if self.edit == "drop" and index >= limit:
                word = ""
            elif self.edit == "lowercase":
                word = word.lower()
            elif self.edit == "calm" and index > 0:
                word = "."
            out = out[:s] + word + out[e:]
        return out
