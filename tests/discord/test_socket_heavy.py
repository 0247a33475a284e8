"""A draft that is slow to check holds up nobody, and past its time budget gets one line.

Over real sockets and real time (simcord's clock stands still while a worker thread runs).
"""

from __future__ import annotations

import asyncio

import pytest
from heavy import HEAVY, HeavyDraftsCoach

from bot.coach import Coach
from bot.discord.app import DraftcoachBot
from bot.llm.rewriter import LLMRewriter
from bot.pipeline import Pipeline
from tests.discord.conftest import PipelineFactory
from tests.discord.test_smoke_socket import (  # noqa: F401  (fixtures)
    emulator,
    model,
    running_bot,
    watch_drafts_channel,
)
from tests.emulator import DiscordEmulator
from tests.emulator.server import RecordedRequest

BAIT = "Follow for follow!!! BUY NOW before it's gone"


@pytest.fixture
def check_budget() -> float:
    return 3.0


@pytest.fixture
def heavy_coaches() -> list[HeavyDraftsCoach]:
    return []


@pytest.fixture
def socket_pipeline(check_budget: float, heavy_coaches: list[HeavyDraftsCoach]
                    ) -> PipelineFactory:
    def build(coach: Coach, rewriter: LLMRewriter | None) -> Pipeline:
        heavy_coaches.append(HeavyDraftsCoach(coach, seconds=1.0))
        return Pipeline(heavy_coaches[-1], rewriter, check_budget=check_budget)  # type: ignore[arg-type]

    return build


async def help_and_draft(server: DiscordEmulator, coach: HeavyDraftsCoach
                         ) -> tuple[RecordedRequest, RecordedRequest]:
    """A heavy draft, then another member's /coach help while it is being checked: the
    answer to each."""
    await watch_drafts_channel(server)
    since = server.mark()
    draft = await server.send_message(f"{BAIT} {HEAVY}", author="alice")
    assert await asyncio.to_thread(coach.started.wait, 5)
    asked = await server.slash_command("coach", [{"type": 1, "name": "help"}], user="bob")
    helped = await server.wait_for_request(
        "POST", rf"/interactions/{asked.payload['id']}/.+/callback", since=since)
    answered = await server.wait_for_request(
        "POST", rf"/channels/{draft['id']}/messages", since=since)
    return helped, answered


async def test_a_slow_draft_holds_up_nobody(
        emulator: DiscordEmulator, running_bot: DraftcoachBot,  # noqa: F811
        heavy_coaches: list[HeavyDraftsCoach],
) -> None:
    helped, answered = await help_and_draft(emulator, heavy_coaches[0])
    # Help was answered while the draft was still being checked, and then the draft was.
    [checked] = heavy_coaches[0].finished
    assert helped.at < checked < answered.at
    assert "Needs work" in answered.body["embeds"][0]["title"]


class TestPastTheBudget:
    @pytest.fixture
    def check_budget(self) -> float:
        return 0.2

    async def test_the_draft_gets_one_line(
            self, emulator: DiscordEmulator, running_bot: DraftcoachBot,  # noqa: F811
            heavy_coaches: list[HeavyDraftsCoach],
    ) -> None:
        coach = heavy_coaches[0]
        helped, answered = await help_and_draft(emulator, coach)
        # The member heard back before the check (left running in its thread) was over.
        for _ in range(300):
            if coach.finished:
                break
            await asyncio.sleep(0.01)
        assert helped.at < answered.at < coach.finished[0]
        assert answered.body["content"] == (
            "I can't check this one: checking this draft took longer than 0.2 seconds; "
            "shorten it or split it into several drafts.")
        assert not answered.body.get("embeds")
