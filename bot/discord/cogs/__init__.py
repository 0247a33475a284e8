"""One cog per feature: drafts channels, /critique and the context menu, /coach."""
