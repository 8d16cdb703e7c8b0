"""``read_srd``: both editions from a folder laid out like ``../shared/srd_data``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.srd import fivee_database, srd52_reader
from storyai.core.importers.srd.entries import SrdRead, finish
from storyai.core.importers.srd.files import load_records
from storyai.core.importers.srd.manifest import (
    FIVEE_DATABASE,
    OPEN5E,
    UPSTREAMS,
    Upstream,
    files_of,
)

HINT = "Download the SRD first, or use --from PATH with a folder laid out like that."
Progress = Callable[[str, int, int], None]

_READERS = ((FIVEE_DATABASE, fivee_database.drafts), (OPEN5E, srd52_reader.drafts))


def read_srd(root: Path, *, progress: Progress | None = None) -> SrdRead:
    """Every SRD 5.1 and 5.2 entry found under ``root``.

    ``root`` holds ``5e-database/src/2014/en/`` (SRD 5.1) and/or
    ``open5e-api/data/v2/wizards-of-the-coast/srd-2024/`` (SRD 5.2); a missing
    part is reported in ``warnings``. All files are read and checked before any
    entry is made, so a damaged file refuses the whole read.

    ``progress(file, files_done, files_total)`` is called as each file is read.

    Raises:
        ImportRefused: Neither part is there, or a file is missing, damaged or
            not what the SRD has there (the message names the file).
    """
    root = Path(root)
    if not root.is_dir():
        raise ImportRefused(
            f"{root}: not a folder (expected the SRD data: {_expected()})",
            hint=HINT,
        )
    result = SrdRead()
    present: list[Upstream] = []
    for upstream, _ in _READERS:
        if (root / upstream.folder / upstream.data_dir).is_dir():
            present.append(upstream)
        else:
            result.warn(
                f"SRD {upstream.edition} not read: {root / upstream.folder / upstream.data_dir} "
                "is missing"
            )
    if not present:
        raise ImportRefused(
            f"{root}: no SRD data found (expected {_expected()})",
            hint=HINT,
        )
    wanted = [pinned for upstream in present for pinned in files_of(upstream)]
    loaded: dict[str, dict[str, list]] = {u.folder: {} for u in present}
    for n, pinned in enumerate(wanted, start=1):
        loaded[pinned.upstream.folder][pinned.name] = load_records(root, pinned)
        if progress is not None:
            progress(pinned.label, n, len(wanted))
    for upstream, reader in _READERS:
        if upstream in present:
            finish(result, upstream.edition, reader(loaded[upstream.folder], result))
    return result


def _expected() -> str:
    return " and/or ".join(f"{u.folder}/{u.data_dir}/ (SRD {u.edition})" for u in UPSTREAMS)
