"""What the bot's messages look like, inside every Discord limit by construction.

Every builder here returns embeds whose title, description, fields, footer and
total size are within Discord's limits whatever the draft, the findings or the
rewrite contain: long parts are cut at a line or word boundary and say so. Draft
text shown back to users is escaped so it can neither break the layout nor
mention anyone (messages are also sent with allowed mentions that parse nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import discord

from bot.models import Assessment, Finding, Rewrite

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
#: Characters of one quoted offending phrase; enough to recognise it.
QUOTE_LIMIT = 80
#: Room always left for the findings when a long rewrite shares the embed.
FINDINGS_MINIMUM = 700
#: Room for the fields after the rewrite (suggestions, notes, review status).
EXTRAS_BUDGET = 1800
#: Room kept free for a note added to the footer later ("shared by ...").
FOOTER_RESERVE = 64

ELLIPSIS = "…"
WRITING = "writing…"
#: Over text still streaming in: the model's words are checked only once they are all in,
#: and replaced then by the checked rewrite or the offline one.
IN_PROGRESS = "_Draft in progress, not checked yet:_"


class PrincipleInfo(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def why(self) -> str: ...


@dataclass(frozen=True, slots=True)
class VerdictStyle:
    label: str
    emoji: str
    colour: int


VERDICT_STYLES: dict[str, VerdictStyle] = {
    "ready": VerdictStyle("Ready to post", "✅", 0x2ECC71),
    "almost": VerdictStyle("Almost there", "🟡", 0xF1C40F),
    "needs-work": VerdictStyle("Needs work", "🛑", 0xE74C3C),
    "nothing-to-coach": VerdictStyle("Nothing to coach: no words", "💬", 0x95A5A6),
}
SEVERITY_ICONS = {"error": "⛔", "warning": "⚠️", "suggestion": "💡"}
NEUTRAL_COLOUR = 0x5865F2


# --------------------------------------------------------------------- helpers


def truncate(text: str, limit: int, *, marker: str = ELLIPSIS) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(marker):
        return marker[:limit]
    cut = text[: limit - len(marker)]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= len(cut) * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + marker


def truncate_lines(lines: Sequence[str], limit: int, *, more: str = "…and {n} more") -> str:
    """Join whole lines within ``limit``; the lines that do not fit are counted, not cut."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        remaining = len(lines) - index
        tail = "\n" + more.format(n=remaining)
        cost = len(line) + (1 if out else 0)
        # Keep room for the "and N more" line unless this is the last line.
        reserve = 0 if remaining == 1 else len(tail)
        if used + cost + reserve <= limit:
            out.append(line)
            used += cost
            continue
        if not out:
            # Not even one whole line fits: show the start of it.
            return truncate(line, limit)
        return "\n".join(out) + tail
    return "\n".join(out)


def split_chunks(text: str, size: int) -> list[str]:
    """Split ``text`` into pieces of at most ``size`` characters at line or word breaks."""
    chunks: list[str] = []
    rest = text
    while len(rest) > size:
        window = rest[:size]
        cut = window.rfind("\n")
        if cut < size // 2:
            cut = window.rfind(" ")
        if cut < size // 2:
            cut = size
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip(" \n")
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A user's words on one line, markdown shown literally and mentions defused."""
    flat = " ".join(text.split())
    return f"“{discord.utils.escape_mentions(safe_text(truncate(flat, limit)))}”"


def safe_text(text: str) -> str:
    """Text shown as written: markdown escaped, so what a user copies is what they wrote.

    Mentions stay as typed (no zero-width spaces that would end up in a copied
    rewrite): embeds never notify anyone, and every message is sent with allowed
    mentions that parse nothing (a review message lists only the people it names).
    """
    return discord.utils.escape_markdown(text, as_needed=False)


def fit_content(text: str) -> str:
    return truncate(text, CONTENT_LIMIT)


def embed_size(embed: discord.Embed) -> int:
    """The size Discord counts against the 6000-character limit."""
    return len(embed)


def check_embed(embed: discord.Embed) -> None:
    """Raise ``ValueError`` if ``embed`` breaks a Discord limit (used by tests and asserts)."""
    problems = []
    if embed.title and len(embed.title) > TITLE_LIMIT:
        problems.append("title")
    if embed.description and len(embed.description) > DESCRIPTION_LIMIT:
        problems.append("description")
    if len(embed.fields) > FIELD_COUNT_LIMIT:
        problems.append("field count")
    for field in embed.fields:
        if not field.name or len(field.name) > FIELD_NAME_LIMIT:
            problems.append(f"field name {field.name!r}")
        if not field.value or len(field.value) > FIELD_VALUE_LIMIT:
            problems.append(f"field value of {field.name!r}")
    if embed.footer.text and len(embed.footer.text) > FOOTER_LIMIT:
        problems.append("footer")
    if len(embed) > EMBED_TOTAL_LIMIT:
        problems.append(f"total size {len(embed)}")
    if problems:
        raise ValueError("embed over Discord's limits: " + ", ".join(problems))


# ------------------------------------------------------------------ critiques


@dataclass(frozen=True, slots=True)
class CritiqueCard:
    """Everything one critique message shows."""

    assessment: Assessment
    platform_name: str
    #: The finished rewrite, or ``None`` while it is being written.
    rewrite: Rewrite | None = None
    #: The rewrite text streamed so far, shown while ``rewrite`` is ``None``.
    partial: str = ""
    #: The score before the draft was edited, to show the change.
    previous_score: int | None = None
    #: Who asked, when it is not obvious (context menu, posted answers).
    byline: str = ""
    #: More (name, value) fields after the rewrite, such as a team review's status.
    extra_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedCritique:
    embed: discord.Embed
    #: The whole rewrite when the embed could only show part of it; sent as a file.
    full_rewrite: str | None = None


def _title(card: CritiqueCard) -> str:
    style = VERDICT_STYLES[card.assessment.verdict]
    score = card.assessment.score
    title = f"{style.emoji} {style.label} · {score}/100"
    if card.previous_score is not None and card.previous_score != score:
        delta = score - card.previous_score
        title += f" (was {card.previous_score}, {delta:+d})"
    elif card.previous_score is not None:
        title += " (unchanged)"
    return truncate(title, TITLE_LIMIT)


def _footer(card: CritiqueCard) -> str:
    a = card.assessment
    size = f"{a.length}/{a.limit}" if a.limit else f"{a.length}"
    parts = [f"{card.platform_name} · {size} characters"]
    if card.byline:
        parts.append(card.byline)
    # Far below the 2048 limit: the footer is one line, and the rest of the embed needs room.
    return truncate(" · ".join(parts), 300)


def _finding_groups(findings: Iterable[Finding]) -> dict[str, dict[str, list[Finding]]]:
    """Findings by principle, then by rule, in the order they first appear."""
    groups: dict[str, dict[str, list[Finding]]] = {}
    for finding in findings:
        groups.setdefault(finding.principle, {}).setdefault(finding.rule, []).append(finding)
    return groups


def findings_lines(
    findings: Sequence[Finding], principles: Mapping[str, PrincipleInfo]
) -> list[str]:
    """One heading line per principle, one line per rule with the words it caught."""
    if not findings:
        return ["Nothing to fix: this draft follows every principle the coach checks."]
    lines: list[str] = []
    for principle_id, rules in _finding_groups(findings).items():
        info = principles.get(principle_id)
        heading = info.title if info is not None else principle_id
        if lines:
            lines.append("")
        lines.append(truncate(f"**{heading}** · `{principle_id}`", 200))
        for hits in rules.values():
            first = hits[0]
            icon = SEVERITY_ICONS.get(first.severity, "•")
            # Quote every hit's words, except those the shown message already quotes.
            quoted = [h for h in hits
                      if h.match.strip() and not (h is first and h.match in first.message)]
            words = ", ".join(quote(h.match) for h in quoted[:3])
            if len(quoted) > 3:
                words += f" (+{len(quoted) - 3} more)"
            line = f"{icon} {safe_text(first.message)}"
            if words:
                line += f" {words}"
            if first.suggestion:
                line += f"\n  ↳ {safe_text(first.suggestion)}"
            lines.append(truncate(line, 600))
    return lines


def _rewrite_fields(card: CritiqueCard, cap: int) -> tuple[list[tuple[str, str]], str | None]:
    """(name, value) fields for the rewrite, at most ``cap`` characters in all."""
    rewrite = card.rewrite
    if rewrite is None:
        name = f"Rewrite · {WRITING}"
        body = (f"{IN_PROGRESS}\n{safe_text(card.partial)} ▍" if card.partial
                else "_The rewrite is on its way._")
        full = None
    else:
        source = "model" if rewrite.source == "llm" else "offline rewrite"
        style = VERDICT_STYLES[rewrite.assessment.verdict]
        name = f"Rewrite · {style.emoji} {rewrite.score}/100 · {source}"
        body = safe_text(rewrite.text) if rewrite.text.strip() else "_(empty)_"
        full = None
    budget = max(cap, 200)
    if len(body) > budget:
        if rewrite is not None:
            full = rewrite.text
            body = truncate(body, budget - 60) + "\n_(shortened here; the full text is attached)_"
        else:
            # While writing, show the newest words: that is what the user watches.
            body = ELLIPSIS + body[-(budget - 1):]
    chunks = split_chunks(body, FIELD_VALUE_LIMIT)
    fields = [(name if i == 0 else "Rewrite (continued)", chunk or "\u200b")
              for i, chunk in enumerate(chunks)]
    return fields, full


def _extra_fields(card: CritiqueCard) -> list[tuple[str, str]]:
    rewrite = card.rewrite
    fields: list[tuple[str, str]] = []
    if card.assessment.note:  # what was not checked: a language no wording rule speaks
        fields.append(("Language", truncate(safe_text(card.assessment.note),
                                            FIELD_VALUE_LIMIT)))
    if rewrite is None:
        return fields
    lines = []
    if rewrite.summary:
        lines.append(f"_{safe_text(rewrite.summary)}_")
    lines += [f"• {safe_text(s.text)} (`{s.principle}`)" for s in rewrite.suggestions]
    if lines:
        fields.append(("Suggestions", truncate_lines(lines, FIELD_VALUE_LIMIT)))
    if rewrite.note:
        fields.append(("Note", truncate(safe_text(rewrite.note), FIELD_VALUE_LIMIT)))
    return fields


def _card_fields(card: CritiqueCard) -> list[tuple[str, str]]:
    """The fields after the rewrite, within :data:`EXTRAS_BUDGET` characters in all."""
    fitted: list[tuple[str, str]] = []
    left = EXTRAS_BUDGET
    for name, value in [*_extra_fields(card), *card.extra_fields][: FIELD_COUNT_LIMIT - 6]:
        name = truncate(name, min(FIELD_NAME_LIMIT, 100)) or "\u200b"
        room = min(FIELD_VALUE_LIMIT, left - len(name))
        if room < 40:
            break
        value = truncate(value, room) or "\u200b"
        fitted.append((name, value))
        left -= len(name) + len(value)
    return fitted


def render_critique(
    card: CritiqueCard, principles: Mapping[str, PrincipleInfo]
) -> RenderedCritique:
    """The one embed of a critique: verdict, findings by principle, then the rewrite."""
    style = VERDICT_STYLES[card.assessment.verdict]
    title = _title(card)
    footer = _footer(card)
    extras = _card_fields(card)
    fixed = len(title) + len(footer) + sum(len(n) + len(v) for n, v in extras)
    # Field names of the rewrite chunks: one per 1024 characters, at most ~6.
    rewrite_cap = EMBED_TOTAL_LIMIT - fixed - FINDINGS_MINIMUM - 6 * 24
    rewrite_fields, full = _rewrite_fields(card, rewrite_cap)
    used = fixed + sum(len(n) + len(v) for n, v in rewrite_fields)
    description_budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used - FOOTER_RESERVE)
    description = truncate_lines(
        findings_lines(card.assessment.findings, principles), description_budget,
        more="…and {n} more lines (press **Why?** for the reasoning)",
    )
    embed = discord.Embed(title=title, description=description, colour=style.colour)
    for name, value in [*rewrite_fields, *extras]:
        embed.add_field(name=truncate(name, FIELD_NAME_LIMIT), value=value, inline=False)
    embed.set_footer(text=footer)
    check_embed(embed)
    return RenderedCritique(embed, full)


def with_footer_note(embed: discord.Embed, note: str) -> discord.Embed:
    """A copy of a critique embed with ``note`` added to its footer, still within limits."""
    copy = embed.copy()
    note = truncate(note, FOOTER_RESERVE - 3)
    footer = copy.footer.text
    copy.set_footer(text=f"{footer} · {note}" if footer else note)
    return copy


def with_field(embed: discord.Embed, name: str, value: str) -> discord.Embed:
    """A copy of ``embed`` whose field ``name`` (last, replaced if present) says ``value``.

    A full embed makes room by shortening its description (the findings, which
    **Why?** explains in full); the value itself is shortened only as a last resort.
    """
    copy = embed.copy()
    for index in reversed(range(len(copy.fields))):
        if copy.fields[index].name == name:
            copy.remove_field(index)
    if len(copy.fields) >= FIELD_COUNT_LIMIT:
        copy.remove_field(len(copy.fields) - 1)
    limit = EMBED_TOTAL_LIMIT - FOOTER_RESERVE
    over = len(copy) + len(name) + min(len(value), FIELD_VALUE_LIMIT) - limit
    if over > 0 and copy.description:
        keep = max(len(copy.description) - over, min(len(copy.description), 300))
        copy.description = truncate(copy.description, keep)
    room = min(FIELD_VALUE_LIMIT, limit - len(copy) - len(name))
    copy.add_field(name=name, value=truncate(value, room) or "\u200b", inline=False)
    check_embed(copy)
    return copy


# ------------------------------------------------------------- other answers


def render_why(
    principle_ids: Sequence[str], principles: Mapping[str, PrincipleInfo]
) -> discord.Embed:
    """The principles behind a critique's findings, with their reasoning."""
    lines: list[str] = []
    for principle_id in dict.fromkeys(principle_ids):
        info = principles.get(principle_id)
        if info is None:
            continue
        lines.append(f"**{info.title}** · `{info.id}`\n{info.summary}\n_{info.why}_\n")
    if not lines:
        lines = ["This draft broke no principle, so there is nothing to explain. Nice work."]
    description = truncate_lines(lines, DESCRIPTION_LIMIT)
    embed = discord.Embed(title="Why these findings", description=description,
                          colour=NEUTRAL_COLOUR)
    check_embed(embed)
    return embed


def render_principles(principles: Iterable[PrincipleInfo]) -> discord.Embed:
    lines = [f"**{p.title}** · `{p.id}`\n{p.summary}" for p in principles]
    embed = discord.Embed(
        title="The principles draftcoach checks",
        description=truncate_lines(lines, DESCRIPTION_LIMIT),
        colour=NEUTRAL_COLOUR,
    )
    check_embed(embed)
    return embed


HELP_TEXT = (
    "**Drafts channels.** Post a draft in a drafts channel (listed below): I answer in a "
    "thread with the findings at once and a rewrite right after. A `.txt` file counts as "
    "the draft; a message with no text gets no thread. Edit your message and I update my "
    "answer with the new score. You can also DM me a draft.\n\n"
    "**/critique** `draft:` critiques text; without `draft` it opens a box for long, "
    "multi-line drafts. `platform:` checks against that platform's limit and habits; "
    "`private:` shows the answer only to you.\n\n"
    "**Right-click a message → Apps → Critique draft** to review a teammate's draft; only "
    "you see the answer until you press **Post it**.\n\n"
    "**Buttons.** *Another version* writes a fresh rewrite (for the author and the "
    "draft's reviewers), *Why?* explains the principles behind the findings, "
    "*Not helpful* tells the coach a finding is wrong for this team "
    "(three teammates in 30 days make that rule one level milder here), *Dismiss* removes "
    "the critique (the draft's author only).\n\n"
    "**Team review.** 1. Post the draft. 2. Teammates press *Approve* or *Request changes* "
    "(you are mentioned, and they join the thread). 3. Revise: edit the draft, post the new "
    "version in its thread, or press *Use this rewrite*; the reviewers are mentioned to "
    "look at the new revision. 4. Once approved you get the approved text to copy and a "
    "*Mark posted* button. Approving a draft with open errors asks the reviewer to confirm.\n"
    "`/coach queue` lists drafts waiting for review and those with changes requested, "
    "`/coach stats` shows how drafts improve and the rules the team dismisses most, "
    "`/coach rules list` shows the rules this server changed, `/coach review need` (in "
    "your draft's thread) asks for more approvals.\n\n"
    "**Settings** (Manage Server): `/coach-admin channels|platform|rules|llm|review`."
)


def render_help(channel_ids: Sequence[int] = ()) -> discord.Embed:
    """How the bot works, with the server's drafts channels."""
    embed = discord.Embed(title="How draftcoach helps", description=HELP_TEXT,
                          colour=NEUTRAL_COLOUR)
    listing = (truncate_lines([f"<#{i}>" for i in channel_ids], FIELD_VALUE_LIMIT)
               if channel_ids else "None yet: an admin adds one with "
               "`/coach-admin channels add`.")
    embed.add_field(name="Drafts channels here", value=listing, inline=False)
    check_embed(embed)
    return embed
