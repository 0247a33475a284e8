"""Small readers for what the bot did in a simcord world."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import discord
import simcord

from bot.discord.render import check_embed


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class World:
    env: simcord.Env
    guild: simcord.GuildHandle
    drafts: simcord.ChannelHandle
    general: simcord.ChannelHandle
    admin: simcord.MemberActor
    alice: simcord.MemberActor
    bob: simcord.MemberActor


def bot_messages(env: simcord.Env, *, interactions: bool = True) -> list[Any]:
    """Every message the bot sent, as simcord stores them (with who they pinged)."""
    bot_id = env.bot.user.id  # type: ignore[union-attr]
    return [
        message
        for by_id in env.backend.messages.values()
        for message in by_id.values()
        if message.author_id == bot_id
        and (interactions or message.interaction_metadata is None)
    ]


def assert_within_limits(embeds: list[discord.Embed]) -> None:
    for embed in embeds:
        check_embed(embed)
    assert sum(len(e) for e in embeds) <= 6000


def button_labels(message: discord.Message) -> list[str]:
    return list(button_labels_ids(message))


def critique_reply(channel: simcord.ChannelHandle) -> discord.Message:
    """The bot's answer to the only draft in ``channel``: in its thread."""
    threads = channel.threads
    assert len(threads) == 1, f"expected one coaching thread, found {len(threads)}"
    reply = threads[0].last_message
    assert reply is not None
    return reply


def button_labels_ids(message: Any) -> dict[str, str]:
    """Button label -> custom_id."""
    return {
        child.label: child.custom_id
        for row in message.components
        for child in getattr(row, "children", [])
    }


def named_users(content: str | None) -> set[str]:
    """The user ids a message's text mentions (``<@id>``)."""
    return set(re.findall(r"<@!?(\d+)>", content or ""))


def assert_pings_only_the_named(method: str, path: str, sent: Any) -> None:
    """A request the bot made may ping only the users its text names.

    A message it sends or edits has ``allowed_mentions`` that parse nothing (no
    ``@everyone``, ``@here``, roles or users found in quoted drafts), list no roles, and
    list only users its text mentions. Requests without a message pass.
    """
    if method not in ("POST", "PATCH") or not isinstance(sent, dict):
        return
    body = sent.get("data") if "/interactions/" in path else sent
    if not isinstance(body, dict) or not ({"content", "embeds"} & body.keys()):
        return
    mentions = body.get("allowed_mentions")
    where = f"{method} {path}: {mentions}"
    assert mentions is not None and mentions.get("parse") == [], where
    assert not mentions.get("roles") and not mentions.get("replied_user"), where
    users = {str(u) for u in mentions.get("users") or []}
    assert users <= named_users(body.get("content")), where


def assert_no_one_pinged_but_the_named(env: simcord.Env) -> None:
    """No message the bot sent or edited pinged anyone but the members it names: what it
    asked for (see :func:`assert_pings_only_the_named`) and what Discord delivered (no
    role, not everyone, only those users)."""
    for request in env.http_requests:
        assert_pings_only_the_named(request.method, request.path, request.json)
    for message in bot_messages(env):
        assert not message.mention_everyone and not message.ping_role_ids, message.content
        assert {str(u) for u in message.ping_user_ids} <= named_users(message.content)
