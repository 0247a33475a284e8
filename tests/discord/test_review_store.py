"""Team review state in SQLite: upgrades, reviews per revision, concurrent writes."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from bot.discord.store import MIGRATIONS, NewDraft, Store


async def channel_draft(store: Store, message_id: int = 10, author: int = 3) -> int:
    draft = await store.claim_channel_draft(
        NewDraft("channel", 1, 2, message_id, author, author, "generic", "draft text"))
    assert draft is not None
    await store.record_result(draft.id, score=60, verdict="almost", principles=["a"])
    await store.open_review(draft.id, score=60, principles=["a"])
    return draft.id


async def test_a_version_1_database_is_upgraded_and_keeps_its_drafts(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("CREATE TABLE schema_version (version INTEGER)")
        db.execute("INSERT INTO schema_version VALUES (1)")
        db.execute("INSERT INTO drafts (origin, guild_id, channel_id, message_id, author_id,"
                   " requester_id, platform, text, text_hash, created_at, updated_at)"
                   " VALUES ('channel', 1, 2, 10, 3, 3, 'x', 'old draft', 'h', 1, 1)")
    store = await Store.open(path)
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        old = await store.channel_draft(10)
        assert old is not None and old.text == "old draft"
        assert await store.review_state(old.id) is None  # not under review until re-critiqued
        assert await store.review_approvals(1) == 1
    finally:
        await store.close()


async def test_reviews_belong_to_a_revision(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        draft_id = await channel_draft(store)
        assert await store.add_review(draft_id, revision=1, reviewer_id=5,
                                      reviewer_name="bob", verdict="approve")
        # The same reviewer changing their mind replaces their review.
        assert await store.add_review(draft_id, revision=1, reviewer_id=5,
                                      reviewer_name="bob", verdict="changes", reason="x")
        state = await store.review_state(draft_id)
        assert state is not None and [(r.reviewer_name, r.verdict) for r in state.reviews] == [
            ("bob", "changes")]

        assert await store.new_revision(draft_id, score=90, principles=[]) == 2
        assert not await store.add_review(draft_id, revision=1, reviewer_id=6,
                                          reviewer_name="carol", verdict="approve")
        state = await store.review_state(draft_id)
        assert state is not None and state.revision == 2 and state.reviews == ()

        assert await store.claim_approval_announcement(draft_id, 2)
        assert not await store.claim_approval_announcement(draft_id, 2)
        assert await store.mark_posted(draft_id, "https://example.com/p")
        assert not await store.mark_posted(draft_id, None)
        assert not await store.add_review(draft_id, revision=2, reviewer_id=6,
                                          reviewer_name="carol", verdict="approve")
    finally:
        await store.close()


async def test_simultaneous_reviews_from_two_connections_all_count(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Store.open(path)
    second = await Store.open(path)
    try:
        draft_id = await channel_draft(first)
        results = await asyncio.gather(*(
            (first if n % 2 else second).add_review(
                draft_id, revision=1, reviewer_id=100 + n % 10, reviewer_name=f"r{n % 10}",
                verdict="approve")
            for n in range(40)
        ))
        assert all(results)
        state = await first.review_state(draft_id)
        assert state is not None
        assert sorted(r.reviewer_id for r in state.reviews) == list(range(100, 110))
    finally:
        await first.close()
        await second.close()


async def test_reasons_are_forgotten_with_the_drafts_text(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        draft_id = await channel_draft(store)
        await store.add_review(draft_id, revision=1, reviewer_id=5, reviewer_name="bob",
                               verdict="changes", reason='Drop "draft text" here')
        assert await store.purge_texts(30, now=time.time() + 31 * 86400) == 1
        state = await store.review_state(draft_id)
        assert state is not None
        assert [(r.reviewer_name, r.verdict, r.reason) for r in state.reviews] == [
            ("bob", "changes", None)]
    finally:
        await store.close()
