"""``occurrence``: too many of one kind of token (hashtags, mentions, links, "!", CAPS)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import TOKEN_MARKS, Document

_EXCLAMATION = re.compile(r"!")
# A shouted word: r"(?<![\w#@'])[A-Z][A-Z0-9'-]*[A-Z](?![\w'])". It lies within a run of
# [A-Z0-9'-] and matches there once at most: from the run's first capital that may start
# one to its last that may end one. So each run is read once (see _caps_words), in time
# linear in its length, rather than once from each capital in it.
_CAPS_RUN = re.compile(r"[A-Z0-9'-]{2,}+")
_CAPS_START = re.compile(r"[A-Z](?<![\w#@'][A-Z])")
_CAPS_WORD = re.compile(r"[A-Z](?<![\w#@'][A-Z])[A-Z0-9'-]*[A-Z](?![\w'])")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_TOKENS = ("hashtag", "mention", "url", "exclamation", "caps", "emoji")
#: What a draft must hold for a token to be there at all, and where, as a pattern the
#: engine's prefilter reads: the tokeniser's own marks for hashtags, mentions and links,
#: and the patterns of "!" and of a shouted word (the prefilter reads it without its
#: look-arounds: two capitals). Most drafts hold no hashtag, mention, link or "!", and
#: the rule is skipped.
_MARKERS: dict[str, tuple[str, str]] = {
    **{kind: (mark, "text") for kind, mark in TOKEN_MARKS.items()},
    "exclamation": (_EXCLAMATION.pattern, "prose"),
    "caps": (_CAPS_WORD.pattern, "prose"),
}
_EDITS = ("none", "drop", "lowercase", "calm")



def _caps_words(text: str) -> Iterator[re.Match[str]]:
    """The shouted words of ``text``, in order."""
    for run in _CAPS_RUN.finditer(text):
        start = _CAPS_START.search(text, run.start(), run.end())
        if start and (word := _CAPS_WORD.match(text, start.start())):
            yield word


@register
class Occurrence(Rule):
    """Fires when a post holds more than ``max`` of ``token``.

    ``platform_max`` sets a different ceiling per platform (Instagram lives on hashtags
    more than LinkedIn does). ``allow`` lists words that never count (acronyms for
    ``caps``). ``edit`` says what the offline rewrite does: ``drop`` the tokens past
    ``max``, ``lowercase`` shouted words, ``calm`` extra exclamation marks, or ``none``.
    ``mild_below_share``: where the tokens are less than this share of the post (tokens
    and words), they do not crowd it (a block of topic tags under a long article): the
    finding is a suggestion.
    """

    kind = "occurrence"
    keys: ClassVar[dict[str, bool]] = {
        "token": True, "max": True, "platform_max": False, "allow": False,
        "min_length": False, "edit": False, "mild_below_share": False,
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
        self.mild_below_share = spec.number("mild_below_share", 0.0)
        if self.mild_below_share > 1:
            raise spec.error("mild_below_share", "must be a share between 0 and 1")
        if self.token in _MARKERS:
            marker, scope = _MARKERS[self.token]
            self.regex(spec, "token", [marker], scope=scope, flags=0)

    def _spans(self, doc: Document) -> list[tuple[int, int]]:
        if self.token in ("hashtag", "mention", "url"):
            return [(t.start, t.end) for t in doc.tokens_of(self.token)]
        if self.token == "exclamation":
            return [m.span() for m in _EXCLAMATION.finditer(doc.prose)]
        if self.token == "emoji":
            return [m.span() for m in _EMOJI.finditer(doc.text)]
        return [
            m.span() for m in _caps_words(doc.prose)
            if len(m.group()) >= self.min_length and m.group().lower() not in self.allow
        ]

    def _at_most(self, doc: Document) -> int | None:
        """How many tokens the draft holds at most, counted without listing them (None:
        no such count): most drafts are well under the limit."""
        if self.token == "exclamation":
            return doc.prose.count("!")
        if self.token == "caps":  # a shouted word lies within a run, one at most in each
            return len(_CAPS_RUN.findall(doc.prose))
        return None

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        limit = self.platform_max.get(platform.id, self.max)
        at_most = self._at_most(doc)
        if at_most is not None and at_most <= limit:
            return
        spans = self._spans(doc)
        if len(spans) <= limit:
            return
        start, end = spans[0][0], spans[-1][1]
        # Mild once the words outnumber the tokens enough: a long post's words are read
        # only that far, not all counted.
        mild = (self.mild_below_share > 0
                and doc.has_words(_words_to_be_mild(len(spans), self.mild_below_share)))
        yield Hit(start, end, self._edited(doc.text, spans, limit),
                  {"count": len(spans), "max": limit},
                  severity="suggestion" if mild else None)

    def _edited(self, text: str, spans: list[tuple[int, int]], limit: int) -> str | None:
        if self.edit == "none":
            return None
        base = spans[0][0]
        pieces = []
        pos = base
        for index, (start, end) in enumerate(spans):
            word = text[start:end]
            if self.edit == "drop" and index >= limit:
                word = ""
            elif self.edit == "lowercase":
                word = word.lower()
            elif self.edit == "calm" and index > 0:
                word = "."
            pieces += (text[pos:start], word)
            pos = end
        return "".join(pieces)


def _words_to_be_mild(tokens: int, share: float) -> int:
    """The fewest words beside ``tokens`` tokens that make the tokens less than ``share``
    of the post: ``tokens / (tokens + words) < share``, which only falls as words are
    added, worked out as the division itself rounds."""
    words = max(0, math.floor(tokens * (1 - share) / share))
    while tokens / (tokens + words) >= share:
        words += 1
    while words > 0 and tokens / (tokens + words - 1) < share:
        words -= 1
    return words
