"""The bot's SQLite state: migrations, one claim per draft message, retention."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.discord.store import MIGRATIONS, NewDraft, Store
from bot.errors import ConfigError

DAY = 86400.0


async def claim(store: Store, message_id: int, text: str = "draft", now: float = 1000.0):
    return await store.claim_channel_draft(
        NewDraft("channel", 1, 2, message_id, 3, 3, "x", text), now=now
    )


async def test_a_new_database_is_migrated_to_the_latest_schema(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "state" / "bot.sqlite3")
    try:
        assert await store.schema_version() == len(MIGRATIONS)
    finally:
        await store.close()


async def test_state_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    await store.watch_channel(1, 2, added_by=3)
    await store.set_platform(1, "linkedin")
    await store.set_rule_disabled(1, "shouting", True)
    draft = await claim(store, 10)
    assert draft is not None
    await store.set_reply(draft.id, 20, 30)
    await store.close()

    reopened = await Store.open(path)
    try:
        assert await reopened.watched_channels(1) == [2]
        assert (await reopened.guild_settings(1)).platform == "linkedin"
        assert [o.rule_id for o in await reopened.rule_overrides(1)] == ["shouting"]
        again = await reopened.channel_draft(10)
        assert again is not None and again.reply_message_id == 30
        assert await reopened.schema_version() == len(MIGRATIONS)
    finally:
        await reopened.close()


async def test_a_draft_message_is_claimed_once(store: Store) -> None:
    first = await claim(store, 10)
    second = await claim(store, 10)
    assert first is not None
    assert second is None


async def test_text_is_forgotten_after_the_retention_period(store: Store) -> None:
    old = await claim(store, 10, "old draft", now=0.0)
    new = await claim(store, 11, "new draft", now=29 * DAY)
    assert old is not None and new is not None
    await store.record_result(old.id, score=40, verdict="needs-work", principles=["not-ego"])

    forgotten = await store.purge_texts(30, now=31 * DAY)

    assert forgotten == 1
    purged = await store.draft(old.id)
    kept = await store.draft(new.id)
    assert purged is not None and purged.text is None
    assert purged.score == 40 and purged.principles == ("not-ego",)  # progress stays
    assert kept is not None and kept.text == "new draft"


async def test_overrides_back_to_default_are_forgotten(store: Store) -> None:
    await store.set_rule_severity(1, "shouting", "error")
    await store.set_rule_severity(1, "shouting", None)
    assert await store.rule_overrides(1) == []


async def test_a_settings_change_is_seen_by_the_next_draft(store: Store) -> None:
    # Read once so the server's settings are held in memory, then change them.
    assert (await store.guild_settings(1)).platform is None
    assert await store.rule_overrides(1) == []
    await store.set_platform(1, "threads")
    await store.set_llm_enabled(1, False)
    await store.set_rule_severity(1, "shouting", "error")
    settings = await store.guild_settings(1)
    assert (settings.platform, settings.llm_enabled) == ("threads", False)
    assert [(o.rule_id, o.severity) for o in await store.rule_overrides(1)] == [
        ("shouting", "error")]
    await store.set_rule_severity(1, "shouting", None)
    assert await store.rule_overrides(1) == []


async def test_a_read_under_way_during_a_change_does_not_bring_back_old_settings(
    store: Store,
) -> None:
    reading = asyncio.create_task(store.guild_settings(1))
    await store.set_platform(1, "bluesky")
    await reading
    assert (await store.guild_settings(1)).platform == "bluesky"


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE schema_version (version INTEGER)")
        db.execute("INSERT INTO schema_version VALUES (99)")
    with pytest.raises(ConfigError, match=r"discord\.database"):
        await Store.open(path)
