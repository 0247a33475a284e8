"""The emulator refuses what Discord refuses, so the smoke tests can trust a 200."""

from __future__ import annotations

from tests.emulator.limits import command_problems, message_problems


def test_a_message_within_every_limit_passes() -> None:
    embed = {"title": "t" * 256, "description": "d" * 4096,
             "fields": [{"name": "n", "value": "v" * 1024}]}
    assert message_problems({"content": "c" * 2000, "embeds": [embed]}) == []


def test_content_over_2000_characters_is_refused() -> None:
    assert message_problems({"content": "c" * 2001}) == ["content: 2001 characters, limit 2000"]


def test_embeds_over_6000_characters_in_all_are_refused() -> None:
    embeds = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    assert message_problems({"embeds": embeds}) == ["embeds: 6001 characters in all, limit 6000"]


def test_an_empty_field_and_an_empty_message_are_refused() -> None:
    assert message_problems({"content": ""}) == ["Cannot send an empty message"]
    problems = message_problems({"embeds": [{"fields": [{"name": "n", "value": " "}]}]})
    assert problems == ["embeds[0].fields[0].value: required"]


def test_slash_command_names_must_be_lower_case_and_described() -> None:
    assert command_problems({"name": "Critique", "description": "x", "type": 1})
    assert command_problems({"name": "critique", "description": "", "type": 1})
    assert command_problems({"name": "critique", "description": "Check a draft", "type": 1,
                             "options": [{"name": "Draft", "description": "x", "type": 3}]})
    assert not command_problems({"name": "Critique draft", "type": 3})  # context menus may
