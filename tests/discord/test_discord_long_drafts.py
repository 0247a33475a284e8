"""A draft over ``max_draft_chars`` gets one clear line, in a drafts channel and from
/critique alike."""

from __future__ import annotations

import pytest
from simworld import World, critique_reply

from bot.coach import Coach, build_coach
from bot.settings import Settings


@pytest.fixture(scope="module")
def coach(base_settings: Settings) -> Coach:
    coach = build_coach(base_settings)
    coach.max_draft_chars = 300  # a team that caps drafts below Discord's own limits
    return coach


LONG = "We shipped the new calendar view this week, with the sync fixed. " * 6


async def test_a_draft_over_the_cap_in_a_drafts_channel_gets_one_line(world: World) -> None:
    await world.alice.send(world.drafts, LONG)

    reply = critique_reply(world.drafts)
    assert reply.content == (f"I can't check this one: the draft has {len(LONG)} characters; "
                             "drafts are checked up to 300 (max_draft_chars).")
    assert not reply.embeds


async def test_a_draft_over_the_cap_from_critique_gets_one_line(world: World) -> None:
    result = await world.alice.slash(world.general, "critique", draft=LONG)

    assert "drafts are checked up to 300 (max_draft_chars)" in result.response.content
    ok = await world.alice.slash(world.general, "critique", draft=LONG[:250])
    assert ok.response.embeds
