"""A draft the bot claimed but never answered (it was killed in between) is answered at
the next start."""

from __future__ import annotations

from pathlib import Path

import discord
from reviewing import BAIT, review_field
from simworld import World

from bot.discord.app import create_bot
from bot.discord.store import NewDraft, Store
from bot.pipeline import Pipeline
from bot.settings import Settings

# The bot's database in a file, shared with the other restart tests.
from tests.discord.test_discord_restart import database, store  # noqa: F401


async def test_a_draft_claimed_before_a_crash_is_critiqued_after_the_restart(
    world: World, settings: Settings, pipeline: Pipeline, store: Store, database: Path,  # noqa: F811
) -> None:
    launches = world.guild.create_text_channel("launches")
    # Posted while the channel was not yet watched, so the running bot leaves it alone;
    # then claimed the way the bot claims a draft, and nothing more: the state a
    # ``kill -9`` between claiming and answering leaves behind.
    draft = await world.alice.send(launches, BAIT)
    await store.watch_channel(world.guild.id, launches.id, added_by=world.admin.id)
    claimed = await store.claim_channel_draft(NewDraft(
        origin="channel", guild_id=world.guild.id, channel_id=launches.id,
        message_id=draft.id, author_id=world.alice.id, requester_id=world.alice.id,
        platform="linkedin", text=BAIT))
    assert claimed is not None
    assert launches.threads == []
    # The server's platform changed while the bot was down: the draft was claimed for
    # LinkedIn and is answered for LinkedIn.
    await store.set_platform(world.guild.id, "x")

    await store.close()
    reopened = await Store.open(database)
    try:
        await world.env.restart_bot(create_bot(settings, pipeline, reopened))

        [thread] = launches.threads
        answer = next(m for m in thread.history() if m.author.bot and m.embeds)
        assert isinstance(answer, discord.Message)
        assert "needs work" in review_field(answer)
        assert answer.embeds[0].footer.text.startswith("LinkedIn · ")  # type: ignore[union-attr]
        assert (await reopened.draft(claimed.id)).reply_message_id == answer.id  # type: ignore[union-attr]
        # Answered once: a further restart finds nothing left to do.
        await world.env.restart_bot(create_bot(settings, pipeline, reopened))
        assert len([m for m in thread.history() if m.author.bot and m.embeds]) == 1
    finally:
        await world.env.shutdown()
        await reopened.close()
