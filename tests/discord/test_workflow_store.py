"""The workflow's state in SQLite: model usage per server and period, "not helpful" votes
and the demotions they cause, kept across restarts and forgotten with the drafts."""

from __future__ import annotations

import calendar
from pathlib import Path

from bot.discord.store import NewDraft, Store

DAY = 86400
#: 2026-03-14 15:00 UTC: mid-day, mid-month.
MID_MARCH = calendar.timegm((2026, 3, 14, 15, 0, 0))


async def test_usage_is_stored_per_server_and_renews_with_the_day_or_month(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    try:
        await store.add_model_usage(1, 300, now=MID_MARCH - DAY)  # yesterday
        await store.add_model_usage(1, 200, now=MID_MARCH - 3600)  # this morning
        await store.add_model_usage(2, 999, now=MID_MARCH)  # another server
        await store.set_token_budget(1, 400, "month")
    finally:
        await store.close()

    reopened = await Store.open(path)  # a restart keeps what was spent
    try:
        assert await reopened.model_usage(1, "day", now=MID_MARCH) == 200
        assert await reopened.model_usage(1, "month", now=MID_MARCH) == 500
        assert await reopened.model_usage(1, "day", now=MID_MARCH + DAY) == 0
        assert await reopened.model_usage(1, "month", now=MID_MARCH + 20 * DAY) == 0  # April
        settings = await reopened.guild_settings(1)
        assert (settings.token_budget, settings.budget_period) == (400, "month")
    finally:
        await reopened.close()


async def test_votes_count_different_members_within_thirty_days(store: Store) -> None:
    for member, days_ago in ((10, 40), (11, 5), (11, 4), (12, 1)):
        await store.add_feedback(1, "buzzwords", member, draft_id=None, reason=None,
                                 now=MID_MARCH - days_ago * DAY)
    await store.add_feedback(2, "buzzwords", 13, draft_id=None, reason=None, now=MID_MARCH)

    # Member 10 voted too long ago, 11 twice counts once, server 2 is its own.
    assert await store.dismissers(1, "buzzwords", now=MID_MARCH) == 2
    assert await store.most_dismissed(1, now=MID_MARCH) == [("buzzwords", 2)]


async def test_a_restored_rule_counts_only_later_votes(store: Store) -> None:
    for member in (10, 11, 12):
        await store.add_feedback(1, "buzzwords", member, draft_id=None, reason=None,
                                 now=MID_MARCH)
    assert await store.demote_rule(1, "buzzwords", "suggestion", now=MID_MARCH)
    assert not await store.demote_rule(1, "buzzwords", "suggestion", now=MID_MARCH)
    assert [d.rule_id for d in await store.claim_demotion_news(1)] == ["buzzwords"]
    assert await store.claim_demotion_news(1) == []  # said once

    assert await store.restore_rule(1, "buzzwords", now=MID_MARCH + 60)
    assert await store.rule_demotions(1) == []
    assert await store.dismissers(1, "buzzwords", now=MID_MARCH + 120) == 0
    await store.add_feedback(1, "buzzwords", 10, draft_id=None, reason=None,
                             now=MID_MARCH + 120)
    assert await store.dismissers(1, "buzzwords", now=MID_MARCH + 180) == 1


async def test_reasons_and_kept_rewrites_are_forgotten_with_the_drafts(store: Store) -> None:
    draft = await store.add_draft(
        NewDraft("channel", 1, 2, 10, 3, 3, "generic", "draft text"), now=MID_MARCH)
    await store.set_rewrite(draft.id, "the rewrite")
    await store.add_feedback(1, "buzzwords", 4, draft_id=draft.id, reason="we say synergy",
                             now=MID_MARCH)

    await store.purge_texts(30, now=MID_MARCH + 31 * DAY)

    assert await store.draft_rewrite(draft.id) is None
    assert await store.most_dismissed(1, now=MID_MARCH) == [("buzzwords", 1)]  # vote stays
    async with store._db.execute("SELECT reason FROM finding_feedback") as cursor:
        assert [r[0] for r in await cursor.fetchall()] == [None]
