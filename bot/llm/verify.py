"""What a model's rewrite must be before it is served: a post, in the draft's language,
that keeps the draft's point and fixes at least one finding without adding one.

Every check is deterministic and pure (texts in, problems out) and has a name the user
sees when it sets a rewrite aside. Lexicons live in ``config/rewrite_checks.yaml``; the
prompt's own markup is read from the prompt files.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import regex

from bot.errors import ConfigError
from bot.models import Assessment, Finding
from bot.settings import read_yaml
from bot.text import DISCORD_MENTION, Document, protected_tokens

#: Discord turns these into pings: @everyone, @here, <@id>, <@!id> and role mentions <@&id>.
_PING = regex.compile(r"@(?=(?:everyone|here)\b)|<@[!&]?\d+>", regex.IGNORECASE)
_UNFINISHED_MENTION = regex.compile(r"(?:<@[!&]?\d*|@\w*)$")
_SPACES = regex.compile(r"[ \t]{2,}")
_WORD = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}'’-]*")
_SENTENCE = regex.compile(r"(?<=[.!?:])\s+|\n+")
_TAG = regex.compile(r"</?[A-Za-z_]+>")
_LABEL = regex.compile(r"^([A-Z][\w ]{2,40}):")
#: Braces and keys of the JSON answer, leaked into the rewrite's text.
_JSON_MARKS = ("{", "}", '"rewrite"', '"suggestions"')
#: Rewrites this alike, word for word, are the draft handed back.
_NEAR_UNCHANGED = 0.9
#: Shares of the draft's content words a rewrite keeps: below the first it is about
#: something else, below the second it lost the draft's point.
_UNRELATED_BELOW = 0.1
_LOST_BELOW = 0.4
#: Fewer content words than this say too little to judge by.
_FEW_WORDS = 4
#: A rewrite shorter than this share of the draft's words has kept almost nothing.
_SHORTEST_SHARE = 0.25
#: Matches of at most this many words are a phrase a rule flagged, not a stretch of text.
_FLAGGED_WORDS = 8


@dataclass(frozen=True, slots=True)
class Problem:
    #: The check's name, shown to the user when the rewrite is set aside.
    check: str
    #: What exactly is wrong, for the repair request and the note.
    detail: str


@dataclass(frozen=True, slots=True)
class RewriteChecks:
    """The lexicons and prompt markup the checks look for."""

    meta_text: tuple[regex.Pattern[str], ...]
    claims: tuple[regex.Pattern[str], ...]
    function_words: frozenset[str]
    markup: tuple[str, ...]

    @classmethod
    def load(cls, path: Path, prompt_texts: Iterable[str] = ()) -> RewriteChecks:
        data = read_yaml(path)
        try:
            meta = _compiled(data["meta_text"]["patterns"], path)
            claims = _compiled(
                [p for key, pats in data["new_claims"].items()
                 if not key.startswith("examples") for p in pats], path)
            words = frozenset(str(data["function_words"]).lower().split())
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: missing or malformed key {exc}") from None
        return cls(meta, claims, words, prompt_markup(prompt_texts))


def _compiled(patterns: Iterable[str], path: Path) -> tuple[regex.Pattern[str], ...]:
    out = []
    for pattern in patterns:
        try:
            out.append(regex.compile(pattern, regex.IGNORECASE | regex.MULTILINE))
        except regex.error as exc:
            raise ConfigError(f"{path}: bad pattern {pattern!r}: {exc}") from None
    return tuple(out)


def prompt_markup(prompt_texts: Iterable[str]) -> tuple[str, ...]:
    """The prompt's tags, headings and field labels: a rewrite that repeats them
    echoed the prompt instead of writing a post."""
    found: set[str] = set()
    for text in prompt_texts:
        found.update(m.group() for m in _TAG.finditer(text))
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("#"):
                found.add(line.lstrip("# ").strip())
            elif label := _LABEL.match(line):
                found.add(label.group())
    return tuple(sorted(m for m in found if m))


def neutralise_pings(text: str, *, partial: bool = False) -> str:
    """The text with every Discord mass ping and user/role mention made inert, for
    showing text still streaming in (with ``partial``, a mention cut off at the end is
    held back until it is complete)."""
    if "@" not in text:
        return text
    if partial:
        text = _UNFINISHED_MENTION.sub("", text)
    cleaned = _PING.sub("", text)
    return text if cleaned == text else _SPACES.sub(" ", cleaned).strip()


def facts(text: str) -> frozenset[str]:
    """The links, @mentions and numbers in ``text``, as the rules layer reads them."""
    return frozenset(t for t in protected_tokens(text) if not DISCORD_MENTION.fullmatch(t))


def hashtags(text: str | Document) -> frozenset[str]:
    doc = text if isinstance(text, Document) else Document(text)
    return frozenset(t.text.lower() for t in doc.tokens_of("hashtag"))


def _stems(words: Iterable[str]) -> set[str]:
    return {w[:5] for w in words}


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What a rewrite of one draft is compared with, worked out once per draft."""

    draft: Assessment
    #: Every link, @mention and number in the draft: the rewrite may use no others.
    facts: frozenset[str]
    #: Those the rewrite must keep (the rest were flagged by a rule), and the hashtags
    #: no rule flagged.
    kept: frozenset[str]
    #: Named things (capitalised words inside a sentence) no rule flagged.
    names: frozenset[str]
    #: Stems of the draft's content words no rule flagged.
    content: frozenset[str]
    #: The draft's language, when the coach is sure of it.
    language: str | None

    @classmethod
    def of(cls, draft: Assessment, checks: RewriteChecks) -> DraftFacts:
        flagged = " ".join(f.match for f in draft.findings)
        doc = Document(draft.text)
        found = facts(draft.text)
        kept = found - facts(flagged) if flagged else found
        kept |= hashtags(doc) - hashtags(flagged)
        # A rule may flag a long stretch (everything between two "!!!"): only the words of
        # short matches are the flagged words a rewrite may drop.
        flagged_words = {w.lower() for f in draft.findings
                         if len(words := _WORD.findall(f.match)) <= _FLAGGED_WORDS
                         for w in words}
        prose = doc.prose
        names = {w.lower() for w in _names(prose)} - flagged_words
        content = _stems(w for w in _content_words(prose, checks) if w not in flagged_words)
        return cls(draft, found, frozenset(kept), frozenset(names), frozenset(content),
                   draft.sure_language)


def _names(prose: str) -> Iterable[str]:
    for sentence in _SENTENCE.split(prose):
        words = _WORD.findall(sentence)
        for word in words[1:]:
            if word[0].isupper() and not word.isupper() and word != "I":
                yield word


def _content_words(prose: str, checks: RewriteChecks) -> list[str]:
    words = (w.lower() for w in _WORD.findall(prose))
    return [w for w in words if len(w) >= 4 and w not in checks.function_words]


def verify(candidate: Assessment, draft: DraftFacts, checks: RewriteChecks) -> list[Problem]:
    """Everything wrong with ``candidate`` as a rewrite of ``draft``, most basic first."""
    text, original = candidate.text, draft.draft.text
    problems: list[Problem] = []

    def fail(check: str, detail: str) -> None:
        problems.append(Problem(check, detail))

    lowered, original_lowered = text.lower(), original.lower()
    markup = [m for m in (*checks.markup, *_JSON_MARKS)
              if m.lower() in lowered and m.lower() not in original_lowered]
    if markup:
        fail("prompt markup", f"it repeats the prompt's own markup: {_listed(markup)}; "
                              "write only the post")
    meta = _matches(checks.meta_text, text)
    if meta:
        fail("meta-text", f"it talks about the task or the text ({_listed(meta)}) instead "
                          "of being the post itself")
    doc = Document(text)
    found = facts(text)
    pings = [m.group() for m in _PING.finditer(text)]
    pings += sorted(t for t in found - draft.facts if t.startswith("@"))
    if pings:
        fail("pings", f"it adds mentions or pings the draft does not make: {_listed(pings)}")
    language = candidate.sure_language
    if draft.language and language and language != draft.language:
        fail("language", f"it is written in '{language}' but the draft is in "
                         f"'{draft.language}'; keep the draft's language")
    kept_share = _kept_share(draft, doc.prose, checks)
    if kept_share is not None and kept_share < _UNRELATED_BELOW:
        fail("unrelated", "it is about something else; rewrite the draft's own post")
    if candidate.findings and _alike(original, text) >= _NEAR_UNCHANGED:
        fail("unchanged", "it hands back the draft almost unchanged while its problems remain")
    lost = sorted(draft.kept - found - hashtags(doc))
    lost += sorted(n for n in draft.names if n not in lowered)
    if lost:
        fail("lost content", f"it drops what the draft says: {_listed(lost)}; keep them")
    elif kept_share is not None and _UNRELATED_BELOW <= kept_share < _LOST_BELOW:
        fail("lost content", "it leaves out most of what the draft says; keep its point")
    elif _too_short(doc.prose, Document(original).prose):
        fail("lost content", "it keeps almost nothing of the draft; write a whole post")
    claims = _matches(checks.claims, text, unless_in=original)
    claims += sorted(t for t in found - draft.facts if not t.startswith("@"))
    if claims:
        fail("new claims", f"it adds claims the draft does not make: {_listed(claims)}")
    if candidate.limit is not None and candidate.length > candidate.limit:
        fail("length", f"it is {candidate.length} long but the limit is {candidate.limit}")
    added = _added_findings(draft.draft, candidate)
    # A new suggestion ("no question") is tolerated while the score still rises; a new
    # warning or error never is.
    if added and (candidate.score < draft.draft.score
                  or any(f.severity != "suggestion" for f in added)):
        fail("new problems", "it adds problems the draft did not have: "
                             + "; ".join(_describe(f) for f in added))
    elif draft.draft.findings and not _fixes_any(draft.draft, candidate):
        fail("fixes nothing", "it fixes none of the findings: "
                              + "; ".join(_describe(f) for f in candidate.findings))
    return problems


def _listed(items: Iterable[str], most: int = 5) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(f'"{i}"' for i in items[:most])
    return shown + (" …" if len(items) > most else "")


def _matches(patterns: Iterable[regex.Pattern[str]], text: str,
             unless_in: str | None = None) -> list[str]:
    found = []
    for pattern in patterns:
        match = pattern.search(text)
        if match and (unless_in is None or not pattern.search(unless_in)):
            found.append(match.group().strip())
    return found


def _kept_share(draft: DraftFacts, prose: str, checks: RewriteChecks) -> float | None:
    if len(draft.content) < _FEW_WORDS:
        return None
    words = _content_words(prose, checks)
    have = _stems(words) | {w[:4] for w in words}
    return sum(1 for stem in draft.content if stem in have) / len(draft.content)


def _too_short(prose: str, original_prose: str) -> bool:
    """A few words left of a longer draft ("F4F") are not a post."""
    words, original = len(_WORD.findall(prose)), len(_WORD.findall(original_prose))
    return words < min(_FEW_WORDS, original) or words < _SHORTEST_SHARE * original


def _alike(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower().split(), b.lower().split()).ratio()


def _counts(findings: Iterable[Finding]) -> Mapping[str, int]:
    return Counter(f.rule for f in findings)


def _added_findings(draft: Assessment, candidate: Assessment) -> list[Finding]:
    before, seen = _counts(draft.findings), Counter[str]()
    added = []
    for finding in candidate.findings:
        seen[finding.rule] += 1
        if seen[finding.rule] > before.get(finding.rule, 0):
            added.append(finding)
    return added


def _fixes_any(draft: Assessment, candidate: Assessment) -> bool:
    after = _counts(candidate.findings)
    return any(after.get(rule, 0) < n for rule, n in _counts(draft.findings).items())


def _describe(finding: Finding) -> str:
    return f'{finding.severity} ({finding.principle}): {finding.message} - "{finding.match}"'
