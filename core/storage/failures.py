"""Turn driver and network failures into a ``StorageError`` a person can act on.

Drivers fail in their own words: asyncpg raises ``ConnectionRefusedError`` or
``socket.gaierror`` straight through SQLAlchemy, SQLite says "unable to open
database file", PostgreSQL answers with a SQLSTATE. The adapters translate
them here, once, and chain the original (``raise ... from exc``) so nothing
is lost for debugging. Bugs (a wrong query, a broken constraint we should have
checked) are not translated: they must stay loud.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from storyai.core.domain.errors import StorageError
from storyai.core.storage.urls import ENV_VAR, display_url, redact

_CONNECT_HINT = (
    f"Check that the database server is running and that the host, port, user, "
    f"password and database name in {ENV_VAR} are right."
)
_MIGRATE_HINT = "Run `storyai db upgrade` to create or update the tables."

# SQLSTATE classes and codes that mean "the database is unreachable or unusable",
# as opposed to a bug in our SQL.
_CONNECTION_CLASSES = ("08", "53", "57", "58")  # connection, resources, operator, system
_AUTH_CODES = ("28000", "28P01")
_UNKNOWN_DATABASE = "3D000"
_UNDEFINED_TABLE = "42P01"


def is_storage_failure(exc: BaseException) -> bool:
    """True for failures of the database or the network, False for bugs."""
    if isinstance(exc, OSError | sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        state = _sqlstate(exc) or ""
        return state.startswith(_CONNECTION_CLASSES) or state in (
            *_AUTH_CODES,
            _UNKNOWN_DATABASE,
            _UNDEFINED_TABLE,
        )
    return False


def storage_error(exc: BaseException, url: URL) -> StorageError:
    """A ``StorageError`` that names the database (without its password) and what to check."""
    where = display_url(url)
    password = url.password if isinstance(url.password, str) else None
    reason, hint, connecting = _explain(exc)
    reason = redact(reason, password)
    if connecting:
        return StorageError(f"Cannot connect to the database {where}: {reason}.", hint=hint)
    return StorageError(f"The database {where} failed: {reason}.", hint=hint)


@contextmanager
def translated(url: URL) -> Iterator[None]:
    """Re-raise storage failures inside the block as ``StorageError``."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        if is_storage_failure(exc):
            raise storage_error(exc, url) from exc
        raise


def _explain(exc: BaseException) -> tuple[str, str, bool]:
    """(reason, hint, happened while connecting) for one failure."""
    if isinstance(exc, socket.gaierror):
        return "the host name is unknown", f"Check the host name in {ENV_VAR}.", True
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused", _CONNECT_HINT, True
    if isinstance(exc, TimeoutError):
        return "the server did not answer in time", _CONNECT_HINT, True
    if isinstance(exc, OSError):
        return exc.strerror or _first_line(exc), _CONNECT_HINT, True
    if isinstance(exc, sa_exc.TimeoutError):
        return "every connection is busy", "Try again in a moment.", False
    state = _sqlstate(exc)
    message = _driver_message(exc)
    if state == _UNKNOWN_DATABASE:
        hint = f"Create it (e.g. `createdb NAME`) or fix the database name in {ENV_VAR}."
        return message, hint, True
    if state in _AUTH_CODES:
        return message, f"Check the user name and password in {ENV_VAR}.", True
    if state == _UNDEFINED_TABLE or "no such table" in message:
        return f"its tables are missing or out of date ({message})", _MIGRATE_HINT, False
    lowered = message.lower()
    if "unable to open database file" in lowered:
        hint = "Check that the folder exists and that you may write to it."
        return message, hint, True
    if "database is locked" in lowered:
        return message, "Another storyai process is writing; try again in a moment.", False
    if "readonly" in lowered or "read-only" in lowered:
        return message, "Check that you may write to the database file.", False
    if (state or "").startswith("08") or isinstance(exc, sa_exc.InterfaceError):
        return message, _CONNECT_HINT, True
    return message, _CONNECT_HINT, False


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state if isinstance(state, str) else None


def _driver_message(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's "(Background on this error...)"."""
    orig = getattr(exc, "orig", None)
    return _first_line(orig if isinstance(orig, BaseException) else exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].rstrip(".")
