"""Choosing the narrator for a command from `--provider` / `--model` and the settings."""

from __future__ import annotations

import typer
from rich.markup import escape

from storyai.cli.errors import err_console
from storyai.core.narrators.configured import Configured, narrator_for
from storyai.core.providers.settings import load_settings

PROVIDER_HELP = (
    "The language-model provider to narrate with (see `storyai providers list`); "
    "'offline' for the built-in game master."
)
MODEL_HELP = "Use this model of the provider instead of its configured one."


def provider_option(default: str | None = None) -> str | None:
    return typer.Option(default, "--provider", "-p", help=PROVIDER_HELP, show_default=False)


def model_option() -> str | None:
    return typer.Option(None, "--model", "-m", help=MODEL_HELP, show_default=False)


def configured_narrator(provider: str | None, model: str | None, *, quiet: bool) -> Configured:
    """The narrator to use; warnings (a provider without a key, ...) go to stderr."""
    configured = narrator_for(load_settings(), provider=provider, model=model)
    if not quiet:
        for warning in configured.warnings:
            err_console.print(f"[yellow]{escape(warning)}[/]")
    return configured
