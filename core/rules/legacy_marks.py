"""Marks the engine leaves in a story for the legacy rules to read at its end."""

WON_AT_ONE_HP = "feat:won_at_1_hp"
"""Noted (in ``topics_heard``) when the player defeats a foe while at 1 HP."""
