"""``in-reply``: another principle's warning, in a reply, read as not listening too."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from bot.errors import ConfigError
from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register, to_findings
from bot.text import Document


@register
class InReply(Rule):
    """Fires in a reply where a rule under one of ``principles`` raises a warning or an
    error, once, at the first such place. A draft is a reply when it opens with an
    @handle or with one of ``reply_openers`` (sequences, as a concept rule's: the note a
    teammate puts before a draft reply, "replying to @dan:"). A sales push under
    someone's question or bad news breaks two principles: it sells, and it has not heard
    them. The rules it reads are every loaded rule under ``principles``; it runs them
    itself, so it is checked against its examples like any other rule.
    """

    kind = "in-reply"
    keys: ClassVar[dict[str, bool]] = {"principles": True, "reply_openers": True}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        self.principles = frozenset(spec.str_list("principles", required=True))
        openers = spec.str_list("reply_openers", required=True)
        self.reply_openers = self.prefiltered(spec.folded_pattern(openers))
        #: The rules it reads, set once every rule is loaded (:meth:`link`).
        self.read: tuple[Rule, ...] = ()

    def link(self, rules: Sequence[Rule]) -> None:
        self.read = tuple(rule for rule in rules if rule.meta.principle in self.principles)
        if unread := self.principles - {rule.meta.principle for rule in self.read}:
            raise ConfigError(f"{self.meta.file}: rule '{self.meta.id}': 'principles' names "
                              f"{sorted(unread)[0]!r}, which no rule judges")

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        if not (doc.is_reply or self._opens_with_note(live)):
            return
        for rule in self.read:
            # A rule the team turned off is not read; one it turned down, at its severity.
            if not (rule.applies_to(platform) and rule.judges(doc)) or (live.running is not None
                                                 and rule.meta.id not in live.running):
                continue
            severity = live.severities.get(rule.meta.id)
            for finding in to_findings(rule, rule.find(doc, platform, live), doc, platform,
                                       severity):
                if finding.severity != "suggestion":
                    yield Hit(*finding.span, original=True)
                    return

    def _opens_with_note(self, live: Live) -> bool:
        """Whether the draft's first words are one of the reply openers (marks may come
        before them)."""
        opener = live.search(self.reply_openers)
        return opener is not None and not any(
            char.isalnum() for char in live.text(self.reply_openers)[:opener.start()])
