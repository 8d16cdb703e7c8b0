"""download_srd against a local HTTP server on 127.0.0.1 serving ../shared/srd_data.

Nothing here reaches the internet: every test runs with connections to anything
but this machine failing the test.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.srd import download_srd, read_srd
from storyai.core.importers.srd.download import file_url
from storyai.core.importers.srd.manifest import FILES

MONSTERS = "5e-database/src/2014/en/5e-SRD-Monsters.json"
Alter = Callable[[str, bytes], bytes]


@pytest.fixture(autouse=True)
def only_this_machine(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fail the test if anything tries to connect anywhere but 127.0.0.1."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> object:
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1"):
            pytest.fail(f"tried to connect to {address!r}")
        return real_connect(self, address)

    def create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> object:
        attempts.append(address)
        if address[0] not in ("127.0.0.1", "localhost", "::1"):
            pytest.fail(f"tried to connect to {address!r}")
        return real_create_connection(address, *args, **kwargs)

    real_create_connection = socket.create_connection
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts


class _Handler(SimpleHTTPRequestHandler):
    alter: Alter | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.alter is None:
            return super().do_GET()
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return self.send_error(404)
        label = self.path.lstrip("/")
        body = self.alter(label, path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(root: Path, alter: Alter | None = None) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"alter": staticmethod(alter) if alter else None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_pinned_hashes_are_those_of_the_shared_files(srd_data: Path) -> None:
    assert len(FILES) == 27
    for pinned in FILES:
        data = (srd_data / pinned.label).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (pinned.size, pinned.sha256)


def test_default_urls_are_github_raw_at_the_pinned_commits() -> None:
    urls = [file_url(pinned, None) for pinned in FILES]
    assert urls[0] == (
        "https://raw.githubusercontent.com/5e-bits/5e-database/"
        "bfd3db4bcc31699cce703b46feb9af3f0ff08999/src/2014/en/5e-SRD-Monsters.json"
    )
    assert (
        "https://raw.githubusercontent.com/open5e/open5e-api/"
        "7d44bb0ef62dfe3354c5b293faff62e3d215bcf8/data/v2/wizards-of-the-coast/srd-2024/"
        "Creature.json"
    ) in urls


def test_download_then_read_gives_the_same_entries(srd_data: Path, tmp_path: Path) -> None:
    dest = tmp_path / "srd"
    calls: list[tuple[str, int, int]] = []
    with serve(srd_data) as url:
        got = download_srd(dest, base_url=url + "/", progress=lambda *a: calls.append(a))
    assert got == dest
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.json")) == sorted(
        pinned.label for pinned in FILES
    )
    finished = {label: done for label, done, total in calls if done == total}
    assert finished == {pinned.label: pinned.size for pinned in FILES}
    assert [p.name for p in tmp_path.iterdir()] == ["srd"]  # no staging folder left

    downloaded, shared = read_srd(dest), read_srd(srd_data)
    assert downloaded.entries == shared.entries
    assert downloaded.counts == shared.counts


def test_a_second_download_replaces_the_first(srd_data: Path, tmp_path: Path) -> None:
    dest = tmp_path / "srd"
    (dest / "notes.txt").parent.mkdir()
    (dest / "notes.txt").write_text("mine")
    with serve(srd_data) as url:
        download_srd(dest, base_url=url)
        download_srd(dest, base_url=url)
    assert (dest / "notes.txt").read_text() == "mine"
    assert len(list(dest.rglob("*.json"))) == len(FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["srd"]


def _flip_one_byte(label: str, data: bytes) -> bytes:
    if label != MONSTERS:
        return data
    return data[:100] + bytes([data[100] ^ 1]) + data[101:]


def test_an_altered_file_is_a_checksum_error_and_nothing_is_installed(
    srd_data: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "srd"
    with serve(srd_data, alter=_flip_one_byte) as url, pytest.raises(ImportRefused) as refused:
        download_srd(dest, base_url=url)
    message = refused.value.message
    pinned = next(p for p in FILES if p.label == MONSTERS)
    assert message.startswith(f"{MONSTERS}: checksum mismatch (expected SHA-256 {pinned.sha256}")
    assert message.endswith("; nothing was installed")
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_download_leaves_an_existing_copy_as_it_was(
    srd_data: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "srd"
    with serve(srd_data) as url:
        download_srd(dest, base_url=url)
    before = {p: p.stat().st_mtime_ns for p in dest.rglob("*")}
    with serve(srd_data, alter=_flip_one_byte) as url, pytest.raises(ImportRefused):
        download_srd(dest, base_url=url)
    assert {p: p.stat().st_mtime_ns for p in dest.rglob("*")} == before
    assert [p.name for p in tmp_path.iterdir()] == ["srd"]


def test_a_file_larger_than_pinned_is_refused(srd_data: Path, tmp_path: Path) -> None:
    def padded(label: str, data: bytes) -> bytes:
        return data + b" " * 10 if label == MONSTERS else data

    with serve(srd_data, alter=padded) as url, pytest.raises(ImportRefused) as refused:
        download_srd(tmp_path / "srd", base_url=url)
    assert refused.value.message.startswith(f"{MONSTERS}: larger than the pinned 1,340,631 bytes")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_file_on_the_server_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    with serve(tmp_path / "mirror") as url, pytest.raises(ImportRefused) as refused:
        download_srd(tmp_path / "srd", base_url=url)
    assert refused.value.message == (
        f"could not download {url}/{MONSTERS}: HTTP 404 File not found; nothing was installed"
    )


def test_a_server_that_is_down_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ImportRefused) as refused:
        download_srd(tmp_path / "srd", base_url=f"http://127.0.0.1:{port}")
    assert refused.value.message == (
        f"could not reach http://127.0.0.1:{port}/{MONSTERS}: connection refused; "
        "nothing was installed"
    )
    assert "--from PATH" in (refused.value.hint or "")
    assert not (tmp_path / "srd").exists()


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(ImportRefused) as refused:
            download_srd(tmp_path / "srd", base_url=f"http://127.0.0.1:{port}", timeout=0.2)
    assert refused.value.message.startswith(f"could not reach http://127.0.0.1:{port}/")
    assert "0.2 s" in refused.value.message or "timed out" in refused.value.message


@pytest.mark.parametrize(
    "base_url",
    ["http://example.com", "http://10.0.0.1:8000", "ftp://example.com/srd", "file:///etc"],
)
def test_unsafe_urls_are_refused_without_connecting(
    base_url: str, tmp_path: Path, only_this_machine: list[object]
) -> None:
    with pytest.raises(ImportRefused) as refused:
        download_srd(tmp_path / "srd", base_url=base_url)
    assert refused.value.message.startswith(f"{base_url}/{MONSTERS}: refused")
    assert only_this_machine == []
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_to_plain_http_elsewhere_is_refused(
    srd_data: Path, tmp_path: Path, only_this_machine: list[object]
) -> None:
    class Redirect(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://example.com/evil.json")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(ImportRefused, match=r"^http://example.com/evil.json: refused"):
            download_srd(tmp_path / "srd", base_url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert all(address[0] == "127.0.0.1" for address in only_this_machine)  # type: ignore[index]
    assert list(tmp_path.iterdir()) == []
