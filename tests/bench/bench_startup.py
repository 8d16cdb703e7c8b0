"""Benchmark: how long `storyai --help` takes, and how long until the TUI shows its title.

Targets (from the issue): `storyai --help` at most 0.3 s, the TUI's first frame at
most 1.0 s.

* ``--help``: wall time of ``storyai --help`` run as a subprocess (output discarded),
  ``--runs`` times; the median is reported, with min and max.
* TUI first frame: ``storyai play`` started in a detached tmux pane of 80x24 (a
  private tmux server, ``tmux -L``), then ``tmux capture-pane -p`` polled every few
  milliseconds until the title screen's banner is on screen. Measured from just
  before ``tmux new-session`` to the first capture that shows it.

  - *cold*: the first launch ever: an empty data folder (``XDG_DATA_HOME``), so
    the SQLite database is created and migrated and the bundled worlds installed;
  - *warm*: later launches on that same folder.

  Every run gets a config file that does not exist and no provider variables, so
  the offline game master narrates and nothing reaches the network.

Run from the repository root, in the venv (not part of the test suite)::

    python tests/bench/bench_startup.py
    python tests/bench/bench_startup.py --runs 9 --skip-tui
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BANNER = "worlds in YAML"
"""Text of the title screen's banner: the first frame is the one that shows it."""
PROVIDER_VARIABLES = (
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "OLLAMA_HOST",
    "STORYAI_LOCAL_BASE_URL",
    "STORYAI_DATABASE_URL",
    "STORYAI_NARRATION",
    "STORYAI_SUMMARY",
)


def storyai_command() -> list[str]:
    """The console script next to this interpreter (as a user runs it)."""
    script = Path(sys.executable).parent / "storyai"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "storyai.cli"]


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_VARIABLES}
    env["XDG_DATA_HOME"] = str(home / "data")
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_CACHE_HOME"] = str(home / "cache")
    env["STORYAI_CONFIG"] = str(home / "no-config.toml")
    env["TERM"] = "xterm-256color"
    return env


def time_help(runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        command = [*storyai_command(), "--help"]
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


class Tmux:
    """A private tmux server (its own socket), killed at the end. An idle session keeps
    it running between measurements (tmux exits with its last session)."""

    def __init__(self) -> None:
        self.socket = f"storyai-bench-{os.getpid()}"
        self.sessions = 0
        self.run("new-session", "-d", "-s", "idle", "sleep 3600", check=True)

    def run(self, *args: str, env: dict[str, str] | None = None, check: bool = False) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def first_frame(self, env: dict[str, str], timeout: float) -> float:
        """Seconds from starting `storyai play` in a new 80x24 pane to the title banner."""
        # On failure the pane keeps what storyai said (the error) for the report below.
        command = " ".join([*storyai_command(), "play"]) + "; echo storyai exited: $?; sleep 60"
        self.sessions += 1
        name = f"play{self.sessions}"  # a new name: the last one may still be closing
        start = time.perf_counter()
        size = ("-x", "80", "-y", "24")
        self.run("new-session", "-d", "-s", name, *size, command, env=env, check=True)
        try:
            while time.perf_counter() - start < timeout:
                if BANNER in self.run("capture-pane", "-p", "-t", name):
                    return time.perf_counter() - start
                time.sleep(0.005)
            screen = self.run("capture-pane", "-p", "-t", name)
            raise RuntimeError(f"no title screen within {timeout} s; the pane shows:\n{screen}")
        finally:
            self.run("kill-session", "-t", name)

    def close(self) -> None:
        self.run("kill-server")


def time_tui(runs: int, timeout: float) -> tuple[list[float], list[float]]:
    """(cold, warm): each cold run gets a fresh data folder; warm runs reuse the last one."""
    cold: list[float] = []
    warm: list[float] = []
    tmux = Tmux()
    try:
        with tempfile.TemporaryDirectory(prefix="storyai-bench-") as tmp:
            for i in range(runs):
                home = Path(tmp) / f"cold{i}"
                home.mkdir()
                cold.append(tmux.first_frame(clean_env(home), timeout))
            for _ in range(runs):
                warm.append(tmux.first_frame(clean_env(home), timeout))
    finally:
        tmux.close()
    return cold, warm


def line(label: str, times: list[float], target: float | None = None) -> str:
    median = statistics.median(times)
    verdict = ""
    if target is not None:
        verdict = f"  (target {target:.1f} s: {'ok' if median <= target else 'OVER'})"
    return (
        f"{label:<22} median {median:6.3f} s   min {min(times):6.3f}   max {max(times):6.3f}"
        f"   n={len(times)}{verdict}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each measurement")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a frame")
    parser.add_argument("--skip-tui", action="store_true", help="only time `storyai --help`")
    args = parser.parse_args(argv)

    print(f"storyai: {' '.join(storyai_command())}   python {sys.version.split()[0]}")
    print(f"machine: {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="storyai-bench-") as tmp:
        env = clean_env(Path(tmp))
        time_help(1, env)  # the first run after an install compiles .pyc files: not counted
        print(line("storyai --help", time_help(args.runs, env), 0.3))
    if args.skip_tui:
        return
    if shutil.which("tmux") is None:
        print("tmux is not installed: the TUI's first frame is not measured")
        return
    cold, warm = time_tui(args.runs, args.timeout)
    print(line("TUI first frame, cold", cold, 1.0))
    print(line("TUI first frame, warm", warm, 1.0))


if __name__ == "__main__":
    main()
