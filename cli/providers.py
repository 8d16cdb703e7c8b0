"""`storyai providers`: which language models are configured, and whether they answer."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from storyai.cli.render import console

if TYPE_CHECKING:
    from storyai.core.config import Settings

app = typer.Typer(
    help="Language-model providers: list what is configured, check that each answers.",
    no_args_is_help=True,
)

WHERE = """\
Providers come from the environment (ANTHROPIC_API_KEY, OPENAI_API_KEY,
STORYAI_LOCAL_BASE_URL / OLLAMA_HOST) and from the config file
($STORYAI_CONFIG, else config.toml in your user config folder), e.g.:

  narration = ["anthropic", "local"]   # failover order

  [providers.local]
  kind = "openai-compatible"
  base_url = "http://127.0.0.1:11434/v1"
  model = "llama3.2"
"""


def _settings() -> Settings:
    from storyai.core.config import load_settings

    return load_settings()


@app.command("list")
def list_providers() -> None:
    """Every configured provider: kind, model, address, where its key comes from
    (never the key), and its place in the failover order of each task."""
    from storyai.core.narrators.configured import HOW_TO_ADD
    from storyai.core.providers.listing import describe

    settings = _settings()
    infos = describe(settings)
    if not infos:
        console.print(escape(HOW_TO_ADD))
        console.print(escape(WHERE))
        return
    for info in infos:
        console.print(f"[bold]{escape(info.name)}[/]  {info.kind}  model {escape(info.model)}")
        console.print(f"  address   {escape(info.base_url or '-')}", soft_wrap=True)
        console.print(f"  key       {escape(info.key)}")
        console.print(f"  used for  {', '.join(info.tasks) or 'nothing (not in any order)'}")
    if settings.config_file:
        console.print(f"[dim]config file: {escape(str(settings.config_file))}[/]")


@app.command("check")
def check(
    name: str = typer.Argument(None, help="Check only this provider.", show_default=False),
) -> None:
    """Send each provider a tiny request and show whether it answers, and how fast.

    Exits with 1 when a checked provider does not answer.
    """
    from storyai.core.domain.errors import SettingsError, StoryError
    from storyai.core.narrators.configured import HOW_TO_ADD
    from storyai.core.providers.probe import probe
    from storyai.core.providers.registry import build_port

    settings = _settings()
    names = [name] if name else list(settings.providers)
    if name and name not in settings.providers:
        known = ", ".join(sorted(settings.providers)) or "none"
        raise SettingsError(f"No provider called '{name}' is configured (configured: {known}).")
    if not names:
        console.print(escape(HOW_TO_ADD))
        return

    async def run_all() -> list[tuple[str, str, bool, str]]:
        rows = []
        for n in names:
            cfg = settings.providers[n]
            try:
                port = build_port(n, cfg)
            except StoryError as exc:
                rows.append((n, cfg.model, False, exc.message))
                continue
            try:
                result = await probe(port)
            finally:
                await port.aclose()
            detail = f"{result.latency_ms:.0f} ms" if result.ok else result.detail
            rows.append((n, cfg.model, result.ok, detail))
        return rows

    rows = asyncio.run(run_all())
    table = Table("provider", "model", "answers", "detail", box=None)
    for n, model, ok, detail in rows:
        table.add_row(
            escape(n), escape(model), "[green]yes[/]" if ok else "[red]no[/]", escape(detail)
        )
    console.print(table)
    if not all(ok for _, _, ok, _ in rows):
        raise typer.Exit(1)
