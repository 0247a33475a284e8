"""Findings the team can answer: "Not helpful" on a finding, and the rules it demotes.

A member picks the finding's rule and may say why; votes are stored per server. When
:data:`~bot.discord.store.DISMISSALS_TO_DEMOTE` different members of a server said so
within :data:`~bot.discord.store.DISMISSAL_WINDOW_DAYS` days, the rule reports one
severity level lower there: said once in the footer of the server's next critique,
listed in ``/coach rules list``, and undone by ``/coach-admin rules restore``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.discord.coaching import Coaching, cannot_coach, respond_or_followup
from bot.discord.cogs.coach import answer, join_group, leave_group, managed_guild
from bot.discord.peers import CoachBot
from bot.discord.render import truncate
from bot.discord.store import DISMISSAL_WINDOW_DAYS, DISMISSALS_TO_DEMOTE
from bot.discord.views import DraftButton, answer_form, load_draft, report_failure, show_form
from bot.errors import DraftcoachError
from bot.models import SEVERITIES, SEVERITY_RANK, Finding

log = logging.getLogger(__name__)

#: A submitted "not helpful" form: ``dc:unhelpful-form:<draft>:<rule>``.
FORM_ID = re.compile(r"dc:unhelpful-form:(?P<draft>\d+):(?P<rule>.+)")
#: Longest rule id a form's custom_id (100 characters at most) can carry.
RULE_ID_MAX = 60


def milder(severity: str) -> str | None:
    """The severity one level below, or ``None`` for the mildest."""
    rank = SEVERITY_RANK.get(severity)
    return None if rank is None or rank + 1 >= len(SEVERITIES) else SEVERITIES[rank + 1]


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def feedback_of(interaction: discord.Interaction) -> FindingFeedback:
    cog = interaction.client.get_cog("FindingFeedback")  # type: ignore[attr-defined]
    assert isinstance(cog, FindingFeedback)
    return cog


class NotHelpfulButton(DraftButton, template=r"dc:unhelpful:(?P<draft>\d+)"):
    action = "unhelpful"
    label = "Not helpful"
    emoji = "👎"

    async def handle(self, interaction: discord.Interaction) -> None:
        await feedback_of(interaction).pick_finding(interaction, self.draft_id)


class FindingPick(
    ui.DynamicItem[ui.Select[Any]], template=r"dc:unhelpful-pick:(?P<draft>\d+)"
):
    """The findings of one critique, to say which one is not helpful."""

    def __init__(self, draft_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(ui.Select(
            custom_id=f"dc:unhelpful-pick:{draft_id}", placeholder="Which finding?",
            options=options or [discord.SelectOption(label="-", value="-")]))
        self.draft_id = draft_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: Any, /
    ) -> FindingPick:
        return cls(int(match["draft"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        values: Any = (interaction.data or {}).get("values") or []
        rule = str(values[0]) if values else ""
        try:
            await show_form(interaction, NotHelpfulForm(self.draft_id, rule))
        except Exception:
            await report_failure(interaction, log, "the finding picker failed for draft %d",
                                 self.draft_id)


class NotHelpfulForm(ui.Modal, title="Not helpful"):
    reason: ui.TextInput[NotHelpfulForm] = ui.TextInput(
        label="Why? (optional)", custom_id="reason", style=discord.TextStyle.paragraph,
        placeholder="For example: we write like this on purpose.", required=False,
        max_length=500,
    )

    def __init__(self, draft_id: int, rule: str) -> None:
        super().__init__(custom_id=f"dc:unhelpful-form:{draft_id}:{rule}")


class FindingFeedback(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        self.coaching: Coaching = bot.coaching
        self.store = bot.coaching.store

    async def cog_load(self) -> None:
        join_group(self, self.bot, "coach-admin", "rules")
        self.bot.add_dynamic_items(NotHelpfulButton, FindingPick)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NotHelpfulButton, FindingPick)
        leave_group(self.bot, "restore", "coach-admin", "rules")

    def buttons(self, draft_id: int) -> list[ui.Item[Any]]:
        return [NotHelpfulButton(draft_id)]

    async def pick_finding(self, interaction: discord.Interaction, draft_id: int) -> None:
        draft = await load_draft(interaction, draft_id)
        if draft is None:
            return
        if draft.guild_id is None:
            await respond_or_followup(interaction, "Findings can be voted on in servers only.")
            return
        if draft.text is None:
            await respond_or_followup(interaction, "I no longer keep this draft's text, so "
                                                   "its findings are gone too.")
            return
        try:
            assessment = await self.coaching.reassess(draft, draft.text)
        except DraftcoachError as exc:
            await respond_or_followup(interaction, cannot_coach(exc))
            return
        first: dict[str, Finding] = {}
        for finding in assessment.findings:
            if len(finding.rule) <= RULE_ID_MAX:
                first.setdefault(finding.rule, finding)
        if not first:
            await respond_or_followup(interaction, "This critique has no findings to vote on.")
            return
        options = [discord.SelectOption(label=rule, value=rule,
                                        description=truncate(finding.message, 100))
                   for rule, finding in first.items()]
        view = ui.View(timeout=None)
        view.add_item(FindingPick(draft_id, options[:25]))
        await interaction.response.send_message(
            "Which finding is not helpful for this team?", view=view, ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted "not helpful" form (see :data:`FORM_ID`)."""
        async def handle(match: re.Match[str], values: dict[str, str]) -> None:
            await self.record(interaction, int(match["draft"]), match["rule"],
                              values.get("reason", ""))

        await answer_form(interaction, FORM_ID, handle)

    async def record(
        self, interaction: discord.Interaction, draft_id: int, rule_id: str, reason: str
    ) -> None:
        draft = await load_draft(interaction, draft_id)
        rule = self.coaching.coach.rule(rule_id)
        if draft is None or draft.guild_id is None or rule is None:
            if draft is not None:
                await respond_or_followup(interaction, "That finding no longer exists.")
            return
        guild_id = draft.guild_id
        await self.store.add_feedback(guild_id, rule_id, interaction.user.id, draft_id=draft_id,
                                      reason=reason.strip() or None)
        members = await self.store.dismissers(guild_id, rule_id)
        message = await self._outcome(guild_id, rule_id, rule.meta.severity, members)
        await respond_or_followup(interaction, message)

    async def _outcome(self, guild_id: int, rule_id: str, default: str, members: int) -> str:
        """What the vote did: counted towards a demotion, made one, or could not."""
        if any(d.rule_id == rule_id for d in await self.store.rule_demotions(guild_id)):
            return (f"Thanks: noted. The team already made `{rule_id}` one level milder "
                    "here.")
        context = await self.coaching.context(guild_id)
        current = context.overrides.severity.get(rule_id, default)
        lower = milder(current)
        if lower is None:
            return (f"Thanks: noted. `{rule_id}` is already a {current}, as mild as it gets; "
                    "an admin can switch it off with `/coach-admin rules disable`.")
        if members < DISMISSALS_TO_DEMOTE:
            return (f"Thanks: noted that `{rule_id}` was not helpful. {members} of "
                    f"{DISMISSALS_TO_DEMOTE} teammates in {DISMISSAL_WINDOW_DAYS} days would "
                    "make it one level milder here.")
        if not await self.store.demote_rule(guild_id, rule_id, lower):
            return f"Thanks: noted. The team already made `{rule_id}` one level milder here."
        log.info("rule %s demoted to %s in server %d", rule_id, lower, guild_id)
        return (f"Thanks. {members} teammates found `{rule_id}` unhelpful, so it now "
                f"reports as a **{lower}** here instead of {article(current)} {current}. An "
                "admin can undo this with `/coach-admin rules restore`.")

    async def demoted_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        demoted = await self.store.rule_demotions(interaction.guild_id or 0)
        return [app_commands.Choice(name=d.rule_id, value=d.rule_id)
                for d in demoted if current.lower() in d.rule_id][:25]

    @app_commands.command(name="restore",
                          description="Undo the team's demotion of a rule in this server")
    @app_commands.autocomplete(rule=demoted_autocomplete)
    async def restore(self, interaction: discord.Interaction, rule: str) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        if await self.store.restore_rule(guild_id, rule):
            await answer(interaction, f"`{rule}` reports at its usual severity again. Only "
                                      "\"not helpful\" votes from now on count towards "
                                      "demoting it again.")
        else:
            await answer(interaction, f"`{rule[:100]}` isn't demoted in this server.")


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(FindingFeedback(bot))
