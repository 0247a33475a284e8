"""Settings: the packaged defaults, a user's config directory, then the environment.

One :class:`Settings` object is built at start-up (``load_settings``) and passed down;
nothing reads the environment after that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

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


@dataclass(frozen=True, slots=True)
class LLMSettings:
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: str | None = None
    #: Seconds until the model's answer starts arriving (retries included), and the
    #: longest silence in the middle of it. None: 10 for a remote server, 45 for one on
    #: this machine, whose first read of a prompt can take half a minute on a small CPU.
    first_byte_timeout: float | None = None
    #: Seconds for the whole LLM step, a repair included, before the offline rewrite
    #: serves. None: 30 for a remote server, 120 for one on this machine.
    deadline: float | None = None
    max_concurrency: int = 8
    cache_size: int = 512
    #: Consecutive failures after which the model is left alone for ``cooldown`` seconds.
    #: Server errors, lost connections and time-outs count; rate limits never do.
    breaker_threshold: int = 3
    breaker_cooldown: float = 60.0
    temperature: float = 0.4
    prompt_version: str = "v1"
    #: Cap on the model's answer; None leaves it to the server.
    max_tokens: int | None = 1024
    #: Requests per answer at most (the first and the SDK's retries), within ``deadline``.
    max_attempts: int = 4
    #: Longer drafts get the offline rewrite instead of a large, slow, costly prompt.
    max_draft_chars: int = 20000

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
    token: str | None = None
    database: str = "draftcoach.sqlite3"
    #: Drafts one member may have critiqued per ``cooldown_seconds``.
    cooldown_rate: int = 5
    cooldown_seconds: float = 60.0
    #: Days draft text is kept in the database.
    retention_days: int = 30
    #: Seconds between two edits of a reply while the rewrite streams in.
    edit_interval: float = 1.2
    #: Ask for the privileged Message Content intent (needed for drafts channels only).
    message_content: bool = True
    #: Register the slash commands with Discord at start-up.
    sync_commands: bool = True

    def __post_init__(self) -> None:
        checks = (
            ("database", isinstance(self.database, str) and bool(self.database.strip()),
             "a file path"),
            ("cooldown_rate", _is_int(self.cooldown_rate) and self.cooldown_rate >= 0,
             "a whole number, 0 or more (0 turns the cooldown off)"),
            ("cooldown_seconds", _is_number(self.cooldown_seconds) and self.cooldown_seconds > 0,
             "a number of seconds above 0"),
            ("retention_days", _is_number(self.retention_days) and self.retention_days > 0,
             "a number of days above 0"),
            ("edit_interval", _is_number(self.edit_interval) and self.edit_interval >= 0,
             "a number of seconds, 0 or more"),
            ("message_content", isinstance(self.message_content, bool), "true or false"),
            ("sync_commands", isinstance(self.sync_commands, bool), "true or false"),
        )
        for key, ok, expected in checks:
            if not ok:
                raise ConfigError(
                    f"discord.{key} must be {expected}, got {getattr(self, key)!r}"
                )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Settings:
    config: ConfigSource
    prompts_dir: Path
    default_platform: str = "generic"
    #: Free text passed to the model about the team's voice ("warm, plain, no emoji").
    tone: str = ""
    llm: LLMSettings = field(default_factory=LLMSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)


def read_yaml(path: Path) -> Any:
    """A config file's YAML; a broken or unreadable file is a one-line ConfigError."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        # PyYAML's messages span several lines; the user gets one.
        raise ConfigError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def _read_settings(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _section(cls: type, data: Any, path: Path, name: str) -> Any:
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: '{name}' must be a mapping")
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(f"{path}: unknown key '{name}.{key}'")
    return cls(**data)


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
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


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

    allowed = {"default_platform", "tone", "llm", "discord", "prompts_dir"}
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{settings_path}: unknown key '{key}'")

    llm_data = dict(data.get("llm") or {})
    for env_name, key in (
        ("DRAFTCOACH_LLM_BASE_URL", "base_url"),
        ("DRAFTCOACH_LLM_MODEL", "model"),
        ("OPENAI_API_KEY", "api_key"),
    ):
        if env.get(env_name):
            llm_data[key] = env[env_name]
    timeout = _env_float(env, "DRAFTCOACH_LLM_TIMEOUT")
    if timeout is not None:
        llm_data["first_byte_timeout"] = timeout

    discord_data = dict(data.get("discord") or {})
    if env.get("DISCORD_TOKEN"):
        discord_data["token"] = env["DISCORD_TOKEN"]
    if env.get("DRAFTCOACH_DATABASE"):
        discord_data["database"] = env["DRAFTCOACH_DATABASE"]

    prompts_dir = packaged_dir("prompts")
    if data.get("prompts_dir"):
        prompts_dir = (settings_path.parent / str(data["prompts_dir"])).resolve()
    elif user_dir is not None and (user_dir / "prompts").is_dir():
        prompts_dir = user_dir / "prompts"

    try:
        return Settings(
            config=source,
            prompts_dir=prompts_dir,
            default_platform=str(
                env.get("DRAFTCOACH_PLATFORM") or data.get("default_platform") or "generic"
            ),
            tone=str(data.get("tone") or ""),
            llm=_section(LLMSettings, llm_data, settings_path, "llm"),
            discord=_section(DiscordSettings, discord_data, settings_path, "discord"),
        )
    except TypeError as exc:
        raise ConfigError(f"{settings_path}: {exc}") from None
