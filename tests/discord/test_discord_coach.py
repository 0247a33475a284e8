"""/coach: settings for members with Manage Server, principles and help for everyone."""

from __future__ import annotations

from simworld import World, bot_messages, critique_reply

from bot.discord.store import Store

BAIT = "Follow for follow!!! BUY NOW before it's gone"


async def test_settings_are_hidden_from_members_and_refused_if_granted(world: World) -> None:
    shown = world.alice.available_commands(world.general)
    assert not [c for c in shown if c.startswith("coach-admin")], shown
    assert {"coach help", "coach queue", "coach stats", "coach rules list"} <= set(shown)
    assert "coach-admin channels add" in world.admin.available_commands(world.general)

    # A server may grant the command to someone without Manage Server: still refused.
    admin_command = world.env.backend.commands[None][("coach-admin", 1)]
    world.guild.set_command_permissions(int(admin_command["id"]), {world.alice: True})
    for command, options in (
        ("coach-admin channels add", {}),
        ("coach-admin channels remove", {}),
        ("coach-admin channels list", {}),
        ("coach-admin platform", {"platform": "x"}),
        ("coach-admin rules disable", {"rule": "fake-urgency"}),
        ("coach-admin llm off", {}),
        ("coach-admin llm budget", {"tokens": 10, "per": "day"}),
        ("coach-admin rules restore", {"rule": "fake-urgency"}),
        ("coach-admin review mentions", {"on": False}),
    ):
        result = await world.alice.slash(world.general, command, **options)
        assert result.ephemeral, command
        assert "Manage Server" in result.response.content, command

    # Nothing changed: the general channel is still not a drafts channel.
    await world.alice.send(world.general, BAIT)
    assert bot_messages(world.env, interactions=False) == []


async def test_team_review_commands_sit_in_coach_and_its_settings_in_coach_admin(
    world: World,
) -> None:
    shown = world.admin.available_commands(world.general)
    review = {c for c in shown if c.split()[-1] in ("queue", "stats") or "review" in c}
    assert review == {"coach queue", "coach stats", "coach review need",
                      "coach-admin review approvals", "coach-admin review mentions",
                      "coach-admin review reviewers"}


async def test_channels_add_list_and_remove(world: World) -> None:
    added = await world.admin.slash(world.general, "coach-admin channels add")
    assert "now a drafts channel" in added.response.content

    listing = await world.admin.slash(world.general, "coach-admin channels list")
    assert f"<#{world.drafts.id}>" in listing.response.content
    assert f"<#{world.general.id}>" in listing.response.content

    removed = await world.admin.slash(world.general, "coach-admin channels remove")
    assert "no longer a drafts channel" in removed.response.content
    await world.alice.send(world.general, BAIT)
    assert world.general.threads == []


async def test_the_servers_platform_applies_to_drafts(world: World) -> None:
    result = await world.admin.slash(world.general, "coach-admin platform", platform="linkedin")
    assert "LinkedIn" in result.response.content

    await world.alice.send(world.drafts, BAIT)

    assert critique_reply(world.drafts).embeds[0].footer.text.startswith("LinkedIn · ")


async def test_a_draft_keeps_its_platform_after_the_server_changes_its_own(world: World) -> None:
    await world.admin.slash(world.general, "coach-admin platform", platform="linkedin")
    draft = await world.alice.send(world.drafts, BAIT)
    await world.admin.slash(world.general, "coach-admin platform", platform="x")

    # Alice's edit is critiqued for LinkedIn, as her draft was; Bob's new draft for X.
    edited, new = BAIT + " today", BAIT + " tomorrow"
    await world.alice.edit(draft, edited)
    await world.bob.send(world.drafts, new)

    alices, bobs = world.drafts.threads
    [card] = [m for m in alices.history() if m.author.bot and m.embeds]
    assert card.embeds[0].footer.text.startswith(f"LinkedIn · {len(edited)}/3000 characters")
    assert bobs.last_message.embeds[0].footer.text.startswith(f"X · {len(new)}/280 characters")


async def test_rules_can_be_turned_off_and_reweighted(world: World) -> None:
    severity = await world.admin.slash(
        world.general, "coach-admin rules severity", rule="follow-for-follow", level="suggestion"
    )
    assert "suggestion" in severity.response.content

    before = await world.alice.slash(world.general, "critique", draft=BAIT)
    assert "Pushes with urgency" in before.response.embeds[0].description
    off = await world.admin.slash(world.general, "coach-admin rules disable", rule="fake-urgency")
    assert "off" in off.response.content

    result = await world.alice.slash(world.general, "critique", draft=BAIT)
    embed = result.response.embeds[0]
    assert "Pushes with urgency" not in embed.description  # fake-urgency's finding
    assert "💡 " in embed.description and "⛔" not in embed.description

    listing = await world.admin.slash(world.general, "coach rules list")
    assert "`fake-urgency`: off" in listing.response.content
    assert "`follow-for-follow`: severity suggestion" in listing.response.content

    await world.admin.slash(world.general, "coach-admin rules enable", rule="fake-urgency")
    again = await world.alice.slash(world.general, "critique", draft=BAIT)
    assert "Pushes with urgency" in again.response.embeds[0].description


async def test_an_unknown_rule_gets_a_clear_answer(world: World) -> None:
    result = await world.admin.slash(world.general, "coach-admin rules disable",
                                     rule="no-such-rule")
    assert result.ephemeral
    assert "There is no rule `no-such-rule`" in result.response.content


async def test_rule_names_autocomplete(world: World) -> None:
    choices = await world.admin.autocomplete(
        world.general, "coach-admin rules disable", "rule", "hash"
    )
    assert [c["value"] for c in choices] == ["hashtag-stuffing"]


async def test_principles_and_help_are_for_everyone(world: World) -> None:
    principles = await world.alice.slash(world.general, "coach principles")
    text = principles.response.embeds[0].description
    for principle_id in ("reader-value", "no-engagement-bait", "listen-first", "not-ego",
                         "no-hard-sell", "authentic", "no-spray", "platform-fit"):
        assert f"`{principle_id}`" in text

    help_ = await world.alice.slash(world.general, "coach help")
    assert "/critique" in help_.response.embeds[0].description


async def test_a_platform_removed_from_the_config_falls_back(world: World, store: Store) -> None:
    await store.set_platform(world.guild.id, "myspace")

    await world.alice.send(world.drafts, BAIT)

    assert critique_reply(world.drafts).embeds[0].footer.text.startswith("Any platform · ")
