"""New versions of a draft (edits, posts in its thread) count against the cooldown."""

from __future__ import annotations

import pytest
from reviewing import BAIT, GOOD, card, thread_of
from simworld import World


@pytest.fixture
def discord_options() -> dict[str, object]:
    return {"cooldown_rate": 3, "cooldown_seconds": 60.0}


def card_edits(world: World, card_id: int) -> int:
    return sum(1 for r in world.env.http_requests
               if r.method == "PATCH" and r.path.endswith(f"/messages/{card_id}"))


async def test_a_burst_of_edits_costs_the_cooldown_and_the_last_version_is_critiqued(
        world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    answer = card(world, draft)
    before = card_edits(world, answer.id)

    for n in range(1, 20):
        await world.alice.edit(draft, f"{BAIT} take {n}")
    await world.alice.edit(draft, GOOD)

    # The draft and two edits use alice's three critiques a minute; the rest wait.
    assert card_edits(world, answer.id) - before <= 2 * 2
    assert card(world, draft).embeds[0].title.startswith("🛑")

    await world.env.advance_time(61)
    shown = card(world, draft)
    assert shown.embeds[0].title.startswith("✅"), shown.embeds[0].title
    assert card_edits(world, answer.id) - before <= 3 * 2
    # One card, never a second answer.
    assert [m.id for m in thread_of(world, draft).history() if m.author.bot and m.embeds] == [
        answer.id]


async def test_new_versions_posted_in_the_thread_count_too(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    answer = card(world, draft)
    before = card_edits(world, answer.id)
    thread = thread_of(world, draft)
    for n in range(1, 10):
        await world.alice.send(thread, f"{BAIT} and a new take, number {n}")

    assert card_edits(world, answer.id) - before <= 2 * 2
    await world.env.advance_time(61)
    assert card_edits(world, answer.id) - before <= 3 * 2
    assert "number 9" in str(card(world, draft).embeds[0].to_dict())
