"""Every source folder is a regular package: ``setup.py`` lists packages with
``find_packages``, which skips a folder without ``__init__.py``, so a plain (not
editable) install would leave it out and every import of it would fail."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_source_folder_has_an_init_file():
    missing = [
        str(folder.relative_to(ROOT))
        for top in ("core", "cli", "tui", "bots")
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").is_file()
    ]
    assert missing == [], f"add an __init__.py to: {', '.join(missing)}"
