"""Database URLs: where the default database lives, and how to name one safely.

Users write the URLs they know (``postgresql://me@host/db``, ``sqlite:///x.db``);
SQLAlchemy's asyncio engine needs an async driver named in the URL, so every
URL is normalised here, once. Anything shown to a person or written to a log
goes through ``display_url``, which hides the password.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storyai.core.domain.errors import StorageError

ENV_VAR = "STORYAI_DATABASE_URL"
"""The environment variable that overrides the default SQLite database."""

DEFAULT_FILENAME = "storyai.db"

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
"""What each accepted URL scheme becomes: the async drivers storyai ships with."""

_EXAMPLES = "sqlite:///path/to/storyai.db or postgresql://user:password@host:5432/dbname"
_SECRET_QUERY_KEYS = ("pass", "secret", "token", "key")
_PASSWORD_IN_TEXT = re.compile(r"(?P<head>://[^:/@\s]*:)[^@\s]*@")


def default_database_url() -> str:
    """The database to use: ``$STORYAI_DATABASE_URL``, else a SQLite file.

    The file is ``storyai.db`` in the user data folder (on Linux
    ``~/.local/share/storyai/``), which is created if needed.

    Raises:
        StorageError: the data folder cannot be created.
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return configured
    folder = Path(platformdirs.user_data_dir("storyai", appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"Cannot create the data folder {folder}: {exc.strerror or exc}.",
            hint=f"Set {ENV_VAR} to a database you can write to, e.g. sqlite:///./storyai.db",
        ) from exc
    return URL.create(
        "sqlite+aiosqlite", database=str(folder / DEFAULT_FILENAME)
    ).render_as_string()


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL and name its async driver.

    ``postgresql://`` and ``postgres://`` become ``postgresql+asyncpg://``;
    ``sqlite://`` becomes ``sqlite+aiosqlite://``. Other databases are refused.

    Raises:
        StorageError: the text is not a URL, or names a database storyai cannot use.
    """
    try:
        parsed = make_url(url.strip() if isinstance(url, str) else url)
    except ArgumentError as exc:
        raise StorageError(
            f"'{redact(str(url))}' is not a database URL.", hint=f"Examples: {_EXAMPLES}"
        ) from exc
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise StorageError(
            f"storyai cannot use the database {display_url(parsed)}: "
            "it speaks SQLite (aiosqlite) and PostgreSQL (asyncpg) only.",
            hint=f"Examples: {_EXAMPLES}",
        )
    return parsed.set(drivername=driver)


def display_url(url: URL) -> str:
    """The URL as a person should see it: no password, no driver name.

    ``postgresql+asyncpg://me:s3cret@db/story`` shows as ``postgresql://me:***@db/story``.
    """
    secret_keys = [k for k in url.query if any(s in k.lower() for s in _SECRET_QUERY_KEYS)]
    if secret_keys:
        url = url.update_query_dict(dict.fromkeys(secret_keys, "***"))
    backend = url.get_backend_name()
    return url.set(drivername=backend).render_as_string(hide_password=True)


def redact(text: str, password: str | None = None) -> str:
    """Hide ``user:password@`` in free text, and a known password anywhere in it."""
    text = _PASSWORD_IN_TEXT.sub(r"\g<head>***@", text)
    if password:
        text = text.replace(password, "***")
    return text
