"""Helpers for the team review tests: finding the card and pressing buttons directly."""

from __future__ import annotations

from typing import Any

import discord
import simcord
from simcord import interactions
from simcord.backend import serializers
from simcord.enums import ComponentType, InteractionType
from simcord.results import InteractionResult
from simworld import World

from bot.discord.review import REVIEW_FIELD

BAIT = "Follow for follow!!! BUY NOW before it's gone"
#: A draft whose offline rewrite differs from it (so there is a rewrite to adopt).
HYPE = "We are thrilled to announce our revolutionary synergy platform!!! Click here."
GOOD = (
    "We wrote up the three things that cut our support queue in half last quarter, "
    "with the scripts we used. What would you add from your own team?"
)


def review_field(message: Any) -> str:
    """The team review field on a critique."""
    fields = [f.value for f in message.embeds[0].fields if f.name == REVIEW_FIELD]
    assert len(fields) == 1, [f.name for f in message.embeds[0].fields]
    return fields[0]


def thread_of(world: World, draft: discord.Message) -> simcord.ChannelHandle:
    return next(t for t in world.drafts.threads if t.id == draft.id)


def card(world: World, draft: discord.Message) -> discord.Message:
    """The critique in the draft's thread (later messages may follow it)."""
    return next(m for m in thread_of(world, draft).history() if m.author.bot and m.embeds)


def add_member(world: World, name: str) -> simcord.MemberActor:
    return world.guild.add_member(world.env.create_user(name))


def custom_id(message: Any, label: str) -> str:
    return next(child.custom_id for row in message.components for child in row.children
                if child.label == label)


def as_seen(env: simcord.Env, message: Any) -> dict[str, Any]:
    """The message as a member's client shows it now (buttons included)."""
    stored = env.backend.get_message(message.channel.id, message.id)
    return dict(serializers.message_payload(env.backend, stored))


async def press_together(
    env: simcord.Env, presses: list[tuple[simcord.MemberActor, dict[str, Any], str]]
) -> list[InteractionResult]:
    """Members press buttons on messages as their clients show them (see :func:`as_seen`).

    Every interaction arrives before any is handled: presses at the same moment, or a
    press on a message that changed since the member's client drew it.
    """
    records = []
    for actor, seen, button_id in presses:
        record, payload = interactions.base_payload(
            env.backend, type=InteractionType.MESSAGE_COMPONENT,
            channel_id=int(seen["channel_id"]), guild_id=actor.guild.id, user_id=actor.id,
            data={"custom_id": button_id, "component_type": ComponentType.BUTTON},
        )
        payload["message"] = seen
        record.source_message_id = int(seen["id"])
        records.append((record, payload))
    for _, payload in records:
        env.backend.emit("INTERACTION_CREATE", payload)
    await env.settle()
    return [InteractionResult(env, record) for record, _ in records]


async def approve(actor: simcord.MemberActor, message: Any) -> InteractionResult:
    """Press Approve, confirming when the coach still finds errors in the draft."""
    result = await actor.click(message, label="Approve")
    asked = result.response.message if result.ephemeral else None
    if asked is not None and "Approve anyway" in [
            child.label for row in asked.components for child in row.children]:
        result = await actor.click(asked, label="Approve anyway")
    return result


async def not_helpful(actor: simcord.MemberActor, message: Any, rule: str,
                      reason: str = "") -> InteractionResult:
    """Say ``rule``'s finding on a critique is not helpful (picked, then the optional why)."""
    picker = await actor.click(message, label="Not helpful")
    assert picker.ephemeral
    form = await actor.select(picker.response.message, [rule])
    assert form.modal is not None and form.modal["title"] == "Not helpful"
    return await actor.submit_modal(form, {"reason": reason} if reason else {})
