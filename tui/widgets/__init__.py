"""Widgets of the play and creation screens."""
