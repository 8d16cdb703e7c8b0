"""The `--provider` / `--model` options, and showing the narrator's warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.errors import err_console

if TYPE_CHECKING:
    from storyai.core.narrators.configured import Configured

PROVIDER_HELP = (
    "The language-model provider to narrate with (see `storyai providers list`); "
    "'offline' for the built-in game master."
)
MODEL_HELP = "Use this model of the provider instead of its configured one."


def provider_option(default: str | None = None) -> str | None:
    return typer.Option(default, "--provider", "-p", help=PROVIDER_HELP, show_default=False)


def model_option() -> str | None:
    return typer.Option(None, "--model", "-m", help=MODEL_HELP, show_default=False)


def show_warnings(configured: Configured) -> None:
    """Tell the user on stderr what the narrator could not use (a provider without a key, ...)."""
    for warning in configured.warnings:
        err_console.print(f"[yellow]{escape(warning)}[/]")
