"""The Discord bot: slash commands, choice buttons and plain messages in channels and
threads, over the story core's play service (``storyai.core.play.Play``).

``client``      the discord.py client: commands registered, messages heard, stories tended
``commands/``   the slash commands, one module per group
``components``  choice buttons (dynamic items that survive restarts)
``messages``    plain messages as actions
``turns``       an action told in Discord: streamed, then choices and whose turn is next
``replies``     deferring, replying within Discord's limits, refusing privately, streaming
``output/``     escaping, splitting, rendering, embeds, buttons (no Discord calls)
"""
