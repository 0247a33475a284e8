"""A Discord REST + gateway emulator on 127.0.0.1 that the real discord.py client logs into."""

from tests.emulator.payloads import World
from tests.emulator.ratelimit import RateLimits
from tests.emulator.server import DiscordEmulator, RecordedRequest, discord_pointed_at

__all__ = ["DiscordEmulator", "RateLimits", "RecordedRequest", "World", "discord_pointed_at"]
