"""The Discord bot: slash commands and buttons in channels and threads, over the
story core's multiplayer table (``storyai.core.multiplayer``)."""
