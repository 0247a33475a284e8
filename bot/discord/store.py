"""The bot's state in SQLite: server settings, watched channels, rule overrides, drafts.

Everything that must survive a restart lives here (which bot message answers which
draft, so edits and buttons keep working). Draft text itself is forgotten after the
retention period; scores and principles stay so later features can show progress.

Schema changes are numbered migrations applied in order at start-up; the applied
version is kept in ``schema_version``. Add a migration, never edit an applied one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite
from aiosqlite.context import Result

from bot.errors import ConfigError

log = logging.getLogger(__name__)

#: What the store keeps of a server in memory (its settings, its rule overrides).
_Kept = TypeVar("_Kept")

DraftOrigin = Literal["channel", "command", "menu", "direct"]

#: Seconds SQLite itself waits for another connection's write lock before answering "busy".
BUSY_TIMEOUT = 5.0
#: Seconds a write keeps trying while another process holds the database (a backup, a
#: second bot, someone browsing it): past SQLite's own wait, so the write is not lost.
LOCK_PATIENCE = 120.0
#: Seconds between checks that no other process changed the settings kept in memory.
SETTINGS_RECHECK = 1.0


def _is_busy(error: sqlite3.Error) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY,
                                                        sqlite3.SQLITE_LOCKED)


class PatientConnection:
    """An aiosqlite connection in autocommit mode whose statements outlast a lock.

    Each statement run on its own commits itself; an explicit transaction commits with
    its own ``COMMIT``. A statement run on its own that finds the database locked past
    SQLite's busy timeout had no effect, so it is simply run again, until
    :data:`LOCK_PATIENCE` runs out. Explicit transactions begin with ``BEGIN
    IMMEDIATE`` (see :meth:`Store._transaction`), which takes the write lock first, so
    nothing inside them meets a lock.
    """

    def __init__(self, connection: aiosqlite.Connection, patience: float) -> None:
        self.connection = connection
        self.patience = patience

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Result[aiosqlite.Cursor]:
        return Result(self._execute(sql, parameters))

    async def _execute(self, sql: str, parameters: Iterable[Any]) -> aiosqlite.Cursor:
        deadline = time.monotonic() + self.patience
        pause = 0.05
        while True:
            try:
                return await self.connection.execute(sql, parameters)
            except sqlite3.OperationalError as exc:
                if (not _is_busy(exc) or self.connection.in_transaction
                        or time.monotonic() + pause > deadline):
                    raise
                if pause == 0.05:
                    log.warning("the database is locked by another program; waiting for it "
                                "(up to %g s)", self.patience)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def executescript(self, script: str) -> aiosqlite.Cursor:
        return await self.connection.executescript(script)

    async def close(self) -> None:
        await self.connection.close()

#: Numbered schema migrations. Index + 1 is the version a script brings the database to.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE guild_settings (
        guild_id    INTEGER PRIMARY KEY,
        platform    TEXT,
        llm_enabled INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE watched_channels (
        channel_id INTEGER PRIMARY KEY,
        guild_id   INTEGER NOT NULL,
        added_by   INTEGER,
        added_at   REAL NOT NULL
    );
    CREATE INDEX watched_channels_guild ON watched_channels(guild_id);
    CREATE TABLE rule_overrides (
        guild_id INTEGER NOT NULL,
        rule_id  TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        severity TEXT,
        PRIMARY KEY (guild_id, rule_id)
    );
    CREATE TABLE drafts (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        origin           TEXT NOT NULL,
        guild_id         INTEGER,
        channel_id       INTEGER NOT NULL,
        message_id       INTEGER,
        author_id        INTEGER NOT NULL,
        requester_id     INTEGER NOT NULL,
        platform         TEXT NOT NULL,
        text             TEXT,
        text_hash        TEXT NOT NULL,
        score            INTEGER,
        verdict          TEXT,
        principles       TEXT NOT NULL DEFAULT '',
        reply_channel_id INTEGER,
        reply_message_id INTEGER,
        created_at       REAL NOT NULL,
        updated_at       REAL NOT NULL,
        dismissed        INTEGER NOT NULL DEFAULT 0
    );
    -- One critique per draft message in a watched channel: the claim that makes
    -- duplicate gateway events harmless.
    CREATE UNIQUE INDEX drafts_channel_message ON drafts(message_id) WHERE origin = 'channel';
    CREATE INDEX drafts_reply ON drafts(reply_message_id);
    CREATE INDEX drafts_updated ON drafts(updated_at);
    """,
    # 2: team review. A draft in a watched channel has review state (its revision, the
    # approval announced, posted or not); each review belongs to one revision, so a
    # material revision starts a fresh round while the old reviews stay on record.
    """
    CREATE TABLE review_settings (
        guild_id  INTEGER PRIMARY KEY,
        approvals INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE review_drafts (
        draft_id           INTEGER PRIMARY KEY REFERENCES drafts(id) ON DELETE CASCADE,
        revision           INTEGER NOT NULL DEFAULT 1,
        announced_revision INTEGER,
        posted_at          REAL,
        posted_link        TEXT,
        message_deleted    INTEGER NOT NULL DEFAULT 0,
        -- What the latest revision changed (score, fixes), shown on the critique.
        last_change        TEXT
    );
    CREATE TABLE draft_revisions (
        draft_id   INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        revision   INTEGER NOT NULL,
        score      INTEGER NOT NULL,
        principles TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        PRIMARY KEY (draft_id, revision)
    );
    CREATE TABLE reviews (
        draft_id      INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        reviewer_id   INTEGER NOT NULL,
        -- Kept so a reviewer who leaves the server still shows by name.
        reviewer_name TEXT NOT NULL,
        verdict       TEXT NOT NULL CHECK (verdict IN ('approve', 'changes')),
        reason        TEXT,
        revision      INTEGER NOT NULL,
        created_at    REAL NOT NULL,
        PRIMARY KEY (draft_id, reviewer_id, revision)
    );
    CREATE INDEX reviews_reviewer ON reviews(reviewer_id);
    """,
    # 3: the author may ask for more approvals on their own draft than the server needs.
    """
    ALTER TABLE review_drafts ADD COLUMN wanted_approvals INTEGER;
    """,
    # 4: the team's workflow. Mentions can be switched off per server; a server may cap
    # the model's tokens per day or month (usage kept per day); the rewrite shown last is
    # kept so the author can adopt it; members' "not helpful" votes on findings, and the
    # rules those votes demoted in a server.
    """
    ALTER TABLE guild_settings ADD COLUMN mentions INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE guild_settings ADD COLUMN token_budget INTEGER;
    ALTER TABLE guild_settings ADD COLUMN budget_period TEXT NOT NULL DEFAULT 'day';
    ALTER TABLE drafts ADD COLUMN rewrite TEXT;
    CREATE TABLE model_usage (
        guild_id INTEGER NOT NULL,
        day      TEXT NOT NULL,
        tokens   INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (guild_id, day)
    );
    CREATE TABLE finding_feedback (
        guild_id   INTEGER NOT NULL,
        rule_id    TEXT NOT NULL,
        member_id  INTEGER NOT NULL,
        draft_id   INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
        reason     TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX finding_feedback_rule ON finding_feedback(guild_id, rule_id, created_at);
    CREATE TABLE rule_demotions (
        guild_id    INTEGER NOT NULL,
        rule_id     TEXT NOT NULL,
        -- The severity the rule reports at in this server while demoted.
        severity    TEXT NOT NULL,
        demoted_at  REAL NOT NULL,
        -- Said once in the footer of the server's next critique.
        announced   INTEGER NOT NULL DEFAULT 0,
        -- An admin put the rule back; only dismissals after this count again.
        restored_at REAL,
        PRIMARY KEY (guild_id, rule_id)
    );
    """,
    # 5: who may review in a server: members with a role, or members for some days. A
    # draft claimed in a watched channel gets its review in the same statement, so a
    # crash cannot leave one without the other.
    """
    ALTER TABLE review_settings ADD COLUMN reviewer_role_id INTEGER;
    ALTER TABLE review_settings ADD COLUMN reviewer_min_days INTEGER NOT NULL DEFAULT 0;
    CREATE TRIGGER channel_draft_review AFTER INSERT ON drafts WHEN NEW.origin = 'channel'
    BEGIN
        INSERT OR IGNORE INTO review_drafts (draft_id) VALUES (NEW.id);
    END;
    """,
    # 6: the model's tokens spent on each member's direct messages per day, which belong
    # to no server's budget.
    """
    CREATE TABLE direct_model_usage (
        member_id INTEGER NOT NULL,
        day       TEXT NOT NULL,
        tokens    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (member_id, day)
    );
    """,
)

#: Days within which three members' "not helpful" votes demote a rule.
DISMISSAL_WINDOW_DAYS = 30
#: Different members whose votes within the window demote a rule in their server.
DISMISSALS_TO_DEMOTE = 3
BudgetPeriod = Literal["day", "month"]


def text_digest(text: str) -> str:
    """A stable fingerprint of a draft, kept after the text itself is purged."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    #: The server's default platform; ``None`` means the configured default.
    platform: str | None = None
    llm_enabled: bool = True
    #: Review messages mention the people they concern (off: names only, no pings).
    mentions: bool = True
    #: Model tokens this server may use per ``budget_period``; ``None``: no cap.
    token_budget: int | None = None
    budget_period: BudgetPeriod = "day"


@dataclass(frozen=True, slots=True)
class ReviewerRule:
    """Who may review drafts in a server, besides being able to read the drafts channel."""

    #: Reviewers need this role; ``None``: any member.
    role_id: int | None = None
    #: Reviewers have been members for at least this many days.
    min_days: int = 0


@dataclass(frozen=True, slots=True)
class RuleOverride:
    rule_id: str
    disabled: bool = False
    severity: str | None = None


@dataclass(frozen=True, slots=True)
class NewDraft:
    """A draft about to be recorded."""

    origin: DraftOrigin
    guild_id: int | None
    channel_id: int
    message_id: int | None
    author_id: int
    #: Who asked for the critique (the author, or a teammate using the context menu).
    requester_id: int
    platform: str
    text: str


@dataclass(frozen=True, slots=True)
class Draft:
    """One critiqued draft and the bot message that answers it."""

    id: int
    origin: DraftOrigin
    guild_id: int | None
    channel_id: int
    message_id: int | None
    author_id: int
    requester_id: int
    platform: str
    #: ``None`` once the retention period has passed.
    text: str | None
    text_hash: str
    score: int | None
    verdict: str | None
    principles: tuple[str, ...]
    reply_channel_id: int | None
    reply_message_id: int | None
    created_at: float
    updated_at: float
    dismissed: bool

    def may_manage(self, user_id: int) -> bool:
        """The draft's author, or whoever asked for the critique."""
        return user_id in (self.author_id, self.requester_id)


_DRAFT_COLUMNS = (
    "id, origin, guild_id, channel_id, message_id, author_id, requester_id, platform, text,"
    " text_hash, score, verdict, principles, reply_channel_id, reply_message_id, created_at,"
    " updated_at, dismissed"
)


def _draft(row: Sequence[Any]) -> Draft:
    values = list(row)
    values[12] = tuple(p for p in str(values[12] or "").split(",") if p)
    values[17] = bool(values[17])
    return Draft(*values)


class Store:
    """Async access to the bot's SQLite database; one instance per process.

    Every task shares one connection, so every statement runs while its task holds the
    connection (:meth:`_held`): a read of one statement or several, a write, or a
    transaction from its BEGIN to its COMMIT. A write never lands inside another task's
    transaction (to be rolled back with it), and a read never sees a transaction's
    uncommitted half. Inside such a block, statements go to the connection it yields;
    calling a store method there would wait for itself, so it raises instead.
    """

    def __init__(self, connection: PatientConnection,
                 settings_recheck: float = SETTINGS_RECHECK) -> None:
        self._db = connection
        self._lock = asyncio.Lock()
        #: True in the task holding the connection, and in tasks it starts meanwhile.
        self._holding = ContextVar(f"store-{id(self)}-held", default=False)
        self._settings_recheck = settings_recheck
        self._settings_checked_at = time.monotonic()
        #: SQLite's count of changes other connections committed, when last looked at.
        self._data_version: int | None = None
        #: Bumped when another process may have changed the settings.
        self._settings_generation = 0
        # Every draft needs its server's settings, and they change only through this
        # object: kept in memory, they cost a crowd of drafts no queries.
        self._guild_settings: dict[int, GuildSettings] = {}
        self._rule_overrides: dict[int, tuple[RuleOverride, ...]] = {}
        self._rule_demotions: dict[int, tuple[RuleDemotion, ...]] = {}
        #: Bumped by every change to a server's settings, so a read that was under way
        #: during a change does not put the old values back in memory.
        self._settings_changes: dict[int, int] = {}

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[PatientConnection]:
        """The connection, to this task alone until the block ends (a read of one statement
        goes through :meth:`_rows` or :meth:`_row`)."""
        if self._holding.get():
            raise RuntimeError("a store method was called inside a transaction or read; "
                               "use the connection that block yields")
        async with self._lock:
            holding = self._holding.set(True)
            try:
                yield self._db
            finally:
                self._holding.reset(holding)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[PatientConnection]:
        """Statements that must land together (or not at all), as one transaction."""
        async with self._held() as db:
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")

    async def _write(self, sql: str, parameters: Iterable[Any] = ()) -> aiosqlite.Cursor:
        """One statement that changes the database, run between transactions (it commits
        itself). Statements that return rows, or must land together, use
        :meth:`_transaction`."""
        async with self._held() as db:
            return await db.execute(sql, parameters)

    async def _set_server_row(self, table: Literal["guild_settings", "review_settings"],
                              guild_id: int, **values: object) -> None:
        """Set some columns of a server's row in ``table`` (made if need be; its other
        columns stay as they are)."""
        columns = ", ".join(values)
        updates = ", ".join(f"{column} = excluded.{column}" for column in values)
        await self._write(
            f"INSERT INTO {table} (guild_id, {columns}) VALUES (?{', ?' * len(values)})"
            f" ON CONFLICT(guild_id) DO UPDATE SET {updates}",
            (guild_id, *values.values()),
        )

    async def _rows(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Every row of one statement that reads, run while this task holds the connection."""
        async with self._held() as db, db.execute(sql, parameters) as cursor:
            return list(await cursor.fetchall())

    async def _row(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Row | None:
        """The first row of one statement that reads (``None``: no row), run while this
        task holds the connection."""
        async with self._held() as db, db.execute(sql, parameters) as cursor:
            return await cursor.fetchone()

    async def _recheck_settings(self) -> None:
        """Forget the settings kept in memory if another process changed the database."""
        now = time.monotonic()
        if self._data_version is not None and now - self._settings_checked_at < (
                self._settings_recheck):
            return
        self._settings_checked_at = now
        row = await self._row("PRAGMA data_version")
        version = int(row[0]) if row else 0
        if self._data_version is not None and version != self._data_version:
            self._settings_generation += 1
            self._guild_settings.clear()
            self._rule_overrides.clear()
            self._rule_demotions.clear()
        self._data_version = version

    def _settings_changed(self, guild_id: int) -> None:
        self._settings_changes[guild_id] = self._settings_changes.get(guild_id, 0) + 1
        self._guild_settings.pop(guild_id, None)
        self._rule_overrides.pop(guild_id, None)
        self._rule_demotions.pop(guild_id, None)

    async def _remembered(self, memory: dict[int, _Kept], guild_id: int,
                          read: Callable[[], Awaitable[_Kept]]) -> _Kept:
        """A server's settings from ``memory``, or ``read`` from the database and kept
        there unless they changed meanwhile."""
        await self._recheck_settings()
        known = memory.get(guild_id)
        if known is not None:
            return known
        changes = self._settings_generation, self._settings_changes.get(guild_id, 0)
        found = await read()
        if changes == (self._settings_generation, self._settings_changes.get(guild_id, 0)):
            memory[guild_id] = found
        return found

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        busy_timeout: float = BUSY_TIMEOUT,
        lock_patience: float = LOCK_PATIENCE,
        settings_recheck: float = SETTINGS_RECHECK,
    ) -> Store:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        ``":memory:"`` gives a private in-memory database (tests). A damaged database, or
        one this process cannot write, raises :class:`ConfigError` with one line saying so.
        """
        if str(path) != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        raw = await aiosqlite.connect(str(path), timeout=busy_timeout, isolation_level=None)
        connection = PatientConnection(raw, lock_patience)
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            # Freed pages (purged draft text) are overwritten with zeros, whatever this
            # SQLite build's default is.
            await connection.execute("PRAGMA secure_delete = ON")
            store = cls(connection, settings_recheck)
            await store._check_health(str(path))
            await store._migrate()
            await store._check_writable(str(path))
        except BaseException:
            await connection.close()
            raise
        return store

    async def _check_health(self, path: str) -> None:
        """Refuse a damaged database at start rather than failing on some later read."""
        try:
            problems = [str(row[0]) for row in await self._rows("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        if problems != ["ok"]:
            raise ConfigError(
                f"discord.database: {path} is damaged ({'; '.join(problems)[:200]}); restore "
                "it from a backup, or move it away to start with an empty one"
            )

    async def _check_writable(self, path: str) -> None:
        """A write at start, so a read-only file stops the bot now, not at every draft."""
        try:
            async with self._transaction() as db:
                await db.execute("UPDATE schema_version SET version = version")
        except sqlite3.Error as exc:
            raise ConfigError(
                f"discord.database: cannot write to {path} ({exc}); check the file's and "
                "its folder's permissions and the free disk space"
            ) from None

    async def close(self) -> None:
        await self._db.close()

    # ------------------------------------------------------------------ schema

    async def schema_version(self) -> int:
        if await self._row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ) is None:
            return 0
        row = await self._row("SELECT version FROM schema_version")
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        # At start-up, before any other task has the store.
        await self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
        current = await self.schema_version()
        if current > len(MIGRATIONS):
            raise ConfigError(
                f"discord.database: schema version {current} is newer than this draftcoach "
                f"understands ({len(MIGRATIONS)}); upgrade draftcoach"
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            log.info("migrating the database to schema version %d", version)
            await self._db.executescript(
                f"BEGIN;\n{script}\nDELETE FROM schema_version;\n"
                f"INSERT INTO schema_version (version) VALUES ({version});\nCOMMIT;"
            )

    # ------------------------------------------------------------ server settings

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        async def read() -> GuildSettings:
            row = await self._row(
                "SELECT platform, llm_enabled, mentions, token_budget, budget_period"
                " FROM guild_settings WHERE guild_id = ?",
                (guild_id,),
            )
            if row is None:
                return GuildSettings(guild_id)
            period: BudgetPeriod = "month" if row[4] == "month" else "day"
            return GuildSettings(guild_id, row[0], bool(row[1]), bool(row[2]), row[3], period)

        return await self._remembered(self._guild_settings, guild_id, read)

    async def set_platform(self, guild_id: int, platform: str | None) -> None:
        await self._set_server_row("guild_settings", guild_id, platform=platform)
        self._settings_changed(guild_id)

    async def set_llm_enabled(self, guild_id: int, enabled: bool) -> None:
        await self._set_server_row("guild_settings", guild_id, llm_enabled=int(enabled))
        self._settings_changed(guild_id)

    # --------------------------------------------------------- watched channels

    async def watch_channel(self, guild_id: int, channel_id: int, added_by: int) -> bool:
        """Start watching ``channel_id``; ``False`` if it was already watched."""
        cursor = await self._write(
            "INSERT OR IGNORE INTO watched_channels (channel_id, guild_id, added_by, added_at)"
            " VALUES (?, ?, ?, ?)",
            (channel_id, guild_id, added_by, time.time()),
        )
        return cursor.rowcount > 0

    async def unwatch_channel(self, guild_id: int, channel_id: int) -> bool:
        cursor = await self._write(
            "DELETE FROM watched_channels WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )
        return cursor.rowcount > 0

    async def watched_channels(self, guild_id: int) -> list[int]:
        rows = await self._rows(
            "SELECT channel_id FROM watched_channels WHERE guild_id = ? ORDER BY added_at",
            (guild_id,),
        )
        return [int(row[0]) for row in rows]

    async def all_watched_channels(self) -> list[int]:
        return [int(row[0]) for row in await self._rows("SELECT channel_id FROM watched_channels")]

    async def is_watched(self, channel_id: int) -> bool:
        return await self._row(
            "SELECT 1 FROM watched_channels WHERE channel_id = ?", (channel_id,)
        ) is not None

    # ------------------------------------------------------------ rule overrides

    async def rule_overrides(self, guild_id: int) -> list[RuleOverride]:
        async def read() -> tuple[RuleOverride, ...]:
            rows = await self._rows(
                "SELECT rule_id, disabled, severity FROM rule_overrides WHERE guild_id = ?"
                " ORDER BY rule_id",
                (guild_id,),
            )
            return tuple(RuleOverride(str(r[0]), bool(r[1]), r[2]) for r in rows)

        return list(await self._remembered(self._rule_overrides, guild_id, read))

    async def set_rule_disabled(self, guild_id: int, rule_id: str, disabled: bool) -> None:
        await self._set_override(guild_id, rule_id, "disabled", int(disabled))

    async def set_rule_severity(self, guild_id: int, rule_id: str, severity: str | None) -> None:
        await self._set_override(guild_id, rule_id, "severity", severity)

    async def _set_override(self, guild_id: int, rule_id: str,
                            column: Literal["disabled", "severity"], value: object) -> None:
        """Set one column of a rule's override; an override back to the defaults goes."""
        async with self._transaction() as db:
            await db.execute(
                f"INSERT INTO rule_overrides (guild_id, rule_id, {column}) VALUES (?, ?, ?)"
                f" ON CONFLICT(guild_id, rule_id) DO UPDATE SET {column} = excluded.{column}",
                (guild_id, rule_id, value),
            )
            await db.execute(
                "DELETE FROM rule_overrides WHERE guild_id = ? AND disabled = 0"
                " AND severity IS NULL", (guild_id,),
            )
        self._settings_changed(guild_id)

    # ------------------------------------------------------------------ drafts

    async def claim_channel_draft(self, new: NewDraft, now: float | None = None) -> Draft | None:
        """Record a draft posted in a watched channel, once, with its team review.

        Returns ``None`` when the message was already claimed: a replayed or duplicated
        gateway event must not produce a second critique. The draft and its review are
        one transaction, so a crash cannot leave one without the other; a claimed draft
        still without an answer is found by :meth:`unanswered_channel_drafts`.
        """
        return await self._insert_draft(new, now, ignore_duplicate=True)

    async def add_draft(self, new: NewDraft, now: float | None = None) -> Draft:
        draft = await self._insert_draft(new, now, ignore_duplicate=False)
        assert draft is not None
        return draft

    async def _insert_draft(
        self, new: NewDraft, now: float | None, *, ignore_duplicate: bool
    ) -> Draft | None:
        stamp = time.time() if now is None else now
        verb = "INSERT OR IGNORE" if ignore_duplicate else "INSERT"
        # One statement: a watched channel's draft gets its review from the trigger
        # channel_draft_review (migration 5), in the same transaction.
        cursor = await self._write(
            f"{verb} INTO drafts (origin, guild_id, channel_id, message_id, author_id,"
            " requester_id, platform, text, text_hash, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.origin, new.guild_id, new.channel_id, new.message_id, new.author_id,
             new.requester_id, new.platform, new.text, text_digest(new.text), stamp, stamp),
        )
        if cursor.rowcount == 0:
            return None
        return await self.draft(int(cursor.lastrowid or 0))

    async def unanswered_channel_drafts(self, before: float) -> list[Draft]:
        """Drafts from watched channels claimed before ``before`` that never got an answer
        (the bot stopped between claiming and answering them), oldest first."""
        rows = await self._rows(
            f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE origin = 'channel'"
            " AND reply_message_id IS NULL AND dismissed = 0 AND text IS NOT NULL"
            " AND created_at < ? ORDER BY created_at, id",
            (before,),
        )
        return [_draft(row) for row in rows]

    async def draft(self, draft_id: int) -> Draft | None:
        row = await self._row(f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE id = ?", (draft_id,))
        return _draft(row) if row else None

    async def channel_draft(self, message_id: int) -> Draft | None:
        """The draft a watched-channel message is, if the bot has critiqued it."""
        row = await self._row(
            f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE origin = 'channel' AND message_id = ?",
            (message_id,),
        )
        return _draft(row) if row else None

    async def record_result(
        self, draft_id: int, *, score: int, verdict: str, principles: Iterable[str]
    ) -> None:
        await self._write(
            "UPDATE drafts SET score = ?, verdict = ?, principles = ? WHERE id = ?",
            (score, verdict, ",".join(dict.fromkeys(principles)), draft_id),
        )

    async def set_reply(self, draft_id: int, channel_id: int, message_id: int) -> None:
        await self._write(
            "UPDATE drafts SET reply_channel_id = ?, reply_message_id = ? WHERE id = ?",
            (channel_id, message_id, draft_id),
        )

    async def update_text(
        self, draft_id: int, text: str, platform: str, now: float | None = None
    ) -> None:
        await self._write(
            "UPDATE drafts SET text = ?, text_hash = ?, platform = ?, updated_at = ? WHERE id = ?",
            (text, text_digest(text), platform, time.time() if now is None else now, draft_id),
        )

    async def dismiss(self, draft_id: int) -> None:
        await self._write("UPDATE drafts SET dismissed = 1 WHERE id = ?", (draft_id,))

    async def purge_texts(self, older_than_days: float, now: float | None = None) -> int:
        """Forget the text of drafts not touched for ``older_than_days``; returns how many."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE drafts SET text = NULL WHERE text IS NOT NULL AND updated_at < ?",
                (cutoff,),
            )
            await db.execute(
                "UPDATE drafts SET rewrite = NULL WHERE rewrite IS NOT NULL AND text IS NULL")
            await db.execute(
                "UPDATE finding_feedback SET reason = NULL WHERE reason IS NOT NULL"
                " AND created_at < ?", (cutoff,))
            # Reviewers' reasons often quote the draft: they go with it.
            await db.execute(
                "UPDATE reviews SET reason = NULL WHERE reason IS NOT NULL AND draft_id IN"
                " (SELECT id FROM drafts WHERE text IS NULL)"
            )
        if cursor.rowcount:
            await self._forget_old_pages()
        return cursor.rowcount

    async def _forget_old_pages(self) -> None:
        """Copy the write-ahead log into the database and empty it: until then it still
        holds the pages with the purged text (secure_delete zeroes them in the file)."""
        # Between transactions: one under way would keep its pages in the log.
        row = await self._row("PRAGMA wal_checkpoint(TRUNCATE)")
        if row is not None and row[0]:
            log.warning("a reader kept the database busy; the purged text leaves the "
                        "write-ahead log at the next checkpoint")

    # ------------------------------------------------------------- team review

    async def review_approvals(self, guild_id: int) -> int:
        """How many teammates' approvals make a draft approved in this server."""
        row = await self._row("SELECT approvals FROM review_settings WHERE guild_id = ?",
                              (guild_id,))
        return int(row[0]) if row else 1

    async def set_review_approvals(self, guild_id: int, approvals: int) -> None:
        await self._set_server_row("review_settings", guild_id, approvals=approvals)

    async def reviewer_rule(self, guild_id: int) -> ReviewerRule:
        row = await self._row(
            "SELECT reviewer_role_id, reviewer_min_days FROM review_settings WHERE guild_id = ?",
            (guild_id,),
        )
        return ReviewerRule() if row is None else ReviewerRule(row[0], int(row[1]))

    async def set_reviewer_rule(self, guild_id: int, rule: ReviewerRule) -> None:
        await self._set_server_row("review_settings", guild_id, reviewer_role_id=rule.role_id,
                                   reviewer_min_days=rule.min_days)

    async def open_review(
        self, draft_id: int, *, score: int, principles: Iterable[str], now: float | None = None
    ) -> None:
        """Start tracking a draft's review at revision 1 (nothing happens if it already is).

        A claimed draft has its review row already (see :meth:`claim_channel_draft`), so
        only the first revision's record is written here.
        """
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO review_drafts (draft_id) VALUES (?)", (draft_id,)
            )
            await db.execute(
                "INSERT OR IGNORE INTO draft_revisions (draft_id, revision, score, principles,"
                " created_at) VALUES (?, 1, ?, ?, ?)",
                (draft_id, score, ",".join(dict.fromkeys(principles)),
                 time.time() if now is None else now),
            )

    async def new_revision(
        self, draft_id: int, *, score: int, principles: Iterable[str], now: float | None = None
    ) -> int:
        """Start a new review round for a materially changed draft; returns its number.

        Reviews of earlier revisions stay on record but no longer count.
        """
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE review_drafts SET revision = revision + 1 WHERE draft_id = ?"
                " RETURNING revision",
                (draft_id,),
            )
            row = await cursor.fetchone()
            await cursor.close()
            revision = int(row[0]) if row else 1
            await db.execute(
                "INSERT OR REPLACE INTO draft_revisions (draft_id, revision, score, principles,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (draft_id, revision, score, ",".join(dict.fromkeys(principles)),
                 time.time() if now is None else now),
            )
        return revision

    async def add_review(
        self,
        draft_id: int,
        *,
        revision: int,
        reviewer_id: int,
        reviewer_name: str,
        verdict: ReviewVerdict,
        reason: str | None = None,
        now: float | None = None,
    ) -> bool:
        """Record a reviewer's verdict on ``revision``, replacing their earlier one on it.

        One statement, so two reviewers pressing at once both count and one reviewer
        pressing twice counts once. ``False`` when ``revision`` is no longer the draft's
        current one or the draft is already posted.
        """
        cursor = await self._write(
            "INSERT INTO reviews (draft_id, reviewer_id, reviewer_name, verdict, reason,"
            " revision, created_at)"
            " SELECT ?, ?, ?, ?, ?, ?, ? FROM review_drafts"
            " WHERE draft_id = ? AND revision = ? AND posted_at IS NULL"
            " ON CONFLICT(draft_id, reviewer_id, revision) DO UPDATE SET"
            " reviewer_name = excluded.reviewer_name, verdict = excluded.verdict,"
            " reason = excluded.reason, created_at = excluded.created_at",
            (draft_id, reviewer_id, reviewer_name, verdict, reason, revision,
             time.time() if now is None else now, draft_id, revision),
        )
        return cursor.rowcount > 0

    async def review_state(self, draft_id: int) -> ReviewState | None:
        """The draft's review: its revision and the reviews that count (this revision's)."""
        async with self._held() as db:
            return await _review_state(db, draft_id)

    async def claim_approval_announcement(self, draft_id: int, revision: int) -> bool:
        """``True`` exactly once per approved revision: whoever gets it tells the author."""
        cursor = await self._write(
            "UPDATE review_drafts SET announced_revision = ? WHERE draft_id = ?"
            " AND (announced_revision IS NULL OR announced_revision < ?)",
            (revision, draft_id, revision),
        )
        return cursor.rowcount > 0

    async def mark_posted(
        self, draft_id: int, link: str | None, now: float | None = None
    ) -> bool:
        """Record that the draft went out; ``False`` if it already had."""
        cursor = await self._write(
            "UPDATE review_drafts SET posted_at = ?, posted_link = ?"
            " WHERE draft_id = ? AND posted_at IS NULL",
            (time.time() if now is None else now, link, draft_id),
        )
        return cursor.rowcount > 0

    async def set_wanted_approvals(self, draft_id: int, approvals: int | None) -> None:
        """The approvals the author asks for on this draft (``None``: the server's number)."""
        await self._write(
            "UPDATE review_drafts SET wanted_approvals = ? WHERE draft_id = ?",
            (approvals, draft_id),
        )

    async def set_last_change(self, draft_id: int, summary: str) -> None:
        await self._write(
            "UPDATE review_drafts SET last_change = ? WHERE draft_id = ?", (summary, draft_id)
        )

    async def mark_message_deleted(self, draft_id: int) -> None:
        await self._write(
            "UPDATE review_drafts SET message_deleted = 1 WHERE draft_id = ?", (draft_id,)
        )

    async def open_reviews(self, guild_id: int) -> list[tuple[Draft, ReviewState]]:
        """This server's drafts under review (not posted, deleted or dismissed), oldest first."""
        found = []
        async with self._held() as db:
            async with db.execute(
                f"SELECT {', '.join('d.' + c.strip() for c in _DRAFT_COLUMNS.split(','))}"
                " FROM drafts d JOIN review_drafts r ON r.draft_id = d.id"
                " WHERE d.guild_id = ? AND d.dismissed = 0 AND r.posted_at IS NULL"
                " AND r.message_deleted = 0 AND d.score IS NOT NULL"
                " ORDER BY d.created_at, d.id",
                (guild_id,),
            ) as cursor:
                drafts = [_draft(row) for row in await cursor.fetchall()]
            for draft in drafts:
                state = await _review_state(db, draft.id)
                if state is not None:
                    found.append((draft, state))
        return found

    async def member_stats(self, guild_id: int, member_id: int) -> MemberStats:
        """A member's drafts in this server and the reviews they gave teammates."""
        async with self._held() as db:
            async with db.execute(
                "SELECT d.score, d.created_at, fr.score, fr.principles"
                " FROM drafts d JOIN review_drafts r ON r.draft_id = d.id"
                " LEFT JOIN draft_revisions fr ON fr.draft_id = d.id AND fr.revision = 1"
                " WHERE d.guild_id = ? AND d.author_id = ? AND d.score IS NOT NULL"
                " ORDER BY d.created_at",
                (guild_id, member_id),
            ) as cursor:
                rows = await cursor.fetchall()
            async with db.execute(
                "SELECT v.verdict, COUNT(*) FROM reviews v JOIN drafts d ON d.id = v.draft_id"
                " WHERE d.guild_id = ? AND v.reviewer_id = ? AND d.author_id != ?"
                " GROUP BY v.verdict",
                (guild_id, member_id, member_id),
            ) as cursor:
                given = {str(r[0]): int(r[1]) for r in await cursor.fetchall()}
            async with db.execute(
                "SELECT COUNT(*) FROM review_drafts r JOIN drafts d ON d.id = r.draft_id"
                " WHERE d.guild_id = ? AND d.author_id = ? AND r.posted_at IS NOT NULL",
                (guild_id, member_id),
            ) as cursor:
                posted_row = await cursor.fetchone()
        return MemberStats(
            scores=tuple(int(r[0]) for r in rows),
            first_scores=tuple(int(r[2]) if r[2] is not None else int(r[0]) for r in rows),
            first_principles=tuple(
                tuple(p for p in str(r[3] or "").split(",") if p) for r in rows
            ),
            posted=int(posted_row[0]) if posted_row else 0,
            approvals_given=given.get("approve", 0),
            changes_given=given.get("changes", 0),
        )

    # ------------------------------------------------------------- workflow

    async def set_mentions(self, guild_id: int, enabled: bool) -> None:
        await self._set_server_row("guild_settings", guild_id, mentions=int(enabled))
        self._settings_changed(guild_id)

    async def set_token_budget(
        self, guild_id: int, tokens: int | None, period: BudgetPeriod = "day"
    ) -> None:
        """Cap the model's tokens for this server per day or month; ``None`` lifts the cap."""
        await self._set_server_row("guild_settings", guild_id, token_budget=tokens,
                                   budget_period=period)
        self._settings_changed(guild_id)

    async def add_model_usage(self, guild_id: int, tokens: int, now: float | None = None) -> None:
        """Count ``tokens`` against the server's usage of the day (UTC)."""
        await self._write(*_usage_count(guild_id, tokens, now))

    async def model_usage(
        self, guild_id: int, period: BudgetPeriod, now: float | None = None
    ) -> int:
        """Tokens the server's drafts used this UTC day, or this UTC month."""
        day = utc_day(now)
        pattern = day if period == "day" else day[:7] + "-%"
        row = await self._row(
            "SELECT COALESCE(SUM(tokens), 0) FROM model_usage WHERE guild_id = ? AND day LIKE ?",
            (guild_id, pattern),
        )
        return int(row[0]) if row else 0

    async def direct_model_usage(self, member_id: int, now: float | None = None) -> int:
        """Tokens the member's direct messages used this UTC day."""
        row = await self._row(
            "SELECT tokens FROM direct_model_usage WHERE member_id = ? AND day = ?",
            (member_id, utc_day(now)),
        )
        return int(row[0]) if row else 0

    async def set_rewrite(
        self, draft_id: int, text: str, *, guild_id: int | None = None,
        member_id: int | None = None, tokens: int = 0, now: float | None = None,
    ) -> None:
        """The rewrite last shown for a draft, which its author may adopt; the ``tokens``
        the model spent on it count for ``guild_id``, or for ``member_id``'s direct
        messages when the draft belongs to no server (one write for both)."""
        async with self._transaction() as db:
            await db.execute("UPDATE drafts SET rewrite = ? WHERE id = ?", (text, draft_id))
            if not tokens:
                return
            if guild_id is not None:
                await db.execute(*_usage_count(guild_id, tokens, now))
            elif member_id is not None:
                await db.execute(
                    "INSERT INTO direct_model_usage (member_id, day, tokens) VALUES (?, ?, ?)"
                    " ON CONFLICT(member_id, day) DO UPDATE SET"
                    " tokens = tokens + excluded.tokens",
                    (member_id, utc_day(now), tokens),
                )

    async def draft_rewrite(self, draft_id: int) -> str | None:
        row = await self._row("SELECT rewrite FROM drafts WHERE id = ?", (draft_id,))
        return None if row is None or row[0] is None else str(row[0])

    async def add_feedback(
        self, guild_id: int, rule_id: str, member_id: int, *, draft_id: int | None,
        reason: str | None, now: float | None = None,
    ) -> None:
        """Record a member's "not helpful" on a finding of ``rule_id`` (see :meth:`dismissers`)."""
        stamp = time.time() if now is None else now
        await self._write(
            "INSERT INTO finding_feedback (guild_id, rule_id, member_id, draft_id, reason,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, rule_id, member_id, draft_id, reason, stamp),
        )

    async def dismissers(self, guild_id: int, rule_id: str, now: float | None = None) -> int:
        """Different members who found the rule unhelpful in the window that counts."""
        stamp = time.time() if now is None else now
        since = stamp - DISMISSAL_WINDOW_DAYS * 86400
        row = await self._row(
            "SELECT COUNT(DISTINCT f.member_id) FROM finding_feedback f"
            " LEFT JOIN rule_demotions d ON d.guild_id = f.guild_id AND d.rule_id = f.rule_id"
            " WHERE f.guild_id = ? AND f.rule_id = ? AND f.created_at >= ?"
            " AND (d.restored_at IS NULL OR f.created_at > d.restored_at)",
            (guild_id, rule_id, since),
        )
        return int(row[0]) if row else 0

    async def demote_rule(
        self, guild_id: int, rule_id: str, severity: str, now: float | None = None
    ) -> bool:
        """Demote the rule to ``severity`` here; ``False`` if it already is demoted."""
        cursor = await self._write(
            "INSERT INTO rule_demotions (guild_id, rule_id, severity, demoted_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(guild_id, rule_id) DO UPDATE SET"
            " severity = excluded.severity, demoted_at = excluded.demoted_at, announced = 0,"
            " restored_at = NULL WHERE rule_demotions.restored_at IS NOT NULL",
            (guild_id, rule_id, severity, time.time() if now is None else now),
        )
        self._settings_changed(guild_id)
        return cursor.rowcount > 0

    async def restore_rule(self, guild_id: int, rule_id: str, now: float | None = None) -> bool:
        """Undo a demotion; ``False`` if the rule was not demoted here."""
        cursor = await self._write(
            "UPDATE rule_demotions SET restored_at = ? WHERE guild_id = ? AND rule_id = ?"
            " AND restored_at IS NULL",
            (time.time() if now is None else now, guild_id, rule_id),
        )
        self._settings_changed(guild_id)
        return cursor.rowcount > 0

    async def rule_demotions(self, guild_id: int) -> list[RuleDemotion]:
        """The rules the server's members demoted (and no admin restored)."""
        async def read() -> tuple[RuleDemotion, ...]:
            rows = await self._rows(
                "SELECT rule_id, severity, demoted_at, announced FROM rule_demotions"
                " WHERE guild_id = ? AND restored_at IS NULL ORDER BY demoted_at, rule_id",
                (guild_id,),
            )
            return tuple(RuleDemotion(str(r[0]), str(r[1]), float(r[2]), bool(r[3]))
                         for r in rows)

        return list(await self._remembered(self._rule_demotions, guild_id, read))

    async def claim_demotion_news(self, guild_id: int) -> list[RuleDemotion]:
        """Demotions not yet told to the server, marked told: each is said once."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE rule_demotions SET announced = 1 WHERE guild_id = ? AND announced = 0"
                " AND restored_at IS NULL RETURNING rule_id, severity, demoted_at",
                (guild_id,),
            )
            rows = await cursor.fetchall()
            await cursor.close()
        if rows:
            self._settings_changed(guild_id)
        return sorted((RuleDemotion(str(r[0]), str(r[1]), float(r[2]), True) for r in rows),
                      key=lambda d: d.rule_id)

    async def most_dismissed(
        self, guild_id: int, limit: int = 5, now: float | None = None
    ) -> list[tuple[str, int]]:
        """(rule, members who found it unhelpful) over the window, most first."""
        since = (time.time() if now is None else now) - DISMISSAL_WINDOW_DAYS * 86400
        rows = await self._rows(
            "SELECT rule_id, COUNT(DISTINCT member_id) AS n FROM finding_feedback"
            " WHERE guild_id = ? AND created_at >= ? GROUP BY rule_id"
            " ORDER BY n DESC, rule_id LIMIT ?",
            (guild_id, since, limit),
        )
        return [(str(r[0]), int(r[1])) for r in rows]


ReviewVerdict = Literal["approve", "changes"]


@dataclass(frozen=True, slots=True)
class Review:
    reviewer_id: int
    #: The reviewer's name when they reviewed, shown even after they leave the server.
    reviewer_name: str
    verdict: ReviewVerdict
    reason: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class ReviewState:
    draft_id: int
    revision: int
    #: The last revision whose approval the author was told about.
    announced_revision: int | None
    posted_at: float | None
    posted_link: str | None
    message_deleted: bool
    #: The reviews of the current revision, oldest first.
    reviews: tuple[Review, ...]
    #: What the latest revision changed, in a line or two.
    last_change: str | None = None
    #: Approvals the author asked for; more than the server's number counts, fewer not.
    wanted_approvals: int | None = None


@dataclass(frozen=True, slots=True)
class MemberStats:
    """One member's drafts (oldest first) and the reviews they gave others."""

    #: Each draft's current score.
    scores: tuple[int, ...]
    #: Each draft's score as first posted.
    first_scores: tuple[int, ...]
    #: The principles each draft tripped as first posted.
    first_principles: tuple[tuple[str, ...], ...]
    posted: int
    approvals_given: int
    changes_given: int


@dataclass(frozen=True, slots=True)
class RuleDemotion:
    """A rule the server's members found unhelpful often enough to report it lower."""

    rule_id: str
    #: The severity it reports at here while demoted.
    severity: str
    demoted_at: float
    announced: bool


async def _review_state(db: PatientConnection, draft_id: int) -> ReviewState | None:
    """:meth:`Store.review_state`, read on a connection the caller holds."""
    async with db.execute(
        "SELECT revision, announced_revision, posted_at, posted_link, message_deleted,"
        " last_change, wanted_approvals FROM review_drafts WHERE draft_id = ?",
        (draft_id,),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    revision = int(row[0])
    async with db.execute(
        "SELECT reviewer_id, reviewer_name, verdict, reason, created_at FROM reviews"
        " WHERE draft_id = ? AND revision = ? ORDER BY created_at, reviewer_id",
        (draft_id, revision),
    ) as cursor:
        reviews = tuple(
            Review(int(r[0]), str(r[1]), r[2], r[3], float(r[4]))
            for r in await cursor.fetchall()
        )
    return ReviewState(draft_id, revision, row[1], row[2], row[3], bool(row[4]), reviews,
                       row[5], row[6])


def _usage_count(guild_id: int, tokens: int, now: float | None) -> tuple[str, tuple[Any, ...]]:
    """The statement that counts ``tokens`` against the server's usage of the day (UTC)."""
    return ("INSERT INTO model_usage (guild_id, day, tokens) VALUES (?, ?, ?)"
            " ON CONFLICT(guild_id, day) DO UPDATE SET tokens = tokens + excluded.tokens",
            (guild_id, utc_day(now), tokens))


def utc_day(now: float | None = None) -> str:
    """The UTC date of ``now`` (default: the present) as ``YYYY-MM-DD``."""
    stamp = time.time() if now is None else now
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))
