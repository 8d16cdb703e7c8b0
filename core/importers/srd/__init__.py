"""The D&D SRD (5.1 and 5.2) as library entries: read a local copy, or download one.

``read_srd(root)`` reads SRD 5.1 from 5e-bits/5e-database and SRD 5.2 from
open5e-api (both pinned, see ``manifest``); ``download_srd(dest)`` fetches
exactly those files, checked against pinned SHA-256 sums. Anything shipped or
shown from the SRD must carry :data:`ATTRIBUTION` (CC-BY-4.0).
"""

from __future__ import annotations

from storyai.core.importers.srd.attribution import ATTRIBUTION
from storyai.core.importers.srd.download import download_srd
from storyai.core.importers.srd.entries import EDITIONS, KINDS, LibraryEntry, SrdRead
from storyai.core.importers.srd.reader import read_srd

__all__ = [
    "ATTRIBUTION",
    "EDITIONS",
    "KINDS",
    "LibraryEntry",
    "SrdRead",
    "download_srd",
    "read_srd",
]
