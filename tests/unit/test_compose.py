"""The deployment files: docker-compose.yml, the Dockerfile and .dockerignore, offline.

The development and CI machines have no ``docker compose``, so the compose file is
validated against the Compose Specification's JSON schema, vendored in
``tests/unit/data/compose_spec.json`` (from the PyPI package docker-compose 1.29.2,
Apache License 2.0; source and license in ``tests/unit/data/COMPOSE_SPEC_NOTICE.md``).
Nothing is fetched. Where a ``docker compose`` or ``docker-compose`` command exists, it
checks the file as well (``test_docker_compose_config_accepts_the_file``).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from storyai.core.config import load_settings, variables
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.urls import normalize_url

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SCHEMA = DATA / "compose_spec.json"
SCHEMA_SHA256 = "0dc04bd346dcfee1b1419628fff79937bbf076925f298f272a2b490e2b112bac"
PACKAGE_FOLDERS = ("core", "cli", "tui", "bots", "content")
"""What setup.py installs as storyai.*: the image needs every file in them."""


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def schema_errors(document: Any) -> list[str]:
    """What the schema finds wrong, validated as docker-compose 1.29.2 does it (draft 4,
    the draft its ``id`` keywords are written in)."""
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))  # JSON is YAML
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    return sorted(
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(document)
    )


_VARIABLE = re.compile(
    r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?-)?(?P<default>[^}]*)\})"
)


def interpolate(value: Any, environ: Mapping[str, str]) -> Any:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}`` and ``$$``, as
    ``docker compose`` fills them in from the shell or ``.env``."""
    if isinstance(value, dict):
        return {key: interpolate(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environ) for item in value]
    if not isinstance(value, str):
        return value

    def fill(match: re.Match[str]) -> str:
        name, op, default = match["name"], match["op"], match["default"]
        if name is None:
            return "$"
        assert op or not default, f"unsupported interpolation {match[0]!r}"
        found = environ.get(name)
        if op == ":-" and not found:
            return default
        if op == "-" and found is None:
            return default
        return found or ""

    return _VARIABLE.sub(fill, value)


def bot_environment(environ: Mapping[str, str]) -> dict[str, str]:
    return interpolate(compose()["services"]["bot"]["environment"], environ)


def documented_variables() -> set[str]:
    """The first column of every table in docs/deploy.md: `NAME`."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Za-z0-9_<>]+)` \|", text, flags=re.MULTILINE))


# ----------------------------------------------------------------------- the schema


def test_the_vendored_schema_is_the_published_one() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_the_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose()) == []
    # Filled in, as `docker compose config` validates it, with and without settings.
    assert schema_errors(interpolate(compose(), {})) == []
    filled = {"STORYAI_DISCORD_TOKEN": "t0ken", "STORYAI_POSTGRES_PASSWORD": "pw"}
    assert schema_errors(interpolate(compose(), filled)) == []


@pytest.mark.parametrize(
    ("mistake", "where"),
    [
        pytest.param(
            lambda d: d["services"]["bot"].update(enviroment={}), "services/bot", id="typo"
        ),
        pytest.param(
            lambda d: d["services"]["bot"]["depends_on"]["postgres"].update(
                condition="service_ready"
            ),
            "services/bot/depends_on",
            id="unknown-condition",
        ),
        pytest.param(
            lambda d: d["services"]["postgres"]["healthcheck"].update(every="5s"),
            "healthcheck",
            id="unknown-healthcheck-key",
        ),
        pytest.param(
            lambda d: d["volumes"].update({"bad name!": None}), "volumes", id="bad-volume-name"
        ),
    ],
)
def test_the_schema_check_catches_mistakes(mistake: Any, where: str) -> None:
    """The check is not vacuous: a typo a person could make is reported where it is."""
    broken = copy.deepcopy(compose())
    mistake(broken)
    errors = schema_errors(broken)
    assert errors, "the schema accepted a broken compose file"
    assert any(where in error for error in errors), errors


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_accepts_the_file() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no `docker compose` or `docker-compose` here; the schema test checks it")
    environ = {**os.environ, "STORYAI_DISCORD_TOKEN": "t0ken"}
    result = subprocess.run(
        [*command, "--file", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    bot = resolved["services"]["bot"]
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["environment"]["STORYAI_DISCORD_TOKEN"] == "t0ken"


# ------------------------------------------------------------------- what users rely on


def test_the_bot_starts_once_postgres_is_healthy() -> None:
    services = compose()["services"]
    assert services["bot"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert services["bot"]["build"] == "."


def test_data_lives_in_named_volumes() -> None:
    document = compose()
    named = set(document["volumes"])
    for service, target in [("postgres", "/var/lib/postgresql/data"), ("bot", "/data")]:
        mounts = dict(
            reversed(mount.split(":")[:2]) for mount in document["services"][service]["volumes"]
        )
        assert mounts.get(target) in named, f"{service}: {target} is not on a named volume"


@pytest.mark.parametrize("password", [None, "s3cret-pw"])
def test_the_bot_reaches_the_postgres_service(password: str | None) -> None:
    environ = {} if password is None else {"STORYAI_POSTGRES_PASSWORD": password}
    postgres = interpolate(compose()["services"]["postgres"]["environment"], environ)

    url = normalize_url(bot_environment(environ)["STORYAI_DATABASE_URL"])

    assert url.get_backend_name() == "postgresql"
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.database == postgres["POSTGRES_DB"]
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"] == (password or "storyai")


def test_the_bot_gets_its_token_and_keys_from_the_host() -> None:
    host = {
        "STORYAI_DISCORD_TOKEN": "t0ken",
        "ANTHROPIC_API_KEY": "sk-ant",
        "OPENAI_API_KEY": "sk-oai",
        "STORYAI_LOCAL_BASE_URL": "http://host.docker.internal:11434/v1",
        "STORYAI_QUOTA_USER_TURNS": "40",
    }
    environment = bot_environment(host)
    assert {name: environment[name] for name in host} == host
    assert bot_environment({})["STORYAI_DISCORD_TOKEN"] == ""  # the bot says it is missing


def test_the_compose_quota_defaults_are_the_policy_defaults(tmp_path: Path) -> None:
    settings = load_settings(bot_environment({}), config_file=tmp_path / "none.toml")
    assert settings.quota.policy() == QuotaPolicy()


def test_every_variable_of_the_compose_file_is_documented() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    used |= set(compose()["services"]["bot"]["environment"])
    assert used - documented_variables() == set()


def test_every_variable_storyai_reads_is_documented() -> None:
    named_in_code: set[str] = set()
    for folder in PACKAGE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            named_in_code |= set(re.findall(r"\bSTORYAI_[A-Z0-9]+(?:__?[A-Z0-9]+)*", source))
    wanted = named_in_code | set(variables())
    wanted.discard("STORYAI_PROVIDERS")  # documented as STORYAI_PROVIDERS__<NAME>__<FIELD>
    assert "STORYAI_DATABASE_URL" in wanted and "STORYAI_QUOTA_GUILD_TURNS" in wanted

    text = DEPLOY_DOC.read_text(encoding="utf-8")
    assert "STORYAI_PROVIDERS__<NAME>__<FIELD>" in documented_variables()
    assert sorted(name for name in wanted if name not in text) == []


# --------------------------------------------------------------------------- the image


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def test_the_image_migrates_then_runs_the_bot_as_a_user_of_its_own() -> None:
    instructions = dockerfile_instructions()
    kinds = [kind for kind, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [arguments for kind, arguments in instructions if kind == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert kinds.index("USER") < kinds.index("ENTRYPOINT")
    [entrypoint] = [arguments for kind, arguments in instructions if kind == "ENTRYPOINT"]
    script = entrypoint.strip('[]"')
    [writes_script] = [
        arguments for kind, arguments in instructions if kind == "RUN" and script in arguments
    ]
    assert "storyai db upgrade && exec storyai bot" in writes_script
    assert any(kind == "RUN" and "pip install" in arguments for kind, arguments in instructions)


def _start_script(tmp_path: Path) -> Path:
    """The entrypoint script, written by the same ``printf`` the image build runs."""
    [writes] = [
        arguments
        for kind, arguments in dockerfile_instructions()
        if kind == "RUN" and "storyai-start" in arguments
    ]
    printf = re.search(r"printf '[^']*'", writes)
    assert printf is not None
    script = tmp_path / "storyai-start"
    subprocess.run(["sh", "-c", f"{printf[0]} > {script}"], check=True)
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("upgrade_fails", [False, True])
def test_the_entrypoint_starts_the_bot_only_after_the_migrations(
    tmp_path: Path, upgrade_fails: bool
) -> None:
    script = _start_script(tmp_path)
    calls = tmp_path / "calls.log"
    fake = tmp_path / "bin" / "storyai"  # records its arguments instead of running
    fake.parent.mkdir()
    fake.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n'
        f'[ "$1" = db ] && [ -n "$UPGRADE_FAILS" ] && exit 3\nexit 0\n'
    )
    fake.chmod(0o755)
    environ = {"PATH": f"{fake.parent}:{os.environ['PATH']}"}
    if upgrade_fails:
        environ["UPGRADE_FAILS"] = "1"

    result = subprocess.run([str(script), "--provider", "local"], env=environ, timeout=60)

    if upgrade_fails:
        assert result.returncode == 3
        assert calls.read_text().splitlines() == ["db upgrade"]
    else:
        assert result.returncode == 0
        assert calls.read_text().splitlines() == ["db upgrade", "bot --provider local"]


def _ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as (exclude?, regex), Docker's rules: ``*`` within a folder, ``**``
    across folders, ``!`` takes a path back in, the last matching line wins."""
    patterns = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        for token in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
                token, re.escape(token)
            )
        patterns.append((not include, re.compile(regex)))
    return patterns


def ignored(path: str) -> bool:
    """Whether ``docker build`` leaves ``path`` (relative, with /) out of the context:
    it or one of its folders matches."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for exclude, regex in _ignore_patterns():
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            excluded = exclude
    return excluded


def test_the_build_context_holds_the_package() -> None:
    needed = ["pyproject.toml", "setup.py", "README.md"]
    for folder in PACKAGE_FOLDERS:
        needed += [
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    assert any(path.endswith(".yaml") for path in needed)  # the bundled worlds
    assert [path for path in needed if ignored(path)] == []


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "prod.env",
        ".git/config",
        ".venv/bin/python",
        "storyai.db",
        "core/__pycache__/quotas.cpython-311.pyc",
        "storyai.egg-info/PKG-INFO",
        "tests/conftest.py",
    ],
)
def test_secrets_and_local_state_stay_out_of_the_image(path: str) -> None:
    assert ignored(path)
