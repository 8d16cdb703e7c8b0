"""Core and system versions of a document: its ``_stats``, else the export or the manifest."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Versions:
    """Core version, system id and system version (``""`` when unknown)."""

    core: str = ""
    system_id: str = ""
    system_version: str = ""

    def under(self, fallback: Versions) -> Versions:
        """These versions, each missing one taken from ``fallback``."""
        return Versions(
            self.core or fallback.core,
            self.system_id or fallback.system_id,
            self.system_version or fallback.system_version,
        )


def text(value: Any) -> str:
    """A version as text: ``13.344`` and ``"13.344"`` -> ``"13.344"``; others -> ``""``."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float, str)):
        return str(value).strip()
    return ""


def export_source(data: dict[str, Any]) -> Versions:
    """What an "Export Data" file says about where it came from (v13 or v12-style)."""
    stats = data.get("_stats")
    source = stats.get("exportSource") if isinstance(stats, dict) else None
    if isinstance(source, dict):
        return Versions(
            text(source.get("coreVersion")),
            text(source.get("systemId")),
            text(source.get("systemVersion")),
        )
    flags = data.get("flags")
    source = flags.get("exportSource") if isinstance(flags, dict) else None
    if isinstance(source, dict):
        return Versions(
            text(source.get("coreVersion")),
            text(source.get("system") or source.get("systemId")),
            text(source.get("systemVersion")),
        )
    return Versions()


def has_export_source(data: dict[str, Any]) -> bool:
    """Whether ``data`` says where it was exported from (``exportSource: null`` does not)."""
    stats, flags = data.get("_stats"), data.get("flags")
    return (isinstance(stats, dict) and isinstance(stats.get("exportSource"), dict)) or (
        isinstance(flags, dict) and isinstance(flags.get("exportSource"), dict)
    )


def doc_versions(data: dict[str, Any], fallback: Versions) -> Versions:
    """A document's versions: ``_stats`` first, then its export source, then ``fallback``.

    A document with no ``_stats`` and ``data``/``permission`` instead of ``system``/``ownership``
    is from before v10: its core version is ``""`` whatever the manifest or export says.
    """
    stats = data.get("_stats")
    if isinstance(stats, dict):
        own = Versions(
            text(stats.get("coreVersion")),
            text(stats.get("systemId")),
            text(stats.get("systemVersion")),
        )
        return own.under(export_source(data)).under(fallback)
    found = export_source(data).under(fallback)
    if _pre_v10(data):
        return Versions("", found.system_id, found.system_version)
    return found


def _pre_v10(data: dict[str, Any]) -> bool:
    """Field names renamed in v10: ``data`` (``system``), ``permission`` (``ownership``)."""
    return ("data" in data and "system" not in data) or (
        "permission" in data and "ownership" not in data
    )


def manifest_core(manifest: dict[str, Any]) -> str:
    """The core version a world/system/module manifest was made for."""
    compat = manifest.get("compatibility")
    verified = compat.get("verified") if isinstance(compat, dict) else None
    for value in (
        manifest.get("coreVersion"),
        verified,
        manifest.get("compatibleCoreVersion"),
        compat.get("minimum") if isinstance(compat, dict) else None,
        manifest.get("minimumCoreVersion"),
    ):
        if text(value):
            return text(value)
    return ""


def summary(values: list[Versions]) -> Versions:
    """One line for many documents: the commonest system, the newest versions of it."""
    systems = Counter(v.system_id for v in values if v.system_id)
    system = systems.most_common(1)[0][0] if systems else ""
    same = [v for v in values if v.system_id == system]
    # each version once, in the order first seen (the first of equal versions wins, as before)
    cores = dict.fromkeys(v.core for v in values if v.core)
    core = max(cores, key=version_key, default="")
    newest = max(
        dict.fromkeys(v.system_version for v in same if v.system_version),
        key=version_key,
        default="",
    )
    return Versions(core, system, newest)


def version_key(version: str) -> tuple[int, ...]:
    """``"13.344"`` -> ``(13, 344)``, for comparing versions."""
    return tuple(int(part) for part in re.findall(r"\d+", version))
