"""The values the coach produces: findings, assessments, rewrites and critiques.

All of them are immutable (small frozen dataclasses, and a named tuple for the findings,
which a draft has many of) so they can be shared between the CLI, the LLM step and the
Discord cogs without anyone mutating someone else's result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning", "suggestion"]
Verdict = Literal["ready", "almost", "needs-work", "nothing-to-coach"]
RewriteSource = Literal["llm", "offline"]

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "suggestion")
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "suggestion": 2}
#: What one finding of each severity costs a draft's 0-100 score.
SEVERITY_COST: dict[str, int] = {"error": 35, "warning": 15, "suggestion": 4}


class Finding(NamedTuple):  # made in C: a frozen dataclass takes several times longer
    """One thing in a draft that breaks a principle, and how to fix it.

    ``span`` indexes the text exactly as the user wrote it, and ``match`` is always
    ``text[span[0]:span[1]]``.
    """

    rule: str
    principle: str
    severity: Severity
    message: str
    span: tuple[int, int]
    match: str
    suggestion: str
    why: str = ""
    #: What the offline rewrite puts in place of ``match``; ``None`` means the rule
    #: offers no mechanical edit (the suggestion is advice only).
    replacement: str | None = None
    #: Whether the rule marks the words as a plug for somewhere else (a channel, a link)
    #: that sells the way the selling principles' findings do (see the offline rewrite).
    plug: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "principle": self.principle,
            "severity": self.severity,
            "message": self.message,
            "span": list(self.span),
            "match": self.match,
            "suggestion": self.suggestion,
        }


def score_findings(findings: tuple[Finding, ...] | list[Finding]) -> int:
    return max(0, 100 - sum(SEVERITY_COST[f.severity] for f in findings))


def has_words(text: str) -> bool:
    """Whether ``text`` holds a word at all (emoji, punctuation and invisible characters
    alone are nothing to coach)."""
    return any(ch.isalpha() for ch in text)


def verdict_for(findings: tuple[Finding, ...] | list[Finding]) -> Verdict:
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "needs-work"
    if "warning" in severities:
        return "almost"
    return "ready"


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the rules layer says about one text on one platform."""

    text: str
    platform: str
    findings: tuple[Finding, ...]
    #: Length of the text as the platform counts it.
    length: int = 0
    limit: int | None = None
    #: The draft's language (ISO 639-1), or "unknown".
    language: str = "en"
    #: Whether the detector is sure of ``language`` (a short or mixed draft is read as
    #: English as well as its likeliest language).
    language_sure: bool = True
    #: One line for the user about what was not checked (a language no wording rule
    #: speaks), or "".
    note: str = ""

    @property
    def sure_language(self) -> str | None:
        """The draft's language when the detector is sure of it, else None."""
        return self.language if self.language_sure else None

    @property
    def score(self) -> int:
        # A draft without words is no post: it earns no score, however clean.
        return score_findings(self.findings) if has_words(self.text) else 0

    @property
    def verdict(self) -> Verdict:
        return verdict_for(self.findings) if has_words(self.text) else "nothing-to-coach"

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Findings of severity warning or error: the ones that stop a post."""
        return tuple(f for f in self.findings if f.severity != "suggestion")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A piece of advice from the rewrite step, tied to a principle."""

    principle: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"principle": self.principle, "text": self.text}


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A better version of the draft, already checked again by the rules layer."""

    text: str
    source: RewriteSource
    assessment: Assessment
    suggestions: tuple[Suggestion, ...] = ()
    summary: str = ""
    #: One line for the user when something did not go as planned
    #: (for example "The model was unavailable; this is the offline rewrite.").
    note: str = ""
    usage: Usage = field(default_factory=Usage)
    #: The check that set the model's rewrite aside, when this is the fallback for one.
    rejected_by: str = ""

    @property
    def score(self) -> int:
        return self.assessment.score

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "source": self.source,
            "score": self.score,
            "verdict": self.assessment.verdict,
            "findings": [f.to_dict() for f in self.assessment.findings],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "summary": self.summary,
        }
        if self.note:
            data["note"] = self.note
        if self.rejected_by:
            data["rejected_by"] = self.rejected_by
        return data


@dataclass(frozen=True, slots=True)
class Critique:
    """Everything the coach says about one draft: findings, score, verdict, rewrite."""

    assessment: Assessment
    rewrite: Rewrite | None = None

    @property
    def text(self) -> str:
        return self.assessment.text

    @property
    def platform(self) -> str:
        return self.assessment.platform

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.assessment.findings

    @property
    def score(self) -> int:
        return self.assessment.score

    @property
    def verdict(self) -> Verdict:
        return self.assessment.verdict

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "platform": self.platform,
            "score": self.score,
            "verdict": self.verdict,
            "length": self.assessment.length,
            "limit": self.assessment.limit,
            "language": self.assessment.language,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.assessment.note:
            data["note"] = self.assessment.note
        data["rewrite"] = self.rewrite.to_dict() if self.rewrite else None
        return data
