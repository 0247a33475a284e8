"""Rewrites remembered for identical drafts, and one model call for identical drafts at once."""

from __future__ import annotations

import asyncio
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from bot.text import Document

V = TypeVar("V")


def normalise_draft(text: str) -> str:
    """The draft as the rules see it, with white space collapsed.

    Two drafts that differ only in markdown, invisible characters or spacing get the
    same rewrite.
    """
    folded = unicodedata.normalize("NFC", Document(text).text)
    return " ".join(folded.split())


class RewriteCache(Generic[V]):
    """A bounded LRU map that also shares in-flight work between identical requests."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        if self.size == 0:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    async def shared(
        self, key: Hashable, compute: Callable[[], Awaitable[V]]
    ) -> tuple[V, bool]:
        """Run ``compute`` once for all callers asking for ``key`` at the same time.

        Returns the value and whether this caller started the work (the others joined
        it). The work runs in its own task: a caller that gives up (a cancelled
        interaction) does not cancel the answer the others are waiting for.
        """
        task = self._inflight.get(key)
        started = task is None
        if task is None:
            task = asyncio.ensure_future(compute())
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(task), started

    def _forget(self, key: Hashable, task: asyncio.Task[V]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # seen here, so an error nobody awaited is not logged twice
