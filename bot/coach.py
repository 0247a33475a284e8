"""The rules layer as one object: principles, platforms and rules, loaded once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, Strict, TypeAdapter

from bot.config_files import quote, validated
from bot.errors import ConfigError, DraftTooLongError, UnknownPlatformError
from bot.language import ENGLISH, DraftLanguage, LanguageDetector, language_name, names_of
from bot.models import SEVERITY_RANK, Assessment, Critique, Finding, Rewrite, Severity
from bot.platforms import Platform, load_platforms
from bot.rewrite import offline_rewrite
from bot.rules import Engine, Rule, check_examples, load_rules
from bot.rules.lexicon import load_lexicon
from bot.settings import ConfigSource, Settings, read_yaml
from bot.text import Document, SpanReach

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Principle:
    id: str
    title: str
    summary: str
    why: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class RuleOverrides:
    """Per-team changes to the rules: some switched off, some at another severity."""

    disabled: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.disabled, tuple(sorted(self.severity.items()))))


NO_OVERRIDES = RuleOverrides()


@dataclass(frozen=True, slots=True)
class _PrincipleKeys:
    """What a principle in principles.yaml may hold."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    title: Annotated[str, Strict(), Field(min_length=1, max_length=200)]
    summary: Annotated[str, Strict(), Field(min_length=1, max_length=2000)]
    why: Annotated[str, Strict(), Field(min_length=1, max_length=2000)]
    source: Annotated[str, Strict(), Field(max_length=2000)] | int = ""


_PRINCIPLE_KEYS = TypeAdapter(_PrincipleKeys)


def load_principles(path: Path) -> dict[str, Principle]:
    data = read_yaml(path)
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{path}: expected a mapping of principle ids")
    principles = {}
    for pid, spec in data.items():
        keys = validated(_PRINCIPLE_KEYS, spec, f"{path}: principle {quote(str(pid))}")
        principles[str(pid)] = Principle(
            id=str(pid), title=keys.title, summary=keys.summary.strip(),
            why=keys.why.strip(), source=str(keys.source),
        )
    return principles


class Coach:
    """Judges drafts against the principles. Pure and synchronous; safe to share."""

    def __init__(
        self,
        principles: Mapping[str, Principle],
        platforms: Mapping[str, Platform],
        rules: list[Rule],
        detector: LanguageDetector | None = None,
        *,
        max_draft_chars: int = 20000,
    ) -> None:
        self.principles = dict(principles)
        #: None: every draft is read as English.
        self._detector = detector
        #: The languages some rule's wording speaks.
        self.wording_languages = frozenset(
            code for rule in rules for code in (rule.meta.languages or ()))
        #: Longer drafts are refused (see :meth:`check_size`).
        self.max_draft_chars = max_draft_chars
        self.platforms = dict(platforms)
        self._rules = rules
        self._rules_by_id = {rule.meta.id: rule for rule in rules}
        self._engine = Engine(rules)
        #: The rules of each platform, in order.
        self._rules_for = {platform_id: [rule for rule in rules if rule.applies_to(platform)]
                           for platform_id, platform in self.platforms.items()}
        self._speaking: dict[tuple[str, frozenset[str]], list[Rule]] = {}

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules)

    @property
    def platform_ids(self) -> list[str]:
        return list(self.platforms)

    def rule(self, rule_id: str) -> Rule | None:
        return self._rules_by_id.get(rule_id)

    def platform(self, platform_id: str) -> Platform:
        try:
            return self.platforms[platform_id]
        except KeyError:
            raise UnknownPlatformError(platform_id, self.platform_ids) from None

    def check_size(self, text: str) -> None:
        """Raise :class:`DraftTooLongError` for a draft over :attr:`max_draft_chars`:
        every step is linear in a draft's length, and this keeps that length sane."""
        if len(text) > self.max_draft_chars:
            raise DraftTooLongError(len(text), self.max_draft_chars)

    def assess(
        self, text: str, platform: str, overrides: RuleOverrides | None = None,
        rewrite_of: Assessment | None = None,
    ) -> Assessment:
        """Run every rule on ``text`` for ``platform``; findings sorted by position.

        For a rewrite of the draft ``rewrite_of``, each of the draft's warnings and
        errors whose words the rewrite still holds stays a finding, even where the
        rules would no longer see it in its new context: such a rewrite is not ready.
        """
        return self.assess_document(Document(text), platform, overrides, rewrite_of)

    def assess_document(
        self, doc: Document, platform: str, overrides: RuleOverrides | None = None,
        rewrite_of: Assessment | None = None,
    ) -> Assessment:
        """:meth:`assess` on a draft already read as a :class:`Document`, for a caller
        that runs more on the same draft (what the document works out once, it keeps)."""
        text = doc.original
        target = self.platform(platform)
        overrides = overrides or NO_OVERRIDES
        language = self.language(doc)
        reads_as = language.reads_as
        rules = self._rules_speaking(target.id, reads_as)
        if overrides.disabled:
            rules = [rule for rule in rules if rule.meta.id not in overrides.disabled]
        findings = self._engine.run(rules, doc, target, overrides.severity)
        if rewrite_of is not None:
            findings += _carried(rewrite_of, text, findings)
        findings = _without_echoes(findings)
        findings.sort(key=lambda f: (f.span[0], SEVERITY_RANK[f.severity], f.span[1]))
        return Assessment(
            text=text, platform=target.id, findings=tuple(findings),
            length=target.length(doc.post, doc), limit=target.limit,
            language=language.code, language_sure=language.sure,
            note=self._language_note(language),
        )

    def _rules_speaking(self, platform_id: str, languages: frozenset[str]) -> list[Rule]:
        """The rules of a platform that speak one of ``languages`` (remembered: drafts
        come in few languages)."""
        key = (platform_id, languages)
        rules = self._speaking.get(key)
        if rules is None:
            rules = self._speaking[key] = [rule for rule in self._rules_for[platform_id]
                                           if rule.meta.speaks(languages)]
        return rules

    def language(self, doc: Document) -> DraftLanguage:
        """The language the draft is read in (see :mod:`bot.language`)."""
        return ENGLISH if self._detector is None else self._detector.detect(doc.prose)

    def _language_note(self, language: DraftLanguage) -> str:
        if not self.wording_languages.isdisjoint(language.reads_as):
            return ""
        return (f"This draft reads as {language_name(language.code)}; the wording checks "
                f"speak {names_of(self.wording_languages)}, so it was checked only for "
                "length, hashtags, mentions, links, capitals and exclamation marks.")

    def offline_rewrite(
        self, assessment: Assessment, overrides: RuleOverrides | None = None
    ) -> Rewrite:
        return offline_rewrite(self, assessment, overrides)

    def critique(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Critique:
        self.check_size(text)
        assessment = self.assess(text, platform, overrides)
        return Critique(assessment, self.offline_rewrite(assessment, overrides))


def _carried(draft: Assessment, text: str, found: list[Finding]) -> list[Finding]:
    """The draft's warnings and errors whose words ``text`` still holds, where no
    finding of the same rule already covers them (once per rule and words: a draft
    may repeat one problem many times)."""
    carried = []
    lowered = text.casefold()
    covered = {(f.rule, f.span[0]) for f in found}
    seen: set[tuple[str, str]] = set()
    for finding in draft.blocking:
        words = finding.match.strip().casefold()
        if (not words or len(words) != len(finding.match.strip())
                or (finding.rule, words) in seen):
            continue
        seen.add((finding.rule, words))
        start = lowered.find(words)
        if start < 0:
            continue
        end = start + len(words)
        if (finding.rule, start) in covered or any(
                f.rule == finding.rule and f.span[0] < end and start < f.span[1]
                for f in found):
            continue
        carried.append(finding._replace(span=(start, end), match=text[start:end]))
    return carried


def _without_echoes(findings: list[Finding]) -> list[Finding]:
    """Drop a finding when another of the same principle already covers its words.

    Two rules of one principle often catch the same phrase ("follow back" and a
    follow-for-follow pattern); the user needs to hear it once, at the higher severity.
    A narrower finding that brings a fix the wider one lacks stays.
    """
    if len(findings) < 2:
        return findings
    ranked = sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], f.span[0] - f.span[1]))
    if len({f.principle for f in findings}) == len(findings):
        return ranked  # most drafts: no two findings of one principle, so no echoes
    starts = sorted({f.span[0] for f in findings})
    # Per principle: the reach of every kept finding, and of those with a fix.
    reaches: dict[str, tuple[SpanReach, SpanReach]] = {}
    kept: list[Finding] = []
    for finding in ranked:
        start, end = finding.span
        if finding.principle not in reaches:
            reaches[finding.principle] = (SpanReach(starts), SpanReach(starts))
        every, fixing = reaches[finding.principle]
        covering = every if finding.replacement is None else fixing
        if end > start and covering.farthest(start) >= end:
            continue
        kept.append(finding)
        every.add(start, end)
        if finding.replacement is not None:
            fixing.add(start, end)
    return kept


def build_coach(source: Settings | ConfigSource, *, examples_checked: bool = True) -> Coach:
    """Load principles, platforms and rules from the (possibly overlaid) config. Where a
    team's own files change the rules, each rule is checked against its examples
    (``examples_checked=False`` only for a report's throw-away rules, such as a model
    trained on part of the data); the packaged rules are checked by the test suite, and
    checking them again cost every start about 1.5 s of compiling."""
    config = source.config if isinstance(source, Settings) else source
    principles_file, platforms_file = config.find("principles.yaml"), config.find("platforms.yaml")
    principles = load_principles(principles_file)
    platforms = load_platforms(platforms_file)
    rule_files = config.glob("rules/*.yaml")
    if not rule_files:
        raise ConfigError(f"{config.default / 'rules'}: no rule files found")
    lexicon_files = config.glob("lexicons/*.yaml")
    lexicon = load_lexicon(lexicon_files)
    rules = load_rules(rule_files, principles, platforms, lexicon)
    # The packaged rules' examples are the test suite's; a team's own file may change
    # what any rule matches.
    teams_own = config.user is not None and any(
        path.is_relative_to(config.user)
        for path in (principles_file, platforms_file, *rule_files, *lexicon_files))
    if examples_checked and teams_own:
        for rule in rules:
            check_examples(rule, platforms[rule.meta.examples_platform])
    log.debug("loaded %d rules from %d files", len(rules), len(rule_files))
    if isinstance(source, Settings):
        return Coach(principles, platforms, rules, LanguageDetector(),
                     max_draft_chars=source.max_draft_chars)
    return Coach(principles, platforms, rules, LanguageDetector())
