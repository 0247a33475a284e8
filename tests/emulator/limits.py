"""The message limits Discord enforces, so a bot that breaks one fails as it would live.

https://discord.com/developers/docs/resources/message#create-message and the embed limits
table: 2000 characters of content, 10 embeds, 4096 per description, 25 fields of 256/1024,
6000 characters across all embeds, 5 rows of 5 components.
"""

from __future__ import annotations

import re
from typing import Any

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
ROWS = 5
ROW_ITEMS = 5
CUSTOM_ID = 100
LABEL = 80


def _too_long(problems: list[str], where: str, text: Any, limit: int) -> int:
    length = len(text or "")
    if length > limit:
        problems.append(f"{where}: {length} characters, limit {limit}")
    return length


def _embed_problems(problems: list[str], index: int, embed: dict[str, Any]) -> int:
    where = f"embeds[{index}]"
    total = _too_long(problems, f"{where}.title", embed.get("title"), TITLE)
    total += _too_long(problems, f"{where}.description", embed.get("description"), DESCRIPTION)
    total += _too_long(problems, f"{where}.footer.text",
                       (embed.get("footer") or {}).get("text"), FOOTER)
    total += _too_long(problems, f"{where}.author.name",
                       (embed.get("author") or {}).get("name"), AUTHOR)
    fields = embed.get("fields") or []
    if len(fields) > FIELDS:
        problems.append(f"{where}.fields: {len(fields)} fields, limit {FIELDS}")
    for number, item in enumerate(fields):
        for key, limit in (("name", FIELD_NAME), ("value", FIELD_VALUE)):
            text = item.get(key)
            if not str(text or "").strip():
                problems.append(f"{where}.fields[{number}].{key}: required")
            total += _too_long(problems, f"{where}.fields[{number}].{key}", text, limit)
    return total


def _component_problems(problems: list[str], rows: list[dict[str, Any]]) -> None:
    if len(rows) > ROWS:
        problems.append(f"components: {len(rows)} rows, limit {ROWS}")
    for row_number, row in enumerate(rows):
        items = row.get("components") or []
        if len(items) > ROW_ITEMS:
            problems.append(f"components[{row_number}]: {len(items)} items, limit {ROW_ITEMS}")
        for number, item in enumerate(items):
            where = f"components[{row_number}].components[{number}]"
            _too_long(problems, f"{where}.custom_id", item.get("custom_id"), CUSTOM_ID)
            _too_long(problems, f"{where}.label", item.get("label"), LABEL)


def message_problems(body: dict[str, Any]) -> list[str]:
    """What Discord would refuse in a message body; empty when it would accept it."""
    problems: list[str] = []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if not content and not embeds and not components and not body.get("attachments"):
        return ["Cannot send an empty message"]
    _too_long(problems, "content", content, CONTENT)
    if len(embeds) > EMBEDS:
        problems.append(f"embeds: {len(embeds)} embeds, limit {EMBEDS}")
    total = sum(_embed_problems(problems, index, embed) for index, embed in enumerate(embeds))
    if total > EMBED_TOTAL:
        problems.append(f"embeds: {total} characters in all, limit {EMBED_TOTAL}")
    _component_problems(problems, components)
    return problems


COMMANDS = 100
COMMAND_NAME = r"^[-_\w]{1,32}$"
COMMAND_DESCRIPTION = 100
OPTIONS = 25
CHOICES = 25


def command_problems(command: dict[str, Any], where: str = "") -> list[str]:
    """What Discord would refuse in one application command (or, nested, option) definition."""
    problems: list[str] = []
    name = str(command.get("name") or "")
    context_menu = not where and command.get("type", 1) in (2, 3)
    where = f"{where}.{name}" if where else f"command {name!r}"
    if context_menu:
        if not 1 <= len(name) <= 32:
            problems.append(f"{where}: name must be 1-32 characters")
    else:
        if not re.match(COMMAND_NAME, name) or name != name.lower():
            problems.append(f"{where}: name must be 1-32 lower-case letters, digits, - or _")
        if not 1 <= len(str(command.get("description") or "")) <= COMMAND_DESCRIPTION:
            problems.append(f"{where}: description must be 1-{COMMAND_DESCRIPTION} characters")
    options = command.get("options") or []
    if len(options) > OPTIONS:
        problems.append(f"{where}: {len(options)} options, limit {OPTIONS}")
    if len(command.get("choices") or []) > CHOICES:
        problems.append(f"{where}: more than {CHOICES} choices")
    for option in options:
        problems += command_problems(option, where)
    return problems
