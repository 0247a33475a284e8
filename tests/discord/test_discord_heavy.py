"""Drafts the pipeline refuses (over the size cap) get one clear line, however they come.

(Drafts past the time budget: see test_socket_heavy, which runs on real time.)
"""

from __future__ import annotations

import pytest
from heavy import HEAVY, HeavyDraftsCoach
from reviewing import BAIT, GOOD, card, thread_of
from simworld import World

from bot.coach import Coach
from bot.pipeline import Pipeline

TOO_LONG = "the draft is 30000 characters long; the most is 20000"


class TestRefusedDrafts:
    @pytest.fixture
    def pipeline(self, coach: Coach) -> Pipeline:
        return Pipeline(HeavyDraftsCoach(coach, refusal=TOO_LONG))  # type: ignore[arg-type]

    async def test_every_way_in_answers_with_the_pipelines_line(self, world: World) -> None:
        line = f"I can't check this one: {TOO_LONG}."
        posted = await world.alice.send(world.drafts, f"{BAIT} {HEAVY}")
        assert [m.content for m in thread_of(world, posted).history()] == [line]

        # An edit that makes a coached draft too long leaves its card as it was.
        draft = await world.alice.send(world.drafts, BAIT)
        before = card(world, draft).embeds[0].to_dict()
        await world.alice.edit(draft, f"{BAIT} {HEAVY}")
        assert thread_of(world, draft).last_message.content == line
        assert card(world, draft).embeds[0].to_dict() == before

        asked = await world.alice.slash(world.general, "critique", draft=f"{GOOD} {HEAVY}")
        assert asked.ephemeral and asked.response.content == line

        menu = await world.bob.context_menu(world.drafts, "Critique draft", posted)
        assert menu.response.content == line
