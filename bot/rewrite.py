"""The offline rewrite: the rules' own fixes, applied and checked again.

It is what every user gets when no model is configured, and the safety net when the
model fails. It never makes a draft worse under the rules: if its edits would, the
draft is returned as it was, with the advice alone.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from bot.models import SEVERITY_RANK, Assessment, Finding, Rewrite, Suggestion
from bot.platforms import Platform
from bot.text import Document, SpanReach, lost_tokens, protected_tokens


class Assessor(Protocol):
    """What the offline rewrite needs of the coach (which calls it: no import back)."""

    def platform(self, platform_id: str) -> Platform: ...

    def assess(self, text: str, platform: str, overrides: Any = None) -> Assessment: ...


#: Passes of fix-and-recheck; a second pass catches what the first edit uncovered.
_PASSES = 3

_SPACES = re.compile(r"[ \t]{2,}")
# Every pattern runs in time linear in the text: a repeat that cannot give anything back
# is possessive, and a match begins only where no earlier start would have read on
# through (or, where the matched lead is put back as it was, at the last such start).
# A look-behind comes after a first character class, which re then jumps to in C.
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t](?<![ \t][ \t])[ \t]*+([,.!?;:])")
_DANGLING_JOIN = re.compile(r"(?:[,;]|(?<!\s))\s*+\b(?:and|or|but|so)\s*+([.!?]|$)",
                            re.IGNORECASE)
_PUNCT_PILEUP = re.compile(r"([,;:])\s*([.!?])|([.!?])(?:\s*[,;])+")
_LEADING_PUNCT = re.compile(r"(^|[.!?]\s++|\n(?:[^\S\n]*+\n|[^\S\n]++))[,;:.]++\s*+")
_EMPTY_PARENS = re.compile(r"\(\s*\)|\[\s*\]")
_SENTENCE_START = re.compile(r"(^|[.!?]\s++|\n[^\S\n]*+)([a-z])(\S*+)")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t](?<![ \t][ \t])[ \t]*+(?=\n|$)")
#: What a post cut short at the limit ends with.
_ELLIPSIS = "…"
_STACKED_STOPS = re.compile(r"[.!?](?<![.!?][.!?])[ \t]*+[.!?]++(?=\s|$)")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[ \t]+")
_HAS_WORDS = re.compile(r"[\w#@]")


def _capitalise(m: re.Match[str]) -> str:
    lead, first, rest = m.groups()
    if "://" in rest or (first + rest).startswith("www."):
        return m.group()  # a link keeps its case
    return lead + first.upper() + rest


def _drop_wordless_sentences(text: str) -> str:
    """Remove what is left of a sentence whose words were all removed ("🔥!")."""
    lines = []
    for line in text.split("\n"):
        parts = [p for p in _SENTENCE_BREAK.split(line) if _HAS_WORDS.search(p)]
        lines.append(" ".join(parts) if parts or not line.strip() else "")
    return "\n".join(lines)


def tidy(text: str) -> str:
    """Mend the seams that removing words leaves behind."""
    text = _EMPTY_PARENS.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _DANGLING_JOIN.sub(r"\1", text)
    text = _PUNCT_PILEUP.sub(lambda m: m.group(2) or m.group(3), text)
    text = _LEADING_PUNCT.sub(r"\1", text)
    # "bio.!" once "Hurry!!" went; an ellipsis the writer typed stays as it is.
    text = _STACKED_STOPS.sub(lambda m: m.group() if set(m.group()) == {"."} else m.group()[0],
                              text)
    text = _SPACES.sub(" ", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    text = _drop_wordless_sentences(text)
    text = _SENTENCE_START.sub(_capitalise, text)
    return text.strip()


def _chosen_edits(findings: tuple[Finding, ...]) -> list[Finding]:
    """Non-overlapping edits, the most severe first, then the narrowest."""
    editable = [f for f in findings if f.replacement is not None]
    editable.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.span[1] - f.span[0]))
    chosen: list[Finding] = []
    reach = SpanReach(sorted({f.span[0] for f in editable}))
    for finding in editable:
        s, e = finding.span
        # An edit overlaps a chosen one that starts before its end and ends after its start.
        if reach.farthest(e - 1) <= s:
            chosen.append(finding)
            reach.add(s, e)
    chosen.sort(key=lambda f: f.span[0])
    return chosen


def apply_edits(text: str, edits: list[Finding]) -> str:
    """``text`` with each edit (in order, disjoint) in place of its span."""
    pieces = []
    pos = 0
    for finding in edits:
        s, e = finding.span
        pieces += (text[pos:s], finding.replacement or "")
        pos = e
    return "".join(pieces) + text[pos:]


def fit(text: str, platform: Platform) -> str:
    """Shorten ``text`` to the platform's limit, at a sentence boundary where possible.

    Sentences go from the end first, but never one that carries a link, a mention or a
    number the draft made, nor a question to the reader.
    """
    if platform.overflow_start(text) is None:
        return text
    doc = Document(text)
    spans = [doc.to_original(s, e) for s, e in doc.sentences]
    droppable = [index for index in range(len(spans) - 1, 0, -1)
                 if not _must_keep(text[spans[index][0]:spans[index][1]])]

    def without(count: int) -> str:
        """The text without the first ``count`` droppable sentences (from the end)."""
        dropped = set(droppable[:count])
        return " ".join(text[a:b] for index, (a, b) in enumerate(spans) if index not in dropped)

    # Each sentence dropped shortens the text: the fewest that make it fit are found by
    # bisection, not by trying one more at a time.
    low, high = 1, len(droppable)
    while low <= high:
        middle = (low + high) // 2
        if platform.overflow_start(without(middle)) is None:
            high = middle - 1
        else:
            low = middle + 1
    if low <= len(droppable):
        return without(low)
    shorter = without(len(droppable))
    # Where the text stops fitting with the "…" it will end with (which X counts as two):
    # written first, the mark moves the cut along by its own length.
    cut = platform.overflow_start(_ELLIPSIS + shorter)
    if cut is None:
        return shorter
    cut -= len(_ELLIPSIS)
    head = shorter[:cut].rsplit(None, 1)[0] if " " in shorter[:cut] else shorter[:cut]
    return head.rstrip(" ,;:-") + _ELLIPSIS


def _must_keep(sentence: str) -> bool:
    """A sentence that carries a link, a mention or a number, or asks the reader."""
    return bool(protected_tokens(sentence)) or sentence.rstrip().endswith("?")


def _no_worse(candidate: Assessment, draft: Assessment) -> bool:
    return (candidate.score >= draft.score
            and _verdict_rank(candidate) <= _verdict_rank(draft))


def _verdict_rank(assessment: Assessment) -> int:
    return {"ready": 0, "almost": 1, "needs-work": 2, "nothing-to-coach": 3}[assessment.verdict]


def _advice(findings: tuple[Finding, ...]) -> tuple[Suggestion, ...]:
    seen: set[str] = set()
    advice = []
    for finding in findings:
        if finding.rule in seen or (finding.severity == "suggestion" and finding.replacement):
            continue
        seen.add(finding.rule)
        advice.append(Suggestion(finding.principle, finding.suggestion))
    return tuple(advice)


def offline_rewrite(coach: Assessor, draft: Assessment, overrides: Any = None) -> Rewrite:
    platform = coach.platform(draft.platform)
    current = draft
    applied: list[Finding] = []
    for _ in range(_PASSES):
        edits = _chosen_edits(current.findings)
        candidate = tidy(apply_edits(current.text, edits))
        candidate = fit(candidate, platform)
        if candidate == current.text or not candidate:
            break
        # Links, mentions and numbers survive unless a rule removed them on purpose.
        dropped = lost_tokens(current.text, candidate)
        if dropped and not dropped <= protected_tokens(" ".join(f.match for f in edits)):
            break
        current = coach.assess(candidate, draft.platform, overrides, rewrite_of=draft)
        applied.extend(edits)
    if current is not draft and not _no_worse(current, draft):
        current = draft
        applied = []
    summary = _summary(applied, draft, current)
    remaining = _advice(current.findings)
    return Rewrite(
        text=current.text,
        source="offline",
        assessment=current,
        suggestions=remaining,
        summary=summary,
        note="Offline rewrite: the rules' own fixes, applied and checked again.",
    )


def _summary(applied: list[Finding], draft: Assessment, result: Assessment) -> str:
    if not applied:
        if draft.verdict == "nothing-to-coach":
            return "Nothing to coach: the draft has no words."
        if draft.blocking:
            return "No mechanical fix would help here; the suggestions say what to change."
        return "Nothing to change: the draft is ready."
    removed = [f for f in applied if f.replacement == ""]
    swapped = [f for f in applied if f.replacement]
    parts = []
    if removed:
        parts.append(f"removed {len(removed)} phrase{'s' if len(removed) != 1 else ''}")
    if swapped:
        parts.append(f"reworded {len(swapped)} passage{'s' if len(swapped) != 1 else ''}")
    text = "Offline fixes: " + ", ".join(parts) if parts else "Offline fixes applied"
    return f"{text}; score {draft.score} → {result.score}."
