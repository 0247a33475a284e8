"""The Discord side of draftcoach: the bot, its cogs, buttons, rendering and state."""
