"""Gateway and REST payloads shaped like the ones Discord sends (API v10).

Only the fields discord.py reads are filled in, with the types Discord uses
(snowflakes as strings, permissions as decimal strings, ISO timestamps).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

#: Every permission bit set: the member "has Manage Server".
ALL_PERMISSIONS = str((1 << 53) - 1)
#: View channel, send messages, read history, use application commands.
MEMBER_PERMISSIONS = str((1 << 10) | (1 << 11) | (1 << 16) | (1 << 31) | (1 << 38))

TEXT_CHANNEL = 0
DM_CHANNEL = 1
PUBLIC_THREAD = 11

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
MODAL_SUBMIT = 5


class Snowflakes:
    """Increasing snowflake ids, time-based like Discord's so they sort by creation."""

    _DISCORD_EPOCH_MS = 1_420_070_400_000

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> str:
        millis = int(time.time() * 1000) - self._DISCORD_EPOCH_MS
        return str((millis << 22) | (next(self._counter) & 0x3FFFFF))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: str, name: str, *, bot: bool = False) -> Json:
    return {
        "id": user_id,
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass(frozen=True, slots=True)
class Member:
    """A guild member as the emulator knows it."""

    user: Json
    roles: tuple[str, ...] = ()
    permissions: str = MEMBER_PERMISSIONS

    @property
    def id(self) -> str:
        return str(self.user["id"])

    def payload(self) -> Json:
        return {
            "user": self.user,
            "roles": list(self.roles),
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }

    def with_permissions(self) -> Json:
        return {**self.payload(), "permissions": self.permissions}


@dataclass(slots=True)
class World:
    """The one application, bot user, guild and channels the emulator serves."""

    ids: Snowflakes = field(default_factory=Snowflakes)
    application_id: str = ""
    guild_id: str = ""
    bot: Member | None = None
    members: dict[str, Member] = field(default_factory=dict)
    channels: dict[str, Json] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.application_id = self.ids.next()
        self.guild_id = self.ids.next()
        self.bot = Member(user(self.application_id, "draftcoach", bot=True),
                          permissions=ALL_PERMISSIONS)
        self.add_member("owner", permissions=ALL_PERMISSIONS)
        self.add_channel("drafts")
        self.add_channel("general")

    @property
    def bot_user(self) -> Json:
        assert self.bot is not None
        return self.bot.user

    def add_member(self, name: str, *, permissions: str = MEMBER_PERMISSIONS) -> Member:
        member = Member(user(self.ids.next(), name), permissions=permissions)
        self.members[member.id] = member
        return member

    def member(self, name: str) -> Member:
        for member in self.members.values():
            if member.user["username"] == name:
                return member
        return self.add_member(name)

    def add_channel(self, name: str, *, kind: int = TEXT_CHANNEL, parent_id: str | None = None,
                    channel_id: str | None = None) -> Json:
        channel: Json = {
            "id": channel_id or self.ids.next(),
            "type": kind,
            "guild_id": self.guild_id,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": parent_id,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        if kind == PUBLIC_THREAD:
            channel["owner_id"] = self.application_id
            channel["thread_metadata"] = {
                "archived": False, "auto_archive_duration": 1440, "locked": False,
                "archive_timestamp": now_iso(),
            }
            channel["member_count"] = 1
            channel["message_count"] = 0
        self.channels[channel["id"]] = channel
        return channel

    def dm_channel(self, member: Member) -> Json:
        """The member's direct-message channel with the bot (made on first use)."""
        for channel in self.channels.values():
            if channel["type"] == DM_CHANNEL and channel["recipients"][0]["id"] == member.id:
                return channel
        channel = {"id": self.ids.next(), "type": DM_CHANNEL, "last_message_id": None,
                   "recipients": [member.user], "flags": 0}
        self.channels[channel["id"]] = channel
        return channel

    def channel(self, name: str) -> Json:
        for channel in self.channels.values():
            if channel["name"] == name:
                return channel
        raise KeyError(f"no channel named {name!r}")

    # -- gateway payloads --------------------------------------------------------------

    def ready(self, session_id: str, resume_url: str) -> Json:
        return {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": resume_url,
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "guild_join_requests": [],
            "presences": [],
            "_trace": ["draftcoach-emulator"],
        }

    def guild(self) -> Json:
        assert self.bot is not None
        # Discord sends a guild's active threads only; archived ones are fetched.
        threads = [c for c in self.channels.values() if c["type"] == PUBLIC_THREAD
                   and not c["thread_metadata"]["archived"]]
        return {
            "id": self.guild_id,
            "name": "Social team",
            "icon": None,
            "owner_id": next(iter(self.members)),
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "features": [],
            "roles": [{
                "id": self.guild_id, "name": "@everyone", "permissions": MEMBER_PERMISSIONS,
                "position": 0, "color": 0, "hoist": False, "managed": False,
                "mentionable": False, "flags": 0,
            }],
            "emojis": [],
            "stickers": [],
            "channels": [c for c in self.channels.values() if c["type"] == TEXT_CHANNEL],
            "threads": threads,
            "members": [m.payload() for m in (self.bot, *self.members.values())],
            "member_count": 1 + len(self.members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "large": False,
            "unavailable": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "system_channel_id": None,
            "rules_channel_id": None,
            "premium_progress_bar_enabled": False,
        }

    def message(self, channel_id: str, author: Json, content: str, *, message_id: str | None = None,
                member: Member | None = None, **extra: Any) -> Json:
        payload: Json = {
            "id": message_id or self.ids.next(),
            "channel_id": channel_id,
            # Direct messages belong to no guild.
            **({} if self.channels.get(channel_id, {}).get("type") == DM_CHANNEL
               else {"guild_id": self.guild_id}),
            "author": author,
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if member is not None:
            payload["member"] = member.payload()
        payload.update(extra)
        return payload

    def interaction(self, kind: int, data: Json, *, member: Member, channel_id: str,
                    message: Json | None = None) -> Json:
        channel = self.channels[channel_id]
        payload: Json = {
            "id": self.ids.next(),
            "application_id": self.application_id,
            "type": kind,
            "data": data,
            "channel_id": channel_id,
            "channel": channel,
            "token": f"token-{self.ids.next()}",
            "version": 1,
            "app_permissions": ALL_PERMISSIONS,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if channel["type"] == DM_CHANNEL:
            # In the bot's DMs there is no guild: a user rather than a member presses, in
            # the BOT_DM context, and the guild install's owner id is "0".
            payload.update(user=member.user, context=1,
                           authorizing_integration_owners={"0": "0"})
        else:
            payload.update(guild_id=self.guild_id, member=member.with_permissions(),
                           guild_locale="en-US", context=0,
                           authorizing_integration_owners={"0": self.guild_id})
        if message is not None:
            payload["message"] = message
        return payload

    # -- REST payloads -----------------------------------------------------------------

    def application(self) -> Json:
        owner = next(iter(self.members.values()))
        return {
            "id": self.application_id,
            "name": "draftcoach",
            "icon": None,
            "description": "Coaches drafts before they post.",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner.user,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
        }
