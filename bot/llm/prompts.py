"""The rewrite prompts: files in ``prompts/``, versioned, filled in per draft.

``rewrite.<version>.system.md`` is the static part (principles, rules of the house,
output format) and goes first so providers can cache it; ``rewrite.<version>.user.md``
carries the draft and what the rules found; ``rewrite.<version>.repair.md`` asks for
one corrected answer. Placeholders are ``{{name}}``; a value is inserted as it is and
never expanded again, so a draft containing ``{{draft}}`` stays text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

#: The placeholders each part may use; anything else in a prompt file is a typo.
PARTS: dict[str, frozenset[str]] = {
    "system": frozenset({"principles", "principle_ids"}),
    "user": frozenset({
        "platform", "platform_name", "limit", "length", "findings", "keep", "tone", "draft",
    }),
    "repair": frozenset({"problems", "limit"}),
}


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    text: str

    def render(self, values: Mapping[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.text)


@dataclass(frozen=True, slots=True)
class PromptSet:
    version: str
    system: Template
    user: Template
    repair: Template


def load_prompts(prompts_dir: Path, version: str) -> PromptSet:
    """Read and check the prompt files of one version; errors name the file."""
    templates: dict[str, Template] = {}
    for part, allowed in PARTS.items():
        path = prompts_dir / f"rewrite.{version}.{part}.md"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read prompt ({exc.strerror or exc})") from None
        unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text)} - allowed)
        if unknown:
            raise ConfigError(
                f"{path}: unknown placeholder '{{{{{unknown[0]}}}}}' "
                f"(allowed: {', '.join(sorted(allowed))})"
            )
        templates[part] = Template(path.name, text.strip() + "\n")
    return PromptSet(version, templates["system"], templates["user"], templates["repair"])
