"""`python -m storyai.cli` runs the same command as `storyai`."""

from storyai.cli.main import run

run()
