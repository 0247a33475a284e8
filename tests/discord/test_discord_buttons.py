"""The buttons under every critique: Another version, Why?, Dismiss, Post it."""

from __future__ import annotations

from reviewing import not_helpful
from simworld import (
    ErrorLog,
    World,
    button_labels,
    button_labels_ids,
    critique_reply,
)

from bot.discord.store import Store
from bot.settings import DiscordSettings

BAIT = "Follow for follow!!! BUY NOW before it's gone"


async def test_another_version_offline_says_there_is_none_and_costs_nothing(
    world: World,
) -> None:
    await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)
    edits_before = len([r for r in world.env.http_requests if r.method == "PATCH"])

    # More clicks than a member's critiques per minute: none of them is spent.
    for _ in range(DiscordSettings().cooldown_rate + 2):
        result = await world.bob.click(reply, label="Another version")
        assert result.ephemeral
        assert "no other offline version" in result.response.content

    assert len([r for r in world.env.http_requests if r.method == "PATCH"]) == edits_before
    thread = world.drafts.threads[0]
    assert len([m for m in thread.history() if m.author.bot]) == 1


async def test_why_explains_the_principles_privately(world: World) -> None:
    await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)

    result = await world.bob.click(reply, label="Why?")

    assert result.ephemeral
    why = result.response.embeds[0]
    assert "No follow-for-follow" in why.description
    assert "No hard sell" in why.description
    assert "Listen first" not in why.description  # only the principles this draft broke


async def test_only_the_author_can_dismiss(world: World) -> None:
    await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)

    refused = await world.bob.click(reply, label="Dismiss")
    assert refused.ephemeral
    assert "Only the draft's author" in refused.response.content
    assert world.drafts.threads[0].last_message.id == reply.id

    await world.alice.click(reply, label="Dismiss")
    assert not [m for m in world.drafts.threads[0].history() if m.author.bot and m.embeds]


async def test_post_it_shares_a_private_critique(world: World) -> None:
    draft = await world.bob.send(world.general, BAIT)

    private = await world.alice.context_menu(world.general, "Critique draft", draft)
    assert private.ephemeral
    assert button_labels(private.response.message) == [
        "Another version", "Why?", "Post it", "Not helpful"]

    await world.alice.click(private.response.message, label="Post it")

    posted = world.general.last_message
    assert posted.author.bot and posted.embeds
    assert "shared by alice" in posted.embeds[0].footer.text
    assert button_labels(posted) == ["Another version", "Why?", "Dismiss", "Not helpful"]

    # Teammates who see the shared copy can answer its findings like any critique's.
    voted = await not_helpful(world.bob, posted, "follow-for-follow")
    assert "noted that `follow-for-follow` was not helpful" in voted.response.content


async def test_post_it_waits_for_the_rewrite_to_finish(world: World, store: Store) -> None:
    draft = await world.bob.send(world.general, BAIT)
    private = await world.alice.context_menu(world.general, "Critique draft", draft)
    draft_id = int(button_labels_ids(private.response.message)["Post it"].split(":")[-1])
    world.env.bot.coaching.writing.add(draft_id)  # as if the model were still writing

    early = await world.alice.click(private.response.message, label="Post it")

    assert early.ephemeral and "still being written" in early.response.content
    assert world.general.last_message.id == draft.id


async def test_a_failing_button_says_so_and_logs_the_error(
    world: World, store: Store, logged_errors: ErrorLog
) -> None:
    await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)
    await store.close()  # the database goes away under the bot

    result = await world.bob.click(reply, label="Why?")

    assert result.ephemeral and "Something went wrong on my side" in result.response.content
    assert [r.getMessage() for r in logged_errors.records] == [
        "the 'Why?' button failed for draft 1"
    ]
    logged_errors.records.clear()  # the error this test provoked


async def test_a_failing_form_says_so_and_logs_the_error(
    world: World, store: Store, logged_errors: ErrorLog
) -> None:
    await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)
    shown = await world.bob.click(reply, label="Request changes")
    assert shown.modal is not None
    await store.close()  # the database goes away while the box is open

    result = await world.bob.submit_modal(shown, {"reason": "Say what it does for them."})

    assert result.ephemeral and "Something went wrong on my side" in result.response.content
    assert [r.getMessage() for r in logged_errors.records] == [
        "the form dc:changes-form:1:1 failed"
    ]
    logged_errors.records.clear()  # the error this test provoked
