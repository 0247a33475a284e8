"""Nobody where they don't belong: other servers, hidden channels, who may review."""

from __future__ import annotations

from typing import Any

import discord
import simcord
from reviewing import BAIT, GOOD, add_member, as_seen, card, custom_id, review_field
from simcord import interactions
from simcord.enums import ComponentType, InteractionType
from simcord.results import InteractionResult
from simworld import World

LONG_AGO = "2020-01-01T00:00:00+00:00"


async def forged(env: simcord.Env, actor: simcord.MemberActor, channel: simcord.ChannelHandle,
                 kind: InteractionType, data: dict[str, Any],
                 on: discord.Message | None = None) -> InteractionResult:
    """An interaction crafted by hand, from ``channel``, naming a draft elsewhere
    (a button press carries the message it is on: ``on``, moved to ``channel``)."""
    record, payload = interactions.base_payload(
        env.backend, type=kind, channel_id=channel.id, guild_id=actor.guild.id,
        user_id=actor.id, data=data)
    if on is not None:
        payload["message"] = {**as_seen(env, on), "channel_id": str(channel.id)}
    env.backend.emit("INTERACTION_CREATE", payload)
    await env.settle()
    return InteractionResult(env, record)


async def test_a_form_or_button_from_another_server_cannot_touch_a_draft(world: World) -> None:
    draft = await world.alice.send(world.drafts, GOOD)
    approve_id = custom_id(card(world, draft), "Approve")
    draft_id, revision = approve_id.split(":")[2:]
    rival = world.env.create_guild(name="Rival")
    lobby = rival.create_text_channel("lobby")
    mallory = rival.add_member(world.env.create_user("mallory"))

    form = await forged(world.env, mallory, lobby, InteractionType.MODAL_SUBMIT, {
        "custom_id": f"dc:changes-form:{draft_id}:{revision}",
        "components": [{"type": 1, "components": [
            {"type": 4, "custom_id": "reason", "value": "Delete this, it's awful."}]}]})
    pressed = await forged(world.env, mallory, lobby, InteractionType.MESSAGE_COMPONENT, {
        "custom_id": approve_id, "component_type": ComponentType.BUTTON}, card(world, draft))
    again = await forged(world.env, mallory, lobby, InteractionType.MESSAGE_COMPONENT, {
        "custom_id": f"dc:again:{draft_id}", "component_type": ComponentType.BUTTON},
        card(world, draft))

    for result in (form, pressed, again):
        assert result.ephemeral and "no longer available" in result.response.content
    field = review_field(card(world, draft))
    assert "**in review**" in field and "mallory" not in field and "awful" not in field


async def test_the_queue_lists_only_drafts_from_channels_the_member_can_read(
        world: World) -> None:
    editors = world.guild.create_role("Editors",
                                      permissions=discord.Permissions(manage_guild=True))
    carol = world.guild.add_member(world.env.create_user("carol"), roles=[editors])
    secret = world.guild.create_text_channel("secret-launches", overwrites={
        world.guild.default_role: discord.PermissionOverwrite(read_messages=False),
        editors: discord.PermissionOverwrite(read_messages=True),
        world.env.bot.user: discord.PermissionOverwrite(read_messages=True),  # type: ignore[dict-item]
    })
    added = await carol.slash(secret, "coach-admin channels add")
    assert "now a drafts channel" in added.response.content
    await carol.send(secret, BAIT)
    await carol.send(world.drafts, BAIT + " (public)")

    seen_by_carol = await carol.slash(world.drafts, "coach queue")
    seen_by_bob = await world.bob.slash(world.drafts, "coach queue")

    assert f"/{secret.id}/" in seen_by_carol.response.embeds[0].description
    assert "(2)" in seen_by_carol.response.embeds[0].title
    assert f"/{secret.id}/" not in seen_by_bob.response.embeds[0].description
    assert "(1)" in seen_by_bob.response.embeds[0].title


async def test_a_server_can_ask_reviewers_for_a_role(world: World) -> None:
    editors = world.guild.create_role("Editors")
    carol = world.guild.add_member(world.env.create_user("carol"), roles=[editors])
    set_up = await world.admin.slash(world.drafts, "coach-admin review reviewers", role=editors)
    assert "members with the" in set_up.response.content
    draft = await world.alice.send(world.drafts, GOOD)

    refused = await world.bob.click(card(world, draft), label="Approve")
    assert refused.ephemeral and "**Editors** role" in refused.response.content
    asked = await world.bob.click(card(world, draft), label="Request changes")
    assert asked.modal is None and "**Editors** role" in asked.response.content
    await carol.click(card(world, draft), label="Approve")
    field = review_field(card(world, draft))
    assert "**approved**" in field and "carol" in field and "bob" not in field


async def test_a_server_can_ask_reviewers_for_days_of_membership(world: World) -> None:
    await world.admin.slash(world.drafts, "coach-admin review reviewers", days=7)
    world.env.backend.get_member(world.guild.id, world.bob.id).joined_at = LONG_AGO
    newcomer = add_member(world, "newcomer")
    draft = await world.alice.send(world.drafts, GOOD)

    refused = await newcomer.click(card(world, draft), label="Approve")
    assert refused.ephemeral and "at least 7 days" in refused.response.content
    await world.bob.click(card(world, draft), label="Approve")
    assert "**approved**" in review_field(card(world, draft))


async def hidden_draft(world: World, text: str
                       ) -> tuple[simcord.MemberActor, discord.Message]:
    """An outsider, and alice's critiqued draft in a drafts channel the outsider can't read."""
    outsider = add_member(world, "outsider")
    hidden = world.guild.create_text_channel("hidden-drafts", overwrites={
        outsider: discord.PermissionOverwrite(read_messages=False)})
    await world.admin.slash(hidden, "coach-admin channels add")
    draft = await world.alice.send(hidden, text)
    thread = next(t for t in hidden.threads if t.id == draft.id)
    return outsider, next(m for m in thread.history() if m.author.bot and m.embeds)


async def test_by_default_a_member_who_cannot_read_the_channel_cannot_review(
        world: World) -> None:
    outsider, answer = await hidden_draft(world, GOOD)

    # The button pressed from a channel the outsider can read.
    pressed = await forged(world.env, outsider, world.general,
                           InteractionType.MESSAGE_COMPONENT,
                           {"custom_id": custom_id(answer, "Approve"),
                            "component_type": ComponentType.BUTTON}, answer)
    assert pressed.ephemeral and "can't read the channel" in pressed.response.content


async def test_only_the_author_and_reviewers_get_another_version(world: World) -> None:
    outsider, answer = await hidden_draft(world, BAIT)
    again_id = custom_id(answer, "Another version")

    refused = await forged(world.env, outsider, world.general,
                           InteractionType.MESSAGE_COMPONENT,
                           {"custom_id": again_id, "component_type": ComponentType.BUTTON},
                           answer)
    assert refused.ephemeral and "author and its reviewers" in refused.response.content
    # Without a model there is no other version: those allowed to ask are told so.
    by_reviewer = await world.bob.click(answer, label="Another version")
    assert "no other offline version" in by_reviewer.response.content
    by_author = await world.alice.click(answer, label="Another version")
    assert "no other offline version" in by_author.response.content

    # A /critique answer in the open has no reviewers: only who asked for it.
    asked = await world.alice.slash(world.general, "critique", draft=BAIT)
    refused = await world.bob.click(asked.response, label="Another version")
    assert refused.ephemeral and "author and its reviewers" in refused.response.content
