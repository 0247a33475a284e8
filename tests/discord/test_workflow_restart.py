"""The team's workflow across a restart: votes, the rewrite to adopt and the question
before approving errors are kept in the database, not in the bot's memory."""

from __future__ import annotations

from pathlib import Path

from reviewing import BAIT, HYPE, add_member, card, not_helpful, review_field
from simworld import World

from bot.discord.app import create_bot
from bot.discord.store import Store
from bot.pipeline import Pipeline
from bot.settings import Settings

# The bot's database in a file, shared with the other restart tests.
from tests.discord.test_discord_restart import database, store  # noqa: F401


async def test_votes_the_rewrite_and_a_pending_approval_survive_a_restart(
    world: World, settings: Settings, pipeline: Pipeline, store: Store, database: Path,  # noqa: F811
) -> None:
    carol, dave = add_member(world, "carol"), add_member(world, "dave")
    hype = await world.alice.send(world.drafts, HYPE)
    bait = await world.bob.send(world.drafts, BAIT)
    await not_helpful(world.bob, card(world, hype), "sales-call-to-action")
    await not_helpful(carol, card(world, hype), "sales-call-to-action")
    asked = await world.alice.click(card(world, bait), label="Approve")
    assert "Approve anyway" in [c.label for row in asked.response.message.components
                                for c in row.children]

    await store.close()
    reopened = await Store.open(database)
    try:
        await world.env.restart_bot(create_bot(settings, pipeline, reopened))

        # The third vote counts with the two cast before the restart.
        third = await not_helpful(dave, card(world, hype), "sales-call-to-action")
        assert "now reports as a **suggestion** here" in third.response.content
        # The rewrite shown before the restart can be adopted after it.
        adopted = await world.alice.click(card(world, hype), label="Use this rewrite")
        assert "used the rewrite as revision 2" in adopted.response.content
        assert "revision 2" in review_field(card(world, hype))
        # The question asked before the restart can still be answered.
        confirmed = await world.alice.click(asked.response.message, label="Approve anyway")
        assert "Approved" in confirmed.response.content
        assert "Approved by alice" in review_field(card(world, bait))
    finally:
        await world.env.shutdown()
        await reopened.close()
