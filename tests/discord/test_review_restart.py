"""Team review across a restart: a new bot on the same database file carries on the review."""

from __future__ import annotations

from pathlib import Path

from reviewing import GOOD, add_member, card, review_field, thread_of
from simworld import World, button_labels

from bot.discord.app import create_bot
from bot.discord.store import Store
from bot.pipeline import Pipeline
from bot.settings import Settings

# The bot's database in a file, shared with the other restart test.
from tests.discord.test_discord_restart import database, store  # noqa: F401


async def test_a_review_carries_on_after_a_restart(
    world: World, settings: Settings, pipeline: Pipeline, store: Store, database: Path,  # noqa: F811
) -> None:
    await world.admin.slash(world.drafts, "coach-admin review approvals", count=2)
    carol = add_member(world, "carol")
    draft = await world.alice.send(world.drafts, GOOD)
    await world.bob.click(card(world, draft), label="Approve")
    assert "approvals 1/2" in review_field(card(world, draft))

    await store.close()
    reopened = await Store.open(database)
    try:
        await world.env.restart_bot(create_bot(settings, pipeline, reopened))

        # The buttons drawn before the restart still work, and bob's approval still counts.
        await carol.click(card(world, draft), label="Approve")
        field = review_field(card(world, draft))
        assert "**approved** · revision 1 · approvals 2/2" in field
        assert "Approved by bob, carol" in field

        queue = await world.bob.slash(world.drafts, "coach queue")
        assert "No drafts are waiting" in queue.response.embeds[0].description

        # The setting survived too: a new draft needs two approvals.
        second = await world.bob.send(world.drafts, GOOD + " From bob.")
        assert "approvals 0/2" in review_field(card(world, second))

        final = thread_of(world, draft).last_message
        assert button_labels(final) == ["Mark posted"]
        await world.env.restart_bot(create_bot(settings, pipeline, reopened))
        shown = await world.alice.click(final, label="Mark posted")
        await world.alice.submit_modal(shown, {"link": ""})
        assert "**posted**" in review_field(card(world, draft))
    finally:
        await world.env.shutdown()
        await reopened.close()


async def test_a_request_changes_box_left_open_over_a_restart_still_works(
    world: World, settings: Settings, pipeline: Pipeline, store: Store, database: Path,  # noqa: F811
) -> None:
    draft = await world.alice.send(world.drafts, GOOD)
    shown = await world.bob.click(card(world, draft), label="Request changes")
    assert shown.modal is not None

    await store.close()
    reopened = await Store.open(database)
    try:
        await world.env.restart_bot(create_bot(settings, pipeline, reopened))

        sent = await world.bob.submit_modal(shown, {"reason": "Name the three things."})
        assert not sent.ephemeral and "Name the three things" in sent.response.content
        field = review_field(card(world, draft))
        assert "**changes requested**" in field and "bob: Name the three things." in field

        blank = await world.bob.click(card(world, draft), label="Request changes")
        refused = await world.bob.submit_modal(blank, {"reason": "    "})
        assert refused.ephemeral and "Say what should change" in refused.response.content
    finally:
        await world.env.shutdown()
        await reopened.close()
