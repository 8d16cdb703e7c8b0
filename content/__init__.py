"""Bundled worlds, shipped as package data."""
