"""A real restart: a new bot process on the same database file picks up where it left off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from simworld import World, critique_reply

from bot.discord.app import create_bot
from bot.discord.store import Store
from bot.pipeline import Pipeline
from bot.settings import Settings

BAIT = "Follow for follow!!! BUY NOW before it's gone"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "draftcoach.sqlite3"


@pytest.fixture
async def store(database: Path) -> AsyncIterator[Store]:
    opened = await Store.open(database)
    yield opened
    await opened.close()


async def test_a_restarted_bot_keeps_its_channels_buttons_and_replies(
    world: World, settings: Settings, pipeline: Pipeline, store: Store, database: Path
) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)

    await store.close()
    reopened = await Store.open(database)
    try:
        await world.env.restart_bot(create_bot(settings, pipeline, reopened))

        # The drafts channel is still watched.
        await world.bob.send(world.drafts, "Big launch today!!! BUY NOW")
        assert len(world.drafts.threads) == 2
        # Buttons on the old answer still work.
        why = await world.bob.click(reply, label="Why?")
        assert "No follow-for-follow" in why.response.embeds[0].description
        # Editing the old draft updates the old answer.
        await world.alice.edit(draft, "Thanks to all who came! What should we try next time?")
        thread = next(t for t in world.drafts.threads if t.id == draft.id)
        assert [m.id for m in thread.history() if m.author.bot and m.embeds] == [reply.id]
        assert "(was " in thread.last_message.embeds[0].title
    finally:
        await world.env.shutdown()
        await reopened.close()
