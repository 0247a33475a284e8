"""Critiques and rule lists for a terminal: the offending words marked in place."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from typing import TYPE_CHECKING

from bot.models import Critique, Finding

if TYPE_CHECKING:
    from bot.coach import Coach

_SEVERITY_COLOR = {"error": "31", "warning": "33", "suggestion": "36"}
_VERDICT_TEXT = {
    "ready": "ready to post",
    "almost": "almost there: fix the warnings",
    "needs-work": "needs work: fix the errors before posting",
    "nothing-to-coach": "nothing to coach: the draft has no words",
}
_WIDTH = 88


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _quote(finding: Finding, limit: int = 70) -> str:
    match = " ".join(finding.match.split())
    return match if len(match) <= limit else match[: limit - 1] + "…"


def marked_draft(text: str, findings: tuple[Finding, ...], color: bool) -> str:
    """The draft with each finding's words marked: coloured, or [[like this]]."""
    spans = sorted({f.span for f in findings if f.span[1] > f.span[0]})
    out, pos = [], 0
    for start, end in spans:
        if start < pos:  # overlaps one already marked
            continue
        out.append(text[pos:start])
        words = text[start:end]
        out.append(_paint(words, "1;4", color) if color else f"[[{words}]]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def render_critique(critique: Critique, coach: Coach, color: bool = False) -> str:
    lines: list[str] = []
    platform = coach.platforms[critique.platform]
    limit = critique.assessment.limit
    length = f"{critique.assessment.length}/{limit}" if limit else str(
        critique.assessment.length)
    lines.append(_paint(f"Draft for {platform.name} ({length} characters)", "1", color))
    lines.append(textwrap.indent(marked_draft(critique.text, critique.findings, color), "  "))
    lines.append("")
    if critique.assessment.note:
        lines.append(textwrap.fill(critique.assessment.note, _WIDTH))
        lines.append("")
    if critique.findings:
        lines.append(_paint("Findings", "1", color))
        by_principle: dict[str, list[Finding]] = defaultdict(list)
        for finding in critique.findings:
            by_principle[finding.principle].append(finding)
        for principle_id, findings in by_principle.items():
            principle = coach.principles.get(principle_id)
            title = principle.title if principle else principle_id
            lines.append(f"  {title} ({principle_id})")
            by_rule: dict[str, list[Finding]] = defaultdict(list)
            for finding in findings:
                by_rule[finding.rule].append(finding)
            for same_rule in by_rule.values():
                first = same_rule[0]
                tag = _paint(f"{first.severity:<10}", _SEVERITY_COLOR[first.severity], color)
                lines.append(f"    {tag} {first.message}")
                if len(same_rule) > 1:
                    also = ", ".join(f'"{_quote(f)}"' for f in same_rule[1:])
                    lines.append(textwrap.fill(f"also: {also}", _WIDTH, initial_indent=" " * 15,
                                               subsequent_indent=" " * 21))
                lines.append(textwrap.fill(f"fix: {first.suggestion}", _WIDTH,
                                           initial_indent=" " * 15,
                                           subsequent_indent=" " * 20))
        lines.append("")
    else:
        lines.append("No findings.")
        lines.append("")
    rewrite = critique.rewrite
    if rewrite is not None and rewrite.text != critique.text:
        label = "model" if rewrite.source == "llm" else "offline"
        lines.append(_paint(f"Rewrite ({label}, score {rewrite.score})", "1", color))
        lines.append(textwrap.indent(rewrite.text, "  "))
        for suggestion in rewrite.suggestions:
            lines.append(textwrap.fill(f"- {suggestion.text} ({suggestion.principle})", _WIDTH,
                                       initial_indent="  ", subsequent_indent="    "))
        if rewrite.note:
            lines.append(f"  {rewrite.note}")
        lines.append("")
    elif rewrite is not None and rewrite.suggestions:
        lines.append(_paint("Suggestions", "1", color))
        if rewrite.summary:  # why the draft is left as it is
            lines.append(textwrap.fill(rewrite.summary, _WIDTH, initial_indent="  ",
                                       subsequent_indent="  "))
        lines.extend(f"  - {s.text} ({s.principle})" for s in rewrite.suggestions)
        if rewrite.note:
            lines.append(f"  {rewrite.note}")
        lines.append("")
    verdict = f"Score {critique.score}/100 · {_VERDICT_TEXT[critique.verdict]}"
    code = {"ready": "32", "almost": "33", "needs-work": "31",
            "nothing-to-coach": "36"}[critique.verdict]
    lines.append(_paint(verdict, "1;" + code, color))
    return "\n".join(lines)


def render_rules(coach: Coach) -> str:
    lines: list[str] = []
    by_principle: dict[str, list] = defaultdict(list)
    for rule in coach.rules:
        by_principle[rule.meta.principle].append(rule)
    for principle_id, principle in coach.principles.items():
        rules = by_principle.get(principle_id, [])
        lines.append(f"{principle_id}: {principle.title} ({len(rules)} rules)")
        for rule in rules:
            lines.append(f"  {rule.meta.id:<26} {rule.meta.severity:<10} {rule.meta.kind}")
        lines.append("")
    return "\n".join(lines).rstrip()
