"""One asyncio lock per key (a draft id), forgotten once idle so the map stays small."""

from __future__ import annotations

import asyncio


class KeyedLocks:
    def __init__(self, keep: int = 1000) -> None:
        self._keep = keep
        self._locks: dict[int, asyncio.Lock] = {}

    def __call__(self, key: int) -> asyncio.Lock:
        if len(self._locks) > self._keep:
            for old, lock in list(self._locks.items()):
                if not lock.locked():
                    del self._locks[old]
        return self._locks.setdefault(key, asyncio.Lock())
