"""The database under stress: locks held by other programs, damage, purges, two bots."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bot.discord.store import NewDraft, Store
from bot.errors import ConfigError

DAY = 86400.0
SECRET = "zebra-quartz launch plan for the Orion account"
ROOT = Path(__file__).resolve().parents[2]


def new_draft(message_id: int, text: str = "draft") -> NewDraft:
    return NewDraft("channel", 1, 2, message_id, 3, 3, "x", text)


def hold_write_lock(path: Path, seconds: float, taken: threading.Event) -> threading.Thread:
    """Another program (a backup, a second bot) holding the write lock for ``seconds``."""

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO guild_settings (guild_id, platform) VALUES (99, 'x')")
        taken.set()
        threading.Event().wait(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


async def test_a_write_that_meets_a_long_lock_waits_for_it_and_lands(tmp_path: Path) -> None:
    # SQLite's own wait is 0.2 s here and the lock is held 0.8 s: four times as long
    # (the 5 s wait against a 7 s lock, in proportion).
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path, busy_timeout=0.2)
    taken = threading.Event()
    holder = hold_write_lock(path, 0.8, taken)
    try:
        assert await asyncio.to_thread(taken.wait, 5)
        await store.set_platform(1, "linkedin")
        draft = await store.claim_channel_draft(new_draft(10))
        assert draft is not None
    finally:
        await asyncio.to_thread(holder.join)
        await store.close()
    reopened = await Store.open(path)
    try:
        assert (await reopened.guild_settings(1)).platform == "linkedin"
        assert (await reopened.guild_settings(99)).platform == "x"
        assert await reopened.channel_draft(10) is not None
    finally:
        await reopened.close()


async def test_claiming_a_draft_opens_its_review_in_the_same_transaction(store: Store) -> None:
    draft = await store.claim_channel_draft(new_draft(10))
    assert draft is not None
    state = await store.review_state(draft.id)
    assert state is not None and state.revision == 1
    assert [d.id for d in await store.unanswered_channel_drafts(before=float("inf"))] == [
        draft.id]
    await store.set_reply(draft.id, 20, 30)
    assert await store.unanswered_channel_drafts(before=float("inf")) == []


def damage_a_page(path: Path) -> None:
    """Overwrite the file's last page (drafts' rows, which opening it never reads)."""
    with path.open("r+b") as file:
        page = int.from_bytes(file.read(18)[16:18], "big") or 65536
        size = file.seek(0, os.SEEK_END)
        file.seek(size - page)
        file.write(b"\xde\xad\xbe\xef" * (page // 4))


async def make_database(path: Path) -> None:
    store = await Store.open(path)
    await store.watch_channel(1, 2, added_by=3)
    for message_id in range(1, 40):
        await store.claim_channel_draft(new_draft(message_id, f"draft number {message_id}"))
    await store.close()


async def test_a_damaged_database_is_refused_at_start_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await make_database(path)
    damage_a_page(path)
    with pytest.raises(ConfigError, match=r"discord\.database: .* is damaged .*backup"):
        await Store.open(path)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` made read-only, for root too (the immutable attribute) when it can be."""
    path.chmod(0o444)
    immutable = False
    if os.access(path, os.W_OK):
        immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True,
                                   check=False).returncode == 0
    if os.access(path, os.W_OK) and not immutable:
        path.chmod(0o644)
        pytest.skip("this user can write to any file (root without chattr)")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


async def test_a_read_only_database_is_refused_at_start_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await make_database(path)
    with read_only(path), pytest.raises(ConfigError,
                                        match=r"discord\.database: cannot write to .*"):
        await Store.open(path)


@pytest.mark.parametrize("damage", ["garbage page", "read-only file"])
def test_draftcoach_run_says_what_is_wrong_with_the_database(tmp_path: Path,
                                                             damage: str) -> None:
    path = tmp_path / "bot.sqlite3"
    asyncio.run(make_database(path))
    environment = {**os.environ, "DISCORD_TOKEN": "not.a.token",
                   "DRAFTCOACH_DATABASE": str(path), "OPENAI_API_KEY": ""}
    guard = contextlib.nullcontext() if damage == "garbage page" else read_only(path)
    if damage == "garbage page":
        damage_a_page(path)
    with guard:
        result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT,
                                env=environment, capture_output=True, text=True,
                                timeout=60, check=False)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "discord.database" in lines[0]
    assert ("damaged" if damage == "garbage page" else "cannot write") in lines[0]


async def test_purged_text_leaves_no_trace_in_the_files(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    try:
        for message_id in range(1, 20):
            await store.claim_channel_draft(new_draft(message_id, f"{SECRET} #{message_id}"),
                                            now=1000.0)
        assert await store.purge_texts(older_than_days=30, now=1000.0 + 31 * DAY) == 19
        files = [p for p in tmp_path.iterdir() if p.name.startswith("bot.sqlite3")]
        assert files
        for file in files:
            assert SECRET.encode() not in file.read_bytes(), file.name
    finally:
        await store.close()


async def test_a_settings_change_by_another_bot_process_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Store.open(path, settings_recheck=0.0)
    second = await Store.open(path, settings_recheck=0.0)
    try:
        assert (await first.guild_settings(1)).llm_enabled
        assert await first.rule_overrides(1) == []
        await second.set_llm_enabled(1, False)
        await second.set_rule_disabled(1, "shouting", True)
        assert not (await first.guild_settings(1)).llm_enabled
        assert [o.rule_id for o in await first.rule_overrides(1)] == ["shouting"]
    finally:
        await first.close()
        await second.close()


def fail_new_rows(path: Path, table: str) -> None:
    """Every new row in ``table`` fails from now on, as on a full disk."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table}"
                   " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        db.commit()


async def approve(store: Store, draft_id: int) -> None:
    assert await store.add_review(draft_id, revision=1, reviewer_id=4, reviewer_name="bob",
                                  verdict="approve")


async def approval_kept(store: Store, draft_id: int) -> bool:
    state = await store.review_state(draft_id)
    return state is not None and [r.reviewer_name for r in state.reviews] == ["bob"]


async def set_platform(store: Store, draft_id: int) -> None:
    await store.set_platform(1, "linkedin")


async def platform_kept(store: Store, draft_id: int) -> bool:
    return (await store.guild_settings(1)).platform == "linkedin"


async def vote(store: Store, draft_id: int) -> None:
    await store.add_feedback(1, "shouting", 5, draft_id=draft_id, reason=None)


async def vote_kept(store: Store, draft_id: int) -> bool:
    return await store.dismissers(1, "shouting") == 1


@pytest.mark.parametrize(("write", "kept"), [(approve, approval_kept),
                                             (set_platform, platform_kept),
                                             (vote, vote_kept)],
                         ids=["approval", "server platform", "not-helpful vote"])
async def test_a_write_while_a_revision_fails_is_kept(tmp_path: Path, write, kept) -> None:
    # A revision is two statements; the second fails and the first is rolled back. A
    # member's write made meanwhile (another task, the same connection) stays written.
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    try:
        draft = await store.claim_channel_draft(new_draft(10))
        assert draft is not None
        await store.open_review(draft.id, score=50, principles=["a"])
        fail_new_rows(path, "draft_revisions")
        failed, written = await asyncio.gather(
            store.new_revision(draft.id, score=70, principles=[]), write(store, draft.id),
            return_exceptions=True)
        assert isinstance(failed, sqlite3.Error)
        assert written is None
    finally:
        await store.close()
    reopened = await Store.open(path)
    try:
        state = await reopened.review_state(draft.id)
        assert state is not None and state.revision == 1
        assert await kept(reopened, draft.id)
    finally:
        await reopened.close()


class Abandoned(Exception):
    pass


async def test_a_read_during_a_transaction_waits_and_never_sees_its_half(store: Store) -> None:
    # Every task shares one connection: a read run while another task's transaction is
    # open would see its uncommitted half, which a failure then rolls back.
    draft = await store.claim_channel_draft(new_draft(10, "as posted"))
    assert draft is not None
    half_written, finish = asyncio.Event(), asyncio.Event()

    async def failing_transaction() -> None:
        async with store._transaction() as db:
            await db.execute("UPDATE drafts SET text = 'half written' WHERE id = ?",
                             (draft.id,))
            half_written.set()
            await finish.wait()
            raise Abandoned

    writing = asyncio.create_task(failing_transaction())
    await half_written.wait()
    reading = asyncio.create_task(store.draft(draft.id))
    await asyncio.sleep(0.05)
    assert not reading.done()
    finish.set()
    with pytest.raises(Abandoned):
        await writing
    read = await reading
    assert read is not None and read.text == "as posted"


async def test_a_store_call_inside_a_transaction_is_refused_instead_of_waiting_forever(
    store: Store,
) -> None:
    draft = await store.claim_channel_draft(new_draft(10))
    assert draft is not None

    async def inside_a_transaction(call: Callable[[], Awaitable[object]]) -> None:
        async with store._transaction():
            await call()

    for call in (lambda: store.dismiss(draft.id), lambda: store.draft(draft.id),
                 lambda: asyncio.wait_for(store.draft(draft.id), 1)):  # in a task of its own
        with pytest.raises(RuntimeError, match="inside a transaction"):
            await asyncio.wait_for(inside_a_transaction(call), 5)
    await store.dismiss(draft.id)  # the store is free again
    dismissed = await store.draft(draft.id)
    assert dismissed is not None and dismissed.dismissed
