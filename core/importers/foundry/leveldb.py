"""Read a LevelDB folder (a Foundry v11+ pack or world collection) without changing it.

Pure Python and read only: nothing in the folder is written, created or kept locked
(LevelDB itself, and so plyvel, rewrites CURRENT, MANIFEST and the log on open).
The MANIFEST named by CURRENT says which tables and logs are live; without one,
every ``*.ldb``, ``*.sst`` and ``*.log`` directly in the folder is read. Of all the
entries for a key the one with the highest sequence number wins; a deletion hides it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from storyai.core.importers.errors import ImportRefused, SourceLocked
from storyai.core.importers.foundry.ldb_format import (
    TYPE_DELETION,
    TYPE_VALUE,
    Budget,
    FormatError,
    LimitExceeded,
    batch_entries,
    log_records,
    table_entries,
    version_edit,
)

TABLE_SUFFIXES = (".ldb", ".sst")
DATA_FILE = re.compile(r"(\d+)\.(ldb|sst|log)")
MANIFEST_NAME = re.compile(r"MANIFEST-(\d+)")
LOCKED_HINT = "close the world in Foundry first (or stop Foundry), then import again"


@dataclass
class LevelDBContents:
    """The live keys of a LevelDB, sorted, with what had to be skipped on the way."""

    items: dict[str, bytes] = field(default_factory=dict)
    """Live user keys (UTF-8 decoded) -> value bytes, sorted by key."""
    warnings: list[str] = field(default_factory=list)
    files_read: int = 0
    """How many table and log files were read."""


def looks_like_leveldb(path: Path) -> bool:
    """A folder holding CURRENT, a MANIFEST-<n> or <n>.ldb/.sst/.log files."""
    try:
        if not path.is_dir():
            return False
        return any(_is_leveldb_file(name) for name in os.listdir(path))
    except (OSError, ValueError):
        return False


def _is_leveldb_file(name: str) -> bool:
    """CURRENT, MANIFEST-<n>, or a numbered table or log (LevelDB names nothing else so)."""
    return name == "CURRENT" or bool(MANIFEST_NAME.fullmatch(name) or DATA_FILE.fullmatch(name))


def read_leveldb(path: Path, *, max_total_bytes: int = 2 * 1024**3) -> LevelDBContents:
    """Every live key and value of the LevelDB in folder ``path``.

    Raises SourceLocked when another program holds the database open, and
    ImportRefused when it is not a LevelDB, too large, or nothing could be read.
    """
    path = Path(path)
    names = _list_folder(path)
    _check_not_locked(path)
    reader = _Reader(path, max_total_bytes)
    tables, logs = reader.live_files(names)
    reader.read_all(tables, logs)
    return reader.result()


def _list_folder(path: Path) -> dict[str, int]:
    """Regular files directly in ``path`` (name -> size); refuse what is not a LevelDB."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ImportRefused(f"{path}: no such folder") from None
    except (OSError, ValueError) as error:
        raise ImportRefused(f"{path}: cannot be read ({_reason(error)})") from None
    if not stat.S_ISDIR(mode):
        raise ImportRefused(
            f"{path}: not a folder (a LevelDB database is a folder of CURRENT, MANIFEST "
            "and .ldb/.log files)"
        )
    names: dict[str, int] = {}
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_file():  # follows symlinks; skips lost/ and other folders
                    names[entry.name] = entry.stat().st_size
    except OSError as error:
        raise ImportRefused(f"{path}: cannot be read ({_reason(error)})") from None
    if not any(_is_leveldb_file(name) for name in names):
        raise ImportRefused(
            f"{path}: not a LevelDB database (no CURRENT, MANIFEST, .ldb or .log files in it)"
        )
    return names


def _check_not_locked(path: Path) -> None:
    """Raise SourceLocked if another process holds LevelDB's fcntl lock on ``LOCK``.

    Probes with a shared, non-blocking lock on a read-only descriptor, released at
    once. Skipped where fcntl does not exist or the file system refuses locks.
    (fcntl locks belong to a process: closing our descriptor would also drop a lock
    this same process held through plyvel, which importers never use on user data.)
    """
    try:
        import fcntl
    except ImportError:  # Windows
        return
    try:
        fd = os.open(path / "LOCK", os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return  # no LOCK file: nobody holds it
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EAGAIN):
                raise SourceLocked(
                    f"{path}: the database is open in another program (its LOCK is held)",
                    hint=LOCKED_HINT,
                ) from None
            return  # locks not supported here (e.g. some network file systems)
        fcntl.lockf(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__


class _Reader:
    """Collects the newest entry of each key across the files of one database."""

    def __init__(self, path: Path, max_total_bytes: int) -> None:
        self.path = path
        self.limit = max_total_bytes
        self.budget = Budget(max_total_bytes)
        self.newest: dict[bytes, tuple[int, int, bytes]] = {}
        self.warnings: list[str] = []
        self.problems: list[str] = []
        self.entries_read = 0
        self.files_read = 0
        self.sizes: dict[str, int] = {}

    # --- which files ----------------------------------------------------------------------

    def live_files(self, names: dict[str, int]) -> tuple[list[str], list[str]]:
        """The table and log files to read: from the MANIFEST, or every one in the folder."""
        self.sizes = names
        numbered = sorted(
            (int(match[1]), name) for name in names if (match := DATA_FILE.fullmatch(name))
        )
        tables = [name for _, name in numbered if name.endswith(TABLE_SUFFIXES)]
        logs = [name for _, name in numbered if name.endswith(".log")]
        manifest, why = self._manifest_name(names)
        if manifest is not None:
            try:
                return self._from_manifest(manifest, numbered)
            except FormatError as error:
                why = f"{manifest} cannot be used ({error})"
        self.warnings.append(f"{why}: read every table and log file instead")
        return tables, logs

    def _manifest_name(self, names: dict[str, int]) -> tuple[str | None, str]:
        if "CURRENT" not in names:
            return None, "no MANIFEST (there is no CURRENT file to name it)"
        if names["CURRENT"] > 4096:
            return None, "no MANIFEST (CURRENT is not a LevelDB CURRENT file)"
        current = self._read("CURRENT")
        name = current[:-1].decode("ascii", "replace") if current.endswith(b"\n") else ""
        if not MANIFEST_NAME.fullmatch(name):
            return None, "no MANIFEST (CURRENT does not name one)"
        if name not in names:
            return None, f"no MANIFEST (CURRENT names {name}, which is missing)"
        return name, ""

    def _from_manifest(
        self, manifest: str, numbered: list[tuple[int, str]]
    ) -> tuple[list[str], list[str]]:
        self._check_size([manifest])
        records, problems = log_records(self._read(manifest))
        if problems:
            raise FormatError(problems[0])
        if not records:
            raise FormatError("it holds no records")
        live: set[tuple[int, int]] = set()
        log_number = prev_log = 0
        for record in records:
            numbers = version_edit(record, live)
            log_number = numbers.get("log", log_number)
            prev_log = numbers.get("prev_log", prev_log)
        on_disk = {number: name for number, name in numbered if name.endswith(TABLE_SUFFIXES)}
        tables = []
        for number in sorted({number for _, number in live}):
            if number not in on_disk:
                raise FormatError(f"it lists table {number:06d}.ldb, which is missing")
            tables.append(on_disk[number])
        logs = [
            name
            for number, name in numbered
            if name.endswith(".log") and (number >= log_number or number == prev_log)
        ]
        return tables, logs

    # --- reading --------------------------------------------------------------------------

    def read_all(self, tables: list[str], logs: list[str]) -> None:
        self._check_size(tables + logs)
        try:
            for name in tables:
                self._read_table(name)
            for name in logs:
                self._read_log(name)
        except LimitExceeded:
            raise ImportRefused(
                f"{self.path}: too large to import (its tables decompress to more than the "
                f"limit; limit {self.limit} bytes)"
            ) from None

    def _check_size(self, names: list[str]) -> None:
        total = sum(self.sizes.get(name, 0) for name in names)
        if total > self.limit:
            raise ImportRefused(
                f"{self.path}: too large to import ({total} bytes of tables and logs; "
                f"limit {self.limit} bytes)"
            )

    def _read(self, name: str) -> bytes:
        file = self.path / name
        try:
            with open(file, "rb") as handle:
                data = handle.read(self.limit + 1)
        except OSError as error:
            raise ImportRefused(f"{file}: cannot be read ({_reason(error)})") from None
        if len(data) > self.limit:
            raise ImportRefused(f"{file}: too large to import (limit {self.limit} bytes)")
        return data

    def _read_table(self, name: str) -> None:
        data = self._read(name)
        self.files_read += 1
        try:
            entries, problems = table_entries(data, self.budget)
        except FormatError as error:
            self._problem(name, f"skipped the whole table: {error}")
            return
        if problems:
            self._problem(
                name, f"skipped {_count(len(problems), 'unreadable block')} ({problems[0]})"
            )
        newest = self.newest
        bad = 0
        for internal_key, value in entries:
            if len(internal_key) < 8:
                bad += 1
                continue
            tag = int.from_bytes(internal_key[-8:], "little")
            kind = tag & 0xFF
            if kind > TYPE_VALUE:
                bad += 1
                continue
            key = internal_key[:-8]
            sequence = tag >> 8
            old = newest.get(key)
            if old is None or sequence > old[0]:
                newest[key] = (sequence, kind, value)
        self.entries_read += len(entries) - bad
        if bad:
            self._problem(name, f"skipped {_count(bad, 'entry', 'entries')} with a malformed key")

    def _read_log(self, name: str) -> None:
        data = self._read(name)
        self.files_read += 1
        records, problems = log_records(data)
        bad_batches: list[str] = []
        newest = self.newest
        for record in records:
            try:
                entries = batch_entries(record)
            except FormatError as error:
                bad_batches.append(str(error))
                continue
            for key, sequence, kind, value in entries:
                old = newest.get(key)
                if old is None or sequence > old[0]:
                    newest[key] = (sequence, kind, value)
            self.entries_read += len(entries)
        if problems:
            self._problem(
                name, f"skipped {_count(len(problems), 'unreadable part')} ({problems[0]})"
            )
        if bad_batches:
            self._problem(
                name, f"skipped {_count(len(bad_batches), 'unreadable write')} ({bad_batches[0]})"
            )

    def _problem(self, name: str, message: str) -> None:
        self.problems.append(f"{name}: {message}")

    def result(self) -> LevelDBContents:
        if self.problems and not self.entries_read:
            raise ImportRefused(
                f"{self.path}: nothing could be read ({'; '.join(self.problems[:3])})",
                hint="the files are damaged or not LevelDB data: import a backup or a fresh copy",
            )
        items: dict[str, bytes] = {}
        undecodable = 0
        for key in sorted(self.newest):
            _, kind, value = self.newest[key]
            if kind == TYPE_DELETION:
                continue
            try:
                items[key.decode("utf-8")] = value
            except UnicodeDecodeError:
                undecodable += 1
        warnings = self.warnings + self.problems
        if undecodable:
            warnings.append(f"skipped {_count(undecodable, 'key')} that are not UTF-8 text")
        return LevelDBContents(items=items, warnings=warnings, files_read=self.files_read)


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
