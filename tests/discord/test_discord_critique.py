"""/critique with text and with the modal, and the "Critique draft" context menu."""

from __future__ import annotations

from simworld import World, assert_within_limits, button_labels

BAIT = "Follow for follow!!! BUY NOW before it's gone"


async def test_critique_with_text_answers_in_the_channel(world: World) -> None:
    result = await world.alice.slash(world.general, "critique", draft=BAIT)

    assert result.acknowledged and not result.ephemeral
    message = result.response.message
    embed = message.embeds[0]
    assert embed.title.startswith("🛑 Needs work")
    assert "Follow for follow" in embed.description  # the offending words, quoted
    assert embed.fields[0].name.startswith("Rewrite ·")
    assert button_labels(message) == ["Another version", "Why?", "Dismiss", "Not helpful"]


async def test_private_critique_is_ephemeral_and_can_be_posted(world: World) -> None:
    result = await world.alice.slash(world.general, "critique", draft=BAIT, private=True)

    assert result.ephemeral
    assert button_labels(result.response.message) == [
        "Another version", "Why?", "Post it", "Not helpful"]


async def test_platform_choice_checks_that_platforms_limit(world: World) -> None:
    long_post = "Here is what we learned shipping our first accessible checkout. " * 6
    result = await world.alice.slash(world.general, "critique", draft=long_post, platform="x")

    embed = result.response.embeds[0]
    assert embed.footer.text.startswith("X · ")
    assert "/280 characters" in embed.footer.text
    assert "platform-fit" in embed.description


async def test_critique_without_text_opens_a_modal_for_long_drafts(world: World) -> None:
    shown = await world.alice.slash(world.general, "critique")

    assert shown.modal is not None
    field = shown.modal["components"][0]["components"][0]
    assert field["style"] == 2  # paragraph: line breaks allowed
    assert field["max_length"] == 4000

    draft = "Big news!!!\n\nFollow for follow, and BUY NOW.\n#a #b #c #d #e #f #g #h"
    result = await world.alice.submit_modal(shown, {"draft": draft})
    embed = result.response.embeds[0]
    assert embed.title.startswith("🛑 Needs work")
    assert "no-spray" in embed.description


async def test_a_4000_character_draft_from_the_modal_fits(world: World) -> None:
    sentence = "We are thrilled to announce our synergy platform, BUY NOW!!! #growth #win\n"
    draft = (sentence * 60)[:4000]
    shown = await world.alice.slash(world.general, "critique", platform="linkedin")
    result = await world.alice.submit_modal(shown, {"draft": draft})

    message = result.response.message
    assert_within_limits(message.embeds)
    assert "4000/3000 characters" in message.embeds[0].footer.text


async def test_an_empty_draft_gets_a_polite_answer(world: World) -> None:
    typed = await world.alice.slash(world.general, "critique", draft="   ")
    assert typed.ephemeral and "That draft is empty" in typed.response.content

    shown = await world.alice.slash(world.general, "critique")
    pasted = await world.alice.submit_modal(shown, {"draft": " \n\n "})
    assert pasted.ephemeral and "That draft is empty" in pasted.response.content


async def test_context_menu_critiques_a_teammates_message_privately(world: World) -> None:
    draft = await world.bob.send(world.general, BAIT)

    result = await world.alice.context_menu(world.general, "Critique draft", draft)

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert "Follow for follow" in embed.description
    assert "draft by bob" in embed.footer.text
    assert world.general.last_message.id == draft.id  # nothing posted for others


async def test_context_menu_on_a_message_without_text(world: World) -> None:
    image = await world.bob.send(world.general, "", attachments=[("a.png", b"\x89PNG\r\n")])

    result = await world.alice.context_menu(world.general, "Critique draft", image)

    assert result.ephemeral and "no text" in result.response.content


async def test_critique_works_in_a_direct_message(world: World) -> None:
    carol = world.env.create_user("carol")

    result = await carol.slash("critique", draft=BAIT)

    embed = result.response.embeds[0]
    assert embed.title.startswith("🛑 Needs work")
    assert embed.footer.text.startswith("Any platform · ")


async def test_another_version_of_a_private_answer_stays_private(world: World) -> None:
    draft = await world.bob.send(world.general, BAIT)
    private = await world.alice.context_menu(world.general, "Critique draft", draft)

    again = await world.alice.click(private.response.message, label="Another version")

    assert again.acknowledged
    assert private.response.message.flags.ephemeral
    assert private.response.embeds[0].fields[0].name.startswith("Rewrite ·")
    assert world.general.last_message.id == draft.id
