"""Without the optional `mcp` package, `storyai mcp` says how to get it."""

from __future__ import annotations

import sys


def test_storyai_mcp_without_the_sdk_says_how_to_install_it(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "mcp", None)  # as if it were not installed
    result = cli("mcp", code=1)
    assert 'pip install "storyai[mcp]"' in result.output
