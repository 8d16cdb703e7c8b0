"""Import boundaries from ARCHITECTURE.md, checked on the source, not by convention."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import storyai.core

CORE = Path(storyai.core.__file__).parent
INTERFACES = ("storyai.tui", "storyai.cli", "storyai.bots", "textual", "typer", "discord")
INFRASTRUCTURE = (
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "asyncpg",
    "openai",
    "anthropic",
    "httpx",
    "httpx2",
    "pydantic_settings",
    "textual",
    "typer",
    "discord",
    "rich",
    "storyai.core.storage",
    "storyai.core.narrators",
)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def _violations(root: Path, banned: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        for line, module in _imports(path):
            if module.startswith("."):
                bad.append(f"{path}:{line}: relative import {module} (use storyai.core...)")
            elif any(module == b or module.startswith(b + ".") for b in banned):
                bad.append(f"{path}:{line}: imports {module}")
    return bad


def test_core_imports_no_interface() -> None:
    assert _violations(CORE, INTERFACES) == []


def test_domain_imports_no_infrastructure() -> None:
    assert _violations(CORE / "domain", INFRASTRUCTURE) == []


SDKS = ("openai", "anthropic", "httpx", "httpx2", "sqlalchemy", "pydantic_settings")


@pytest.mark.parametrize("part", ["llm", "memory", "engine", "rules"])
def test_game_master_logic_imports_no_sdk(part: str) -> None:
    """The router, memory and validator work on ports; SDKs stay in core/providers."""
    assert _violations(CORE / part, (*SDKS, "storyai.core.providers")) == []


def test_narrators_use_providers_only_through_configuration() -> None:
    bad = [
        v
        for v in _violations(CORE / "narrators", (*SDKS, "storyai.core.providers"))
        if "configured.py" not in v
    ]
    assert bad == []


def test_domain_is_non_empty() -> None:
    assert len(list((CORE / "domain").glob("*.py"))) > 2


@pytest.mark.parametrize("generic", ["core", "cli", "tui", "bots", "content"])
def test_installed_package_claims_no_generic_name(generic: str, tmp_path: Path) -> None:
    """Installed, the folders import as storyai.core etc.; `import core` finds nothing."""
    code = (
        "import importlib.util, sys\n"
        f"assert importlib.util.find_spec('storyai.{generic}') is not None\n"
        f"print(importlib.util.find_spec('{generic}'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "None"


RULE_NAMES = {"d20", "percentile"}
RULE_INTERNALS = (
    "storyai.core.rules.d20",
    "storyai.core.rules.percentile",
    "storyai.core.domain.stats",
)


def _rule_branches(path: Path) -> list[str]:
    """Comparisons with a rule system's name or a ``.system`` attribute, and imports
    of one system's internals: the interface deciding what the rules are."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            named = any(
                (isinstance(o, ast.Constant) and o.value in RULE_NAMES)
                or (isinstance(o, ast.Attribute) and o.attr == "system")
                for o in operands
            )
            if named:
                found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom) and node.module in RULE_INTERNALS:
            found.append(f"{path}:{node.lineno}: imports {node.module}")
        elif isinstance(node, ast.Name) and node.id in ("D20Options", "PercentileOptions"):
            found.append(f"{path}:{node.lineno}: uses {node.id}")
    return found


@pytest.mark.parametrize("interface", ["tui", "cli", "bots"])
def test_interfaces_never_branch_on_the_rule_system(interface: str) -> None:
    """Interfaces draw the read models in core/views; the rule system labels itself."""
    root = CORE.parent / interface
    assert [b for path in sorted(root.rglob("*.py")) for b in _rule_branches(path)] == []


PLAY_PARTS = (
    "acting",
    "branches",
    "caches",
    "growth",
    "loading",
    "pipeline",
    "queries",
    "quota",
    "seating",
    "starting",
    "table",
    "telling",
    "tending",
)
PLAY_INTERNALS = (
    *(f"storyai.core.play.{part}" for part in PLAY_PARTS),
    "storyai.core.engine.turn",
    "storyai.core.memory.gather",
)
STORY_REPOSITORIES = {"sessions", "events", "branches", "snapshots", "recall"}


def _story_storage_calls(path: Path) -> list[str]:
    """Calls of a unit of work's story repositories (``uow.sessions.open(...)``): a
    use case done by hand instead of through the play service."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path}:{node.lineno}: {ast.unparse(node.func)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr in STORY_REPOSITORIES
    ]


@pytest.mark.parametrize("interface", ["tui", "cli", "bots"])
def test_interfaces_play_stories_only_through_the_play_service(interface: str) -> None:
    """Starting, playing, rewinding and reading stories is ``Play``'s: an interface
    neither runs the turn pipeline's parts nor reads a story's records itself."""
    root = CORE.parent / interface
    assert _violations(root, PLAY_INTERNALS) == []
    assert [c for path in sorted(root.rglob("*.py")) for c in _story_storage_calls(path)] == []
