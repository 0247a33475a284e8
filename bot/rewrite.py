"""The offline rewrite: the rules' own fixes, applied to whole sentences and checked again.

It is what every user gets when no model is configured, and the safety net when the
model fails. A sentence that sells or begs for engagement goes whole (no fragment is
left behind); a pushy phrase is softened in place; nothing is added that the draft or a
rule's plain wording did not hold, and no English goes into a draft in another language.
A draft that only sells is said to be one, and left as it is. The rewrite never makes a
draft worse under the rules: if its edits would, the draft is returned with the advice.
"""

from __future__ import annotations

import re
from bisect import bisect_right
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
#: Principles whose findings mark a sentence as selling or begging (as do findings of a
#: rule marked ``plug``): such a sentence is the post's sell, not its content, and goes
#: whole.
SELLING = frozenset({"no-hard-sell", "no-engagement-bait"})
#: When less than this share of the draft's words would be left, it only sold.
_LEFT_AT_LEAST = 0.4
_WORD = re.compile(r"[^\W\d_][\w'’-]*+")

NOTE = "Offline rewrite: the rules' own fixes, applied and checked again."
ONLY_SELLS = (
    "This draft does little but sell or ask for engagement, so no edit of its words "
    "leaves a post. Write what the reader gets from it (news, a tip, a question), and keep "
    "the offer to one plain line."
)

_SPACES = re.compile(r"[ \t]{2,}")
# Every pattern runs in time linear in the text: a repeat that cannot give anything back
# is possessive, and a match begins only where no earlier start would have read on
# through (or, where the matched lead is put back as it was, at the last such start).
# A look-behind comes after a first character class, which re then jumps to in C.
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t](?<![ \t][ \t])[ \t]*+([,.!?;:])")
_DANGLING_JOIN = re.compile(r"(?:[,;]|(?<!\s))\s*+\b(?:and|or|but|so)\s*+([.!?]|$)",
                            re.IGNORECASE)
_PUNCT_PILEUP = re.compile(r"([,;:])\s*([.!?:])|([.!?])(?:\s*[,;:])+")
_LEADING_PUNCT = re.compile(r"(^|[.!?]\s++|\n(?:[^\S\n]*+\n|[^\S\n]++))[,;:.]++\s*+")
_EMPTY_PARENS = re.compile(r"\(\s*\)|\[\s*\]")
_SENTENCE_START = re.compile(r"(^|[.!?]\s++|\n[^\S\n]*+)([a-z])(\S*+)")
_BLANK_LINES = re.compile(r"\n{3,}")
_INVERTED_RUN = re.compile(r"([¡¿])\1++")
#: A Spanish exclamation opened with "¡" closes with "!", whatever an edit left there.
_INVERTED_UNCLOSED = re.compile(r"(¡[^!?.¡]*+)\.")
_TRAILING_SPACE = re.compile(r"[ \t](?<![ \t][ \t])[ \t]*+(?=\n|$)")
#: What a post cut short at the limit ends with.
_ELLIPSIS = "…"
_STACKED_STOPS = re.compile(r"[.!?](?<![.!?][.!?])[ \t]*+[.!?]++(?=\s|$)")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[ \t]+")
_HAS_WORDS = re.compile(r"[\w#@]")
#: Words that tie one clause to the next: a clause that goes takes one along with it.
_JOINERS = frozenset({"and", "or", "but", "so", "&", "+"})
#: Marks that bound a clause inside a sentence.
_CLAUSE_MARKS = ",;:()\u2013\u2014"
_SENTENCE_MARKS = ".!?…"
_CHUNK = re.compile(r"\S++")
_MAY_BE_KEPT = re.compile(r"[\d@/]|\.\w")


def _capitalise(m: re.Match[str]) -> str:
    lead, first, rest = m.groups()
    if "://" in rest or _is_kept(first + rest):
        return m.group()  # a link ("bit.ly/x1") or a handle keeps its case
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
    text = _INVERTED_RUN.sub(r"\1", text)
    text = _INVERTED_UNCLOSED.sub(r"\1!", text)
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


def _chosen_edits(findings: tuple[Finding, ...], text: str, english: bool) -> list[Finding]:
    """Non-overlapping edits, the most severe first, then the narrowest.

    In a draft in another language, a rewording that brings words the draft does not
    have (they would be English) is left to the advice.
    """
    editable = [f for f in findings if f.replacement is not None]
    if not english:
        known = {w.lower() for w in _WORD.findall(text)}
        editable = [f for f in editable
                    if all(w.lower() in known for w in _WORD.findall(f.replacement or ""))]
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


def _sentences(text: str) -> list[tuple[int, int]]:
    doc = Document(text)
    return [doc.to_original(s, e) for s, e in doc.sentences]


def _is_sell(finding: Finding) -> bool:
    """A phrase that sells, begs or plugs; a lone bait hashtag is a tag to drop, not a
    sentence."""
    return ((finding.principle in SELLING or finding.plug) and finding.severity != "suggestion"
            and not (finding.match.startswith("#") and " " not in finding.match))


def _whole_sentence_edits(text: str, findings: tuple[Finding, ...], english: bool
                          ) -> tuple[list[Finding], int]:
    """The edits of one pass, and how many sentences they drop whole.

    A sentence with a selling or begging phrase to remove goes whole, unless it also
    carries a link, mention or number no rule flagged: then only the phrase goes.
    """
    edits = _chosen_edits(findings, text, english)  # in order and disjoint
    out: list[Finding] = []
    dropped = 0
    index = 0
    for s, e in _sentences(text):
        while index < len(edits) and edits[index].span[0] < s:
            out.append(edits[index])  # between sentences, or across one's end
            index += 1
        first = index
        while index < len(edits) and edits[index].span[1] <= e:
            index += 1
        inside = edits[first:index]
        removals = [f for f in inside if f.replacement == "" and _is_sell(f)]
        misfits = [f for f in inside if f.replacement and _is_sell(f)
                   and not _fits_in_place(text, f, s, e)]
        if not removals and not misfits:
            out += inside
        elif protected_tokens(text[s:e]) - protected_tokens(" ".join(f.match for f in inside)):
            # Only the phrase's clause can go; a rewording that would not read leaves it
            # to advice.
            out += _clause_edits(text, s, e, [f for f in inside if f not in misfits],
                                 removals)
        elif removals:
            out.append(_replaced(removals[0], text, s, e, ""))
            dropped += 1
        else:
            # "To grab it, click the link in bio!" reads as "The link is in our bio."
            plain = misfits[0].replacement or ""
            out.append(_replaced(misfits[0], text, s, e, plain[:1].upper() + plain[1:] + "."))
    return out + edits[index:], dropped


def _clause_edits(text: str, start: int, end: int, edits: list[Finding],
                  removals: list[Finding]) -> list[Finding]:
    """``edits`` with each removal widened to its clause within ``text[start:end]``, so no
    object, joiner or half a list is left behind ("Share & follow for tips on X" goes
    whole); clauses that meet become one removal, and an edit inside one goes with it."""
    widened: list[tuple[int, int, Finding]] = []
    for index, finding in enumerate(removals):
        # Each clause is sought between its neighbours, so the text is walked once.
        after = removals[index - 1].span[1] if index else start
        before = removals[index + 1].span[0] if index + 1 < len(removals) else end
        s, e = _clause_around(text, after, before, *finding.span)
        if widened and s <= widened[-1][1]:
            s, e = widened[-1][0], max(e, widened[-1][1])
            finding = widened.pop()[2]
        widened.append((s, e, finding))
    removed = {id(f) for f in removals}
    starts = [s for s, _, _ in widened]

    def inside_a_clause(finding: Finding) -> bool:
        index = bisect_right(starts, finding.span[0]) - 1
        return index >= 0 and finding.span[1] <= widened[index][1]

    kept = [f for f in edits if id(f) not in removed and not inside_a_clause(f)]
    wide = [_replaced(finding, text, s, e, "") for s, e, finding in widened]
    return sorted(kept + wide, key=lambda f: f.span[0])


def _clause_around(text: str, start: int, end: int, phrase_start: int, phrase_end: int
                   ) -> tuple[int, int]:
    """The clause of ``text[start:end]`` that the phrase opens, to its end: a clause ends
    at a clause mark, a link, mention or number (which stay), the sentence's end mark or
    a joiner, which goes with it (the one before the phrase, else the one after). A
    phrase inside a clause ("the first 50 buyers get 40% off with …") goes alone. A
    symbol before a capitalised word starts a new item of a post whose line breaks were
    lost, and goes with its item."""
    left, joined = phrase_start, False
    before = [m.span() for m in _CHUNK.finditer(text, start, phrase_start)]
    for index in range(len(before) - 1, -1, -1):
        a, b = before[index]
        chunk = text[a:b]
        if chunk[-1] in _CLAUSE_MARKS or _is_kept(chunk):
            break
        following = text[before[index + 1][0] if index + 1 < len(before) else phrase_start]
        joined = chunk.lower() in _JOINERS
        if joined or _starts_an_item(chunk, following):
            left = a
            break
        if _HAS_WORDS.search(chunk):
            return phrase_start, phrase_end
        left = a
    right = phrase_end
    after = [m.span() for m in _CHUNK.finditer(text, phrase_end, end)]
    for index, (a, b) in enumerate(after):
        chunk = text[a:b]
        following = text[after[index + 1][0]] if index + 1 < len(after) else ""
        if (chunk[0] in _CLAUSE_MARKS or _is_kept(chunk)
                or _starts_an_item(chunk, following)):
            break
        if chunk.lower() in _JOINERS:
            right = a if joined else b
            break
        right = b - len(chunk) + len(chunk.rstrip(_CLAUSE_MARKS + _SENTENCE_MARKS))
        if right < b:
            break
    return left, right


def _is_kept(chunk: str) -> bool:
    """A link, mention or number, which a clause stops at (tested only where one could be:
    a word is none)."""
    return _MAY_BE_KEPT.search(chunk) is not None and bool(protected_tokens(chunk))


def _starts_an_item(chunk: str, following: str) -> bool:
    """A symbol ("📌", "👉") before a capitalised word (``following`` is its first
    letter): where a new line began."""
    return not _HAS_WORDS.search(chunk) and following.isupper()


def _replaced(finding: Finding, text: str, start: int, end: int, replacement: str) -> Finding:
    """``finding``'s edit widened to the sentence ``text[start:end]``."""
    return finding._replace(span=(start, end), match=text[start:end], replacement=replacement)


def _fits_in_place(text: str, finding: Finding, start: int, end: int) -> bool:
    """Whether a rewording reads in place: a word or two fits anywhere, a clause ("the
    link is in our bio") only where a clause stood, between sentence and comma bounds."""
    if len((finding.replacement or "").split()) < 3:
        return True
    before = text[start:finding.span[0]].rstrip()
    after = text[finding.span[1]:end].lstrip()
    return (not before or before[-1] in ",;:(") and (not after or after[0] in ".,;:!?)")


def _only_sells(draft: Assessment) -> bool:
    """Whether every sentence of the draft sells or begs, or dropping those that do would
    leave next to nothing of it."""
    text = draft.text
    starts = sorted(f.span[0] for f in draft.findings if _is_sell(f))
    if not starts:
        return False
    sentences = left = words = index = 0
    selling = 0
    for s, e in _sentences(text):
        count = len(_WORD.findall(text, s, e))
        while index < len(starts) and starts[index] < s:
            index += 1
        sells = index < len(starts) and starts[index] < e
        if count:
            sentences += 1
            selling += sells
            left += 0 if sells else count
            words += count
    return selling == sentences or left < _LEFT_AT_LEAST * words


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
    if _only_sells(draft):
        return Rewrite(text=draft.text, source="offline", assessment=draft,
                       suggestions=_advice(draft.findings), summary=ONLY_SELLS, note=NOTE)
    platform = coach.platform(draft.platform)
    english = draft.language in ("en", "unknown")
    current = draft
    applied: list[Finding] = []
    dropped = 0
    for _ in range(_PASSES):
        edits, whole = _whole_sentence_edits(current.text, current.findings, english)
        candidate = fit(tidy(apply_edits(current.text, edits)), platform)
        if candidate == current.text or not candidate:
            break
        # Links, mentions and numbers survive unless a rule removed them on purpose.
        lost = lost_tokens(current.text, candidate)
        if lost and not lost <= protected_tokens(" ".join(f.match for f in edits)):
            break
        current = coach.assess(candidate, draft.platform, overrides, rewrite_of=draft)
        applied.extend(edits)
        dropped += whole
    if current is not draft and not _no_worse(current, draft):
        current, applied, dropped = draft, [], 0
    return Rewrite(
        text=current.text,
        source="offline",
        assessment=current,
        suggestions=_advice(current.findings),
        summary=_summary(applied, dropped, draft, current),
        note=NOTE,
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _summary(applied: list[Finding], dropped: int, draft: Assessment,
             result: Assessment) -> str:
    if not applied and result.text != draft.text:
        return f"Shortened to fit the platform; score {draft.score} → {result.score}."
    if not applied:
        if draft.verdict == "nothing-to-coach":
            return "Nothing to coach: the draft has no words."
        if draft.blocking:
            return "No mechanical fix would help here; the suggestions say what to change."
        return "Nothing to change: the draft is ready."
    removed = sum(1 for f in applied if f.replacement == "") - dropped
    swapped = sum(1 for f in applied if f.replacement)
    parts = []
    if dropped:
        parts.append(f"removed {_plural(dropped, 'sentence')} that sold or begged")
    if removed:
        parts.append(f"removed {_plural(removed, 'phrase')}")
    if swapped:
        parts.append(f"reworded {_plural(swapped, 'passage')}")
    left = f" {_plural(len(result.blocking), 'problem')} left for you." if result.blocking else ""
    return f"Offline fixes: {', '.join(parts)}; score {draft.score} → {result.score}.{left}"
