"""The Textual terminal app: ``storyai play``."""
