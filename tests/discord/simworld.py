"""Small readers for what the bot did in a simcord world."""

from __future__ import annotations

import logging
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


def assert_every_send_disables_mentions(env: simcord.Env) -> None:
    """Every message the bot sent or edited said ``allowed_mentions: {"parse": []}``."""
    for request in env.http_requests:
        if request.method not in ("POST", "PATCH") or not isinstance(request.json, dict):
            continue
        body = request.json.get("data") if "/interactions/" in request.path else request.json
        if not isinstance(body, dict) or not ({"content", "embeds"} & body.keys()):
            continue
        mentions = body.get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [] and not mentions.get(
            "users") and not mentions.get("roles"), f"{request.method} {request.path}: {mentions}"
