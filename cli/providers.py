"""`storyai providers`: which language models are configured, and whether they answer."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from storyai.cli.render import console

if TYPE_CHECKING:
    from storyai.core.config import Settings

app = typer.Typer(
    help="""Language-model providers: list what is configured, check that each answers.

[bold]Examples[/bold]

  storyai providers list
  storyai providers check anthropic
""",
    no_args_is_help=True,
    rich_markup_mode="rich",
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


def _server_windows(settings: Settings, timeout: float) -> dict[str, tuple[int | None, str]]:
    """What each local (openai-compatible) server says its context window is."""
    from storyai.core.providers.serverinfo import read_server_info

    local = {
        name: cfg
        for name, cfg in settings.providers.items()
        if cfg.kind == "openai-compatible" and cfg.base_url and cfg.context_window is None
    }
    if not local:
        return {}

    async def ask() -> dict[str, tuple[int | None, str]]:
        out = {}
        for name, cfg in local.items():
            info = await read_server_info(cfg.base_url, cfg.model, timeout=timeout)
            out[name] = (info.context_window, info.source)
        return out

    return asyncio.run(ask())


@app.command("list")
def list_providers() -> None:
    """Every configured provider, and what each is used for.

    Its kind, model, address, where its key comes from (never the key), its place
    in the failover order of each task, the prompt profile its narration gets
    (asking a local server for its context window), and whether the next turn's
    prompt is sent ahead to it (prewarm).

    [bold]Example[/bold]

      storyai providers list
    """
    from storyai.core.narrators.configured import HOW_TO_ADD
    from storyai.core.providers.listing import describe

    settings = _settings()
    infos = describe(settings, _server_windows(settings, timeout=1.5))
    if not infos:
        console.print(escape(HOW_TO_ADD))
        console.print(escape(WHERE))
        return
    for info in infos:
        console.print(f"[bold]{escape(info.name)}[/]  {info.kind}  model {escape(info.model)}")
        console.print(f"  address   {escape(info.base_url or '-')}", soft_wrap=True)
        console.print(f"  key       {escape(info.key)}")
        console.print(f"  used for  {', '.join(info.tasks) or 'nothing (not in any order)'}")
        console.print(f"  structured {escape(info.structured)}")
        console.print(f"  prompt    {escape(info.prompt_profile)}", soft_wrap=True)
        console.print(f"  prewarm   {escape(info.prewarm)}", soft_wrap=True)
    if settings.config_file:
        console.print(f"[dim]config file: {escape(str(settings.config_file))}[/]")


@app.command("check")
def check(
    name: str = typer.Argument(None, help="Check only this provider.", show_default=False),
    quick: bool = typer.Option(
        False, "--quick", help="Only check that each answers (no structured modes, no speed)."
    ),
) -> None:
    """Send each provider a tiny request and show whether it answers, and how fast.

    Then, unless --quick: which structured modes give a valid reply (a tiny turn with
    the reply schema per mode), the context window the server reports, prompt and
    generation tokens per second, and the structured mode to configure.
    Exits with 1 when a checked provider does not answer.

    [bold]Examples[/bold]

      storyai providers check
      storyai providers check local --quick
    """
    from storyai.core.domain.errors import SettingsError, StoryError
    from storyai.core.narrators.configured import HOW_TO_ADD
    from storyai.core.providers.probe import ProbeResult

    settings = _settings()
    names = [name] if name else list(settings.providers)
    if name and name not in settings.providers:
        known = ", ".join(sorted(settings.providers)) or "none"
        raise SettingsError(f"No provider called '{name}' is configured (configured: {known}).")
    if not names:
        console.print(escape(HOW_TO_ADD))
        return

    async def run_all() -> list[tuple[str, str, Any]]:
        rows: list[tuple[str, str, Any]] = []
        for n in names:
            cfg = settings.providers[n]
            try:
                rows.append((n, cfg.model, await _check_one(n, cfg, quick)))
            except StoryError as exc:
                rows.append((n, cfg.model, ProbeResult(False, 0.0, exc.message)))
        return rows

    rows = asyncio.run(run_all())
    table = Table("provider", "model", "answers", "detail", box=None)
    answered = []
    for n, model, report in rows:
        result = getattr(report, "answer", report)
        answered.append(result.ok)
        detail = f"{result.latency_ms:.0f} ms" if result.ok else result.detail
        table.add_row(
            escape(n), escape(model), "[green]yes[/]" if result.ok else "[red]no[/]", escape(detail)
        )
    console.print(table)
    for n, _, report in rows:
        if getattr(report, "answer", None) is not None and report.answer.ok:
            _print_report(n, report)
    if not all(answered):
        raise typer.Exit(1)


async def _check_one(name: str, cfg: Any, quick: bool) -> Any:
    from storyai.core.memory.sizing import choose_profile
    from storyai.core.narrators.compact_schema import COMPACT_REPLY_SCHEMA
    from storyai.core.narrators.schema import REPLY_SCHEMA
    from storyai.core.providers import probe as probes
    from storyai.core.providers.registry import build_port
    from storyai.core.providers.serverinfo import ServerInfo, read_server_info, read_speed

    if quick:
        port = build_port(name, cfg)
        try:
            return await probes.probe(port)
        finally:
            await port.aclose()
    local = cfg.kind == "openai-compatible" and bool(cfg.base_url)
    if cfg.context_window:
        server = ServerInfo(cfg.context_window, cfg.model, "config")
    elif local:
        server = await read_server_info(cfg.base_url, cfg.model)
    else:
        server = ServerInfo()
    profile = choose_profile(cfg.prompt_profile, server.context_window)

    async def speed() -> Any:
        found = await read_speed(cfg.base_url, cfg.model, nonce=f"check {time.time_ns()}")
        return probes.Speed(*found, "server timings") if found else None

    return await probes.check(
        lambda mode: build_port(name, cfg.model_copy(update={"structured": mode})),
        probes.MODES_BY_KIND.get(cfg.kind, ("auto",)),
        schema=COMPACT_REPLY_SCHEMA if profile == "compact" else REPLY_SCHEMA,
        server=server,
        speed=speed if local else None,
        profile=profile,
    )


def _print_report(name: str, report: Any) -> None:
    console.print(f"[bold]{escape(name)}[/]")
    if report.window:
        window = f"{report.window:,} tokens (from {escape(report.window_source)})"
    else:
        window = "unknown (set context_window in the provider's settings)"
    console.print(f"  context window  {window}", soft_wrap=True)
    console.print(f"  prompt profile  {report.profile}")
    if report.speed is not None:
        bits = [
            f"{label} {value:,.0f} tokens/s"
            for label, value in (
                ("prompt", report.speed.prompt_tps),
                ("generation", report.speed.generation_tps),
            )
            if value is not None
        ]
        console.print(f"  speed           {', '.join(bits)} ({report.speed.source})")
    colour = {"valid": "green", "partial": "yellow", "failed": "red"}
    for result in report.modes:
        console.print(
            f"  {result.mode:<15} [{colour[result.verdict]}]{result.verdict}[/]: "
            f"{escape(result.detail)}",
            soft_wrap=True,
        )
    if report.recommended:
        console.print(f'  recommended     structured = "{report.recommended}"')
    elif report.modes:
        console.print("  recommended     none gave a reply the game can use")
