"""Entry point for ``draftcoach run``: the Discord bot lives in :mod:`bot.discord`."""

from __future__ import annotations

from bot.discord.app import DraftcoachBot, create_bot, run

__all__ = ["DraftcoachBot", "create_bot", "run"]
