"""Settings: the packaged defaults, a user's config directory, then the environment.

One :class:`Settings` object is built at start-up (``load_settings``) and passed down;
nothing reads the environment after that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, Strict, TypeAdapter, ValidationError

from bot.config_files import PLAIN_NAME, quote, read_yaml, schema_error
from bot.errors import ConfigError

SETTINGS_FILE = "draftcoach.yaml"


def packaged_dir(name: str) -> Path:
    """Where the default ``config/`` or ``prompts/`` lives.

    In a wheel they ship inside the package as ``bot/_data/<name>``; in a source
    checkout (or an editable install) they are the repository's top-level folders.
    """
    bundled = Path(str(resources.files("bot"))) / "_data" / name
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parent.parent / name


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """The default config directory, optionally overlaid by a user's own.

    A file in the user's directory replaces the packaged file with the same relative
    path; files only the user has are added.
    """

    default: Path
    user: Path | None = None

    def find(self, relative: str) -> Path:
        if self.user is not None and (self.user / relative).is_file():
            return self.user / relative
        return self.default / relative

    def glob(self, pattern: str) -> list[Path]:
        found: dict[str, Path] = {p.relative_to(self.default).as_posix(): p
                                  for p in self.default.glob(pattern)}
        if self.user is not None:
            found.update({p.relative_to(self.user).as_posix(): p
                          for p in self.user.glob(pattern)})
        return [found[key] for key in sorted(found)]


# What a setting may hold: load_settings validates the config files against these
# (types, ranges, sizes); code that builds settings itself is trusted.
_SCHEMA = ConfigDict(extra="forbid", allow_inf_nan=False)
#: A number as written: 20 stays an int, and true or "20" are refused.
Number = Annotated[int, Strict()] | Annotated[float, Strict()]
Seconds = Annotated[Number, Field(gt=0, le=86_400)]
SecondsOrZero = Annotated[Number, Field(ge=0, le=86_400)]
Count = Annotated[int, Strict(), Field(ge=0, le=10_000_000)]
PositiveCount = Annotated[Count, Field(ge=1)]
Switch = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), Field(min_length=1, max_length=2000)]
#: Part of the prompt files' names (prompts/rewrite.<version>.system.md): no paths.
PromptVersion = Annotated[Text, Field(max_length=40, pattern=PLAIN_NAME)]


@dataclass(frozen=True, slots=True)
class LLMSettings:
    __pydantic_config__ = _SCHEMA

    base_url: Text | None = None
    model: Text = "gpt-4o-mini"
    api_key: Text | None = None
    #: Seconds until the model's answer starts arriving (retries included), and the
    #: longest silence in the middle of it. None: 10 for a remote server, 45 for one on
    #: this machine, whose first read of a prompt can take half a minute on a small CPU.
    first_byte_timeout: Seconds | None = None
    #: Seconds for the whole LLM step, a repair included, before the offline rewrite
    #: serves. None: 30 for a remote server, 120 for one on this machine.
    deadline: Seconds | None = None
    max_concurrency: Annotated[PositiveCount, Field(le=1000)] = 8
    cache_size: Count = 512
    #: Consecutive failures after which the model is left alone for ``cooldown`` seconds.
    #: Server errors, lost connections and time-outs count; rate limits never do.
    breaker_threshold: PositiveCount = 3
    breaker_cooldown: SecondsOrZero = 60.0
    temperature: Annotated[Number, Field(ge=0, le=2)] = 0.4
    prompt_version: PromptVersion = "v1"
    #: Cap on the model's answer; None leaves it to the server.
    max_tokens: PositiveCount | None = 1024
    #: Requests per answer at most (the first and the SDK's retries), within ``deadline``.
    max_attempts: Annotated[PositiveCount, Field(le=100)] = 4

    @property
    def enabled(self) -> bool:
        return bool(self.api_key or self.base_url)

    @property
    def is_local(self) -> bool:
        host = urlsplit(self.base_url or "").hostname or ""
        return host in ("localhost", "::1") or host.startswith("127.")

    @property
    def first_byte_limit(self) -> float:
        if self.first_byte_timeout is not None:
            return self.first_byte_timeout
        return 45.0 if self.is_local else 10.0

    @property
    def answer_limit(self) -> float:
        if self.deadline is not None:
            return self.deadline
        return 120.0 if self.is_local else 30.0


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    __pydantic_config__ = _SCHEMA

    token: Text | None = None
    database: Annotated[Text, Field(max_length=4096)] = "draftcoach.sqlite3"
    #: Drafts one member may have critiqued per ``cooldown_seconds`` (0 turns it off).
    cooldown_rate: Count = 5
    cooldown_seconds: Seconds = 60.0
    #: Days draft text is kept in the database.
    retention_days: Annotated[Number, Field(gt=0, le=36_500)] = 30
    #: Model tokens one member's direct messages may use per UTC day (DMs belong to no
    #: server's budget); past it, and with 0, they get the offline rewrite.
    dm_token_budget: Count = 10_000
    #: Seconds between two edits of a reply while the rewrite streams in.
    edit_interval: Annotated[Number, Field(ge=0, le=3600)] = 1.2
    #: Ask for the privileged Message Content intent (needed for drafts channels only).
    message_content: Switch = True
    #: Register the slash commands with Discord at start-up.
    sync_commands: Switch = True


@dataclass(frozen=True, slots=True)
class Settings:
    config: ConfigSource
    prompts_dir: Path
    default_platform: str = "generic"
    #: Free text passed to the model about the team's voice ("warm, plain, no emoji").
    tone: str = ""
    #: Longer drafts get one clear line instead of a critique (and never reach the model).
    max_draft_chars: int = 20000
    llm: LLMSettings = field(default_factory=LLMSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)


@dataclass(frozen=True, slots=True)
class _SettingsFile:
    """What ``draftcoach.yaml`` may hold, the environment's values merged in."""

    __pydantic_config__ = _SCHEMA

    default_platform: Annotated[Text, Field(max_length=100)] = "generic"
    tone: Annotated[str, Strict(), Field(max_length=2000)] = ""
    prompts_dir: Annotated[Text, Field(max_length=4096)] | None = None
    max_draft_chars: PositiveCount = 20000
    llm: LLMSettings = field(default_factory=LLMSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)


_SETTINGS_FILE = TypeAdapter(_SettingsFile)

#: Keys draftcoach.yaml once had: key -> what to write instead.
_RETIRED_KEYS = {
    ("llm", "max_draft_chars"): "the top-level max_draft_chars caps drafts, for the model too",
}


def _check_retired_keys(data: Mapping[str, Any], path: Path) -> None:
    """A key that is no longer a setting is one line saying what replaced it."""
    for where, instead in _RETIRED_KEYS.items():
        section: Any = data
        for part in where:
            if not isinstance(section, Mapping) or part not in section:
                break
            section = section[part]
        else:
            raise ConfigError(f"{path}: {'.'.join(where)} is no longer a setting: {instead}")


def _read_settings(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _env_float(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {quote(raw)}") from None


#: Environment variables that override a setting: name -> (section, key).
_ENV_SETTINGS = {
    "DRAFTCOACH_PLATFORM": ("default_platform",),
    "DRAFTCOACH_LLM_BASE_URL": ("llm", "base_url"),
    "DRAFTCOACH_LLM_MODEL": ("llm", "model"),
    "OPENAI_API_KEY": ("llm", "api_key"),
    "DRAFTCOACH_LLM_TIMEOUT": ("llm", "first_byte_timeout"),
    "DISCORD_TOKEN": ("discord", "token"),
    "DRAFTCOACH_DATABASE": ("discord", "database"),
}


def _with_environment(
    data: dict[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """``data`` with the environment's overrides, and which variable set which key."""
    merged = {key: value for key, value in data.items() if value is not None}
    origins: dict[tuple[str, ...], str] = {}
    for name, where in _ENV_SETTINGS.items():
        value: Any = _env_float(env, name) if name == "DRAFTCOACH_LLM_TIMEOUT" else env.get(name)
        if value is None or value == "":
            continue
        if len(where) == 1:
            merged[where[0]] = value
        else:
            section = merged.setdefault(where[0], {})
            if not isinstance(section, dict):
                continue  # the file's own value is wrong; validation says so
            merged[where[0]] = {**section, where[1]: value}
        origins[where] = name
    return merged, origins


def load_settings(
    config_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build the one settings object from defaults, a config directory and the environment."""
    env = os.environ if env is None else env
    user_dir_raw = config_dir or env.get("DRAFTCOACH_CONFIG_DIR") or None
    user_dir = Path(user_dir_raw).expanduser() if user_dir_raw else None
    if user_dir is not None and not user_dir.is_dir():
        raise ConfigError(f"config directory {user_dir} does not exist")
    source = ConfigSource(packaged_dir("config"), user_dir)

    default_file = source.default / SETTINGS_FILE
    data = _read_settings(default_file) if default_file.is_file() else {}
    settings_path = source.find(SETTINGS_FILE)
    if settings_path != default_file:
        data = _merge(data, _read_settings(settings_path))
    _check_retired_keys(data, settings_path)
    data, origins = _with_environment(data, env)
    try:
        valid = _SETTINGS_FILE.validate_python(data)
    except ValidationError as exc:
        raise schema_error(exc, settings_path, origins=origins) from None

    prompts_dir = packaged_dir("prompts")
    if valid.prompts_dir is not None:
        prompts_dir = (settings_path.parent / valid.prompts_dir).resolve()
    elif user_dir is not None and (user_dir / "prompts").is_dir():
        prompts_dir = user_dir / "prompts"
    return Settings(
        config=source,
        prompts_dir=prompts_dir,
        default_platform=valid.default_platform,
        tone=valid.tone,
        max_draft_chars=valid.max_draft_chars,
        llm=valid.llm,
        discord=valid.discord,
    )
