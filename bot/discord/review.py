"""Team review rules: a draft's status, what counts as a material change, what is shown.

Pure functions over the store's records, so the rules are tested without Discord.

A draft's status, first match wins:

- ``posted``: the author marked it posted.
- ``changes requested``: a teammate asked for changes on the current revision (and
  has not approved it since).
- ``approved``: enough teammates approved the current revision (the server's
  setting, default 1; the author's own approval never counts).
- ``needs work``: the coach's verdict is "needs work" and the team has not approved it yet.
- ``in review``: waiting for teammates.

A revision is *material* when the normalised text (case and spacing ignored) differs
by more than :data:`MATERIAL_CHARACTERS` characters, or the coach's score or the
principles it flags changed. A material revision starts a new review round: earlier
approvals and change requests stop counting. Typo-level edits keep them.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import discord

from bot.discord.render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    NEUTRAL_COLOUR,
    PrincipleInfo,
    check_embed,
    findings_lines,
    safe_text,
    split_chunks,
    truncate,
    truncate_lines,
)
from bot.discord.store import Draft, MemberStats, Review, ReviewState, ReviewVerdict
from bot.models import Finding

Status = Literal["needs work", "in review", "changes requested", "approved", "posted"]

#: Statuses of drafts waiting for a teammate's review (the queue).
AWAITING_REVIEW: frozenset[Status] = frozenset({"in review", "needs work"})
#: More changed characters than this (after normalising) make a revision material.
MATERIAL_CHARACTERS = 5
#: Shortest message in a draft's thread that can be a new version of it.
NEW_VERSION_MINIMUM = 20
#: Name of the review field on a critique embed.
REVIEW_FIELD = "Team review"

STATUS_ICONS: dict[Status, str] = {
    "needs work": "🛠️",
    "in review": "👀",
    "changes requested": "✏️",
    "approved": "✅",
    "posted": "📣",
}


@dataclass(frozen=True, slots=True)
class Tally:
    """The reviews that count on the current revision."""

    approvals: tuple[Review, ...]
    change_requests: tuple[Review, ...]


def tally(reviews: Iterable[Review], author_id: int) -> Tally:
    """Teammates' verdicts on the current revision; the author's own never count."""
    counted = [r for r in reviews if r.reviewer_id != author_id]
    return Tally(
        approvals=tuple(r for r in counted if r.verdict == "approve"),
        change_requests=tuple(r for r in counted if r.verdict == "changes"),
    )


def required_approvals(server: int, state: ReviewState) -> int:
    """The server's number, or more if the author asked for more on this draft."""
    return max(server, state.wanted_approvals or 0, 1)


def review_status(
    *, coach_verdict: str | None, state: ReviewState, author_id: int, required: int
) -> Status:
    if state.posted_at is not None:
        return "posted"
    counted = tally(state.reviews, author_id)
    if counted.change_requests:
        return "changes requested"
    if len(counted.approvals) >= max(required, 1):
        return "approved"
    if coach_verdict == "needs-work" and not counted.approvals:
        return "needs work"
    return "in review"


# ------------------------------------------------------------------ revisions


def normalise(text: str) -> str:
    """Case and spacing ignored: re-flowing a paragraph is not a change."""
    return " ".join(text.casefold().split())


def changed_characters(before: str, after: str) -> int:
    """How many characters differ between the normalised texts (insertions and deletions)."""
    old, new = normalise(before), normalise(after)
    if old == new:
        return 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return sum(max(i2 - i1, j2 - j1)
               for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def is_material_change(
    before: str | None,
    after: str,
    *,
    score_before: int | None,
    score_after: int,
    principles_before: Sequence[str],
    principles_after: Sequence[str],
) -> bool:
    """Does this revision need a fresh review? (see the module's docstring)"""
    if before is None:
        # The old text is past its retention: nothing to compare, so review afresh.
        return True
    if score_before != score_after or set(principles_before) != set(principles_after):
        return True
    return changed_characters(before, after) > MATERIAL_CHARACTERS


def fixed_principles(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """Principles the old version tripped and the new one no longer does, in order."""
    remaining = set(after)
    return [p for p in dict.fromkeys(before) if p not in remaining]


def is_new_version(current: str | None, message: str) -> bool:
    """Is the author's message in the draft's thread a new version, or conversation?

    A new version is at least half as long as the draft and at least
    :data:`NEW_VERSION_MINIMUM` characters; "thanks, on it" is conversation.
    """
    text = message.strip()
    if len(text) < NEW_VERSION_MINIMUM:
        return False
    return current is None or len(text) * 2 >= len(current.strip())


def refusal(
    *, draft: Draft, state: ReviewState | None, user_id: int, revision: int,
    verdict: ReviewVerdict,
) -> str | None:
    """Why this member cannot review this draft now, politely; ``None`` if they can."""
    if state is None:
        return "This draft isn't under team review."
    if state.message_deleted:
        return "The draft's message was deleted, so there is nothing left to review."
    if state.posted_at is not None:
        return "This draft is already posted; no more reviews needed."
    if user_id == draft.author_id:
        if verdict == "approve":
            return ("You can't approve your own draft: a teammate's fresh eyes are the "
                    "point. Ask someone to have a look.")
        return "It's your own draft: just edit it, or post the new version in this thread."
    if revision != state.revision:
        return (f"The draft changed since you opened this (it is now revision "
                f"{state.revision}). Have a look at the new version and review that one.")
    return None


def adopt_refusal(
    *, draft: Draft, state: ReviewState | None, user_id: int, rewrite: str | None,
    writing: bool,
) -> str | None:
    """Why this member cannot make the card's rewrite the draft's next revision now."""
    if user_id != draft.author_id:
        return "Only the draft's author can use the rewrite as the new version."
    if state is None:
        return "This draft isn't under team review."
    if state.message_deleted:
        return "The draft's message was deleted, so there is nothing left to revise."
    if state.posted_at is not None:
        return "This draft is already posted."
    if writing:
        return "The rewrite is still being written; use it in a moment."
    if rewrite is None or not rewrite.strip():
        return "There is no rewrite to use: I no longer keep this draft's text."
    if draft.text is not None and normalise(rewrite) == normalise(draft.text):
        return "The rewrite is already your draft."
    return None


# ------------------------------------------------------------------ display


def status_line(status: Status) -> str:
    return f"{STATUS_ICONS[status]} **{status}**"


def review_field_value(
    *, status: Status, state: ReviewState, author_id: int, required: int
) -> str:
    """Status, who approved and who asked for what, within one embed field."""
    counted = tally(state.reviews, author_id)
    lines = [f"{status_line(status)} · revision {state.revision}"
             f" · approvals {len(counted.approvals)}/{max(required, 1)}"]
    if state.message_deleted:
        lines.append("🗑️ The draft message was deleted.")
    if state.posted_at is not None:
        lines.append("Posted" + (f": {truncate(state.posted_link, 200)}"
                                 if state.posted_link else "."))
    if counted.approvals:
        names = ", ".join(safe_text(r.reviewer_name) for r in counted.approvals)
        lines.append(truncate(f"✅ Approved by {names}", 400))
    for request in counted.change_requests:
        # No reason is left once the retention period has passed (it may quote the draft).
        reason = " ".join((request.reason or "").split()) or "(reason no longer kept)"
        lines.append(f"✏️ {safe_text(request.reviewer_name)}: {safe_text(truncate(reason, 300))}")
    if state.last_change:
        lines.append(truncate(state.last_change, 400))
    return truncate_lines(lines, FIELD_VALUE_LIMIT)


def revision_note(
    *,
    revision: int,
    score_before: int | None,
    score_after: int,
    fixed: Sequence[str],
    material: bool,
    had_reviews: bool,
    principles: Mapping[str, PrincipleInfo],
    posted: bool = False,
) -> str:
    """What a revision changed, for the critique's review field."""
    if score_before is None or score_before == score_after:
        score = f"score {score_after}/100 (unchanged)"
    else:
        score = f"score {score_before} → {score_after} ({score_after - score_before:+d})"
    if posted:
        head = f"Edited after it was posted: {score}."
    elif material:
        head = f"**Revision {revision}**: {score}."
    else:
        head = f"Small edit: {score}."
    lines = [head]
    if fixed:
        titles = [principles[p].title if p in principles else p for p in fixed]
        lines.append("Fixed: " + ", ".join(f"**{safe_text(t)}**" for t in titles) + ".")
    if material and had_reviews:
        lines.append("Earlier reviews no longer count: this version needs its own.")
    elif not material and had_reviews and not posted:
        lines.append("A small change: the reviews so far still count.")
    return truncate(" ".join(lines), CONTENT_LIMIT)


def reviews_reset_notice(revision: int, change: str, reviewers: Sequence[int] = ()) -> str:
    """Posted in the thread when a revision discards reviews, so reviewers look again.

    ``reviewers`` are named (as mentions) so the message reaches the people who acted.
    """
    who = (" ".join(f"<@{r}>" for r in dict.fromkeys(reviewers))
           or "Teammates who reviewed it")
    return truncate(f"🔁 {change}\n{who}: please have a look at revision {revision}.",
                    CONTENT_LIMIT)


def reviewers_who_acted(state: ReviewState, author_id: int) -> list[int]:
    """Teammates with a review on the state's revision, in the order they reviewed."""
    return list(dict.fromkeys(r.reviewer_id for r in state.reviews if r.reviewer_id != author_id))


def open_errors_notice(errors: Sequence[Finding], principles: Mapping[str, PrincipleInfo]) -> str:
    """What a reviewer approving a draft with errors is asked to confirm."""
    lines = findings_lines(errors, principles)
    head = (f"⛔ This draft still has {len(errors)} error{'s' if len(errors) != 1 else ''} "
            "the coach would stop it for. Approve it anyway?\n")
    return head + truncate_lines(lines, CONTENT_LIMIT - len(head) - 10)


def adopted_notice(author_name: str, revision: int) -> str:
    return truncate(f"📝 **{safe_text(author_name)}** used the rewrite as revision {revision}:",
                    CONTENT_LIMIT)


def final_text_blocks(text: str, *, size: int = CONTENT_LIMIT - 100) -> list[str] | None:
    """The approved text as copyable code blocks, or ``None`` if it must go as a file.

    A draft that itself contains a code fence would break out of the block, and
    escaping it would change what the author copies.
    """
    if "```" in text:
        return None
    return [f"```\n{chunk}\n```" for chunk in split_chunks(text, size)]


def draft_link(draft: Draft) -> str:
    return (f"https://discord.com/channels/{draft.guild_id}/{draft.channel_id}/"
            f"{draft.message_id}")


@dataclass(frozen=True, slots=True)
class QueueEntry:
    draft: Draft
    status: Status
    approvals: int
    required: int


def render_queue(
    entries: Sequence[QueueEntry], *, now: float, changes: Sequence[QueueEntry] = ()
) -> discord.Embed:
    """Drafts awaiting review, then (a field) those waiting on their author's changes."""
    embed = discord.Embed(title=f"Drafts awaiting review ({len(entries)})",
                          description=truncate_lines(
                              _queue_lines(entries, now) or
                              ["No drafts are waiting for review. 🎉"], DESCRIPTION_LIMIT),
                          colour=NEUTRAL_COLOUR)
    if changes:
        embed.add_field(name=f"Changes requested ({len(changes)}), oldest request first",
                        value=truncate_lines(_queue_lines(changes, now), FIELD_VALUE_LIMIT),
                        inline=False)
    check_embed(embed)
    return embed


def _queue_lines(entries: Sequence[QueueEntry], now: float) -> list[str]:
    lines = []
    for entry in entries:
        draft = entry.draft
        score = f"{draft.score}/100" if draft.score is not None else "not scored"
        age = _age(now - draft.created_at)
        lines.append(
            f"{STATUS_ICONS[entry.status]} [Draft]({draft_link(draft)}) by "
            f"<@{draft.author_id}> · {score} · {entry.status} · approvals "
            f"{entry.approvals}/{entry.required} · {age} ago"
        )
    return lines


def _age(seconds: float) -> str:
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def render_stats(
    name: str, stats: MemberStats, principles: Mapping[str, PrincipleInfo]
) -> discord.Embed:
    embed = discord.Embed(title=truncate(f"{name}'s drafts", 256), colour=NEUTRAL_COLOUR)
    if not stats.scores:
        embed.description = "No drafts in the drafts channels yet."
    else:
        count = len(stats.scores)
        lines = [
            f"**Drafts:** {count} ({stats.posted} posted)",
            f"**Average score:** {_mean(stats.scores)}/100 now, "
            f"{_mean(stats.first_scores)}/100 as first posted",
        ]
        if count >= 4:
            half = count // 2
            lines.append(f"**Trend (first posted):** {_mean(stats.first_scores[:half])} → "
                         f"{_mean(stats.first_scores[half:])} (older half → newer half)")
        embed.description = "\n".join(lines)
        tripped = Counter(p for drafted in stats.first_principles for p in drafted)
        if tripped:
            top = [f"• **{safe_text(principles[p].title) if p in principles else p}** · "
                   f"`{p}`: {n} draft{'s' if n != 1 else ''}"
                   for p, n in tripped.most_common(5)]
            embed.add_field(name="Principles tripped most",
                            value=truncate_lines(top, FIELD_VALUE_LIMIT), inline=False)
    given = stats.approvals_given + stats.changes_given
    embed.add_field(
        name="Reviews given to teammates",
        value=f"{given} ({stats.approvals_given} approvals, "
              f"{stats.changes_given} change requests)",
        inline=False,
    )
    check_embed(embed)
    return embed


def with_team_fields(
    embed: discord.Embed, *, dismissed: Sequence[tuple[str, int]], tokens_used: int | None,
    budget: int | None, period: str,
) -> discord.Embed:
    """Member stats with the server's side: rules the team dismisses most, and the model
    tokens used this period (``None``: no model writes this server's rewrites)."""
    copy = embed.copy()
    if dismissed:
        lines = [f"• `{rule}`: {n} member{'s' if n != 1 else ''} found it unhelpful"
                 for rule, n in dismissed]
        copy.add_field(name="Rules the team dismisses most (30 days)",
                       value=truncate_lines(lines, FIELD_VALUE_LIMIT), inline=False)
    if tokens_used is not None:
        cap = f" of {budget:,}" if budget is not None else " (no budget set)"
        copy.add_field(name=f"Model use by this server this {period}",
                       value=f"{tokens_used:,} tokens{cap}", inline=False)
    check_embed(copy)
    return copy


def _mean(values: Sequence[int]) -> int:
    return round(sum(values) / len(values)) if values else 0
