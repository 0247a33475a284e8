"""Remembering rewrites for identical drafts, and sharing work between identical requests."""

from __future__ import annotations

import asyncio

from bot.llm.cache import RewriteCache, normalise_draft


def test_drafts_that_differ_only_in_form_normalise_alike() -> None:
    assert normalise_draft("  **Big** news\u200b today\n\n") == normalise_draft("Big news today")
    assert normalise_draft("Big news today") != normalise_draft("Big news tomorrow")


def test_least_recently_used_goes_first() -> None:
    cache: RewriteCache[str] = RewriteCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"
    cache.put("c", "C")
    assert cache.get("b") is None and cache.get("a") == "A" and len(cache) == 2


def test_size_zero_remembers_nothing() -> None:
    cache: RewriteCache[str] = RewriteCache(0)
    cache.put("a", "A")
    assert cache.get("a") is None


async def test_shared_work_survives_a_caller_giving_up() -> None:
    cache: RewriteCache[str] = RewriteCache(4)
    runs = 0
    release = asyncio.Event()

    async def compute() -> str:
        nonlocal runs
        runs += 1
        await release.wait()
        return "done"

    first = asyncio.ensure_future(cache.shared("k", compute))
    second = asyncio.ensure_future(cache.shared("k", compute))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == ("done", False)
    assert runs == 1
