"""``download_srd``: fetch the pinned SRD files, verify each, install all or nothing.

Files come from ``raw.githubusercontent.com`` at the pinned commits, or from a
mirror laid out like ``../shared/srd_data`` (``<base_url>/<folder>/<path>``).
Only ``https://`` is allowed, plus plain ``http://`` to this machine
(``127.0.0.1``/``localhost``) for tests and local mirrors. Every file must have
its pinned size and SHA-256; they are written to a temporary folder beside
``dest`` and moved into place only when all of them check out.
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.srd.manifest import FILES, UPSTREAMS, PinnedFile

Progress = Callable[[str, int, int], None]

CHUNK = 64 * 1024
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NETWORK_HINT = "Check the connection, or copy the SRD data onto this machine and use --from PATH."


def download_srd(
    dest: Path,
    *,
    base_url: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30,
) -> Path:
    """Download every file :func:`read_srd` needs into ``dest``; returns ``dest``.

    Raises:
        ImportRefused: An unsafe URL, a network error, or a file whose size or
            checksum is not the pinned one. ``dest`` is then left as it was.
    """
    dest = Path(dest)
    urls = [(pinned, file_url(pinned, base_url)) for pinned in FILES]
    for _, url in urls:
        check_url(url)
    if dest.exists() and not dest.is_dir():
        raise ImportRefused(f"{dest}: exists and is not a folder; nothing was downloaded")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.download-", dir=dest.parent))
    try:
        opener = _opener()
        for pinned, url in urls:
            target = staging / pinned.upstream.folder / pinned.path
            target.parent.mkdir(parents=True, exist_ok=True)
            _fetch(opener, url, pinned, target, progress, timeout)
        _install(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def file_url(pinned: PinnedFile, base_url: str | None) -> str:
    """Where one pinned file is downloaded from."""
    if base_url is None:
        u = pinned.upstream
        return f"https://raw.githubusercontent.com/{u.owner}/{u.repo}/{u.commit}/{pinned.path}"
    return f"{base_url.rstrip('/')}/{pinned.upstream.folder}/{pinned.path}"


def check_url(url: str) -> None:
    """Refuse anything but ``https://`` and ``http://`` to this machine."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise ImportRefused(f"{url}: not a valid URL; nothing was downloaded") from None
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        return
    raise ImportRefused(
        f"{url}: refused; the SRD is only downloaded over https:// "
        "(or http:// from 127.0.0.1/localhost); nothing was downloaded",
        hint="Use an https:// mirror, or copy the data here and use --from PATH.",
    )


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL we would have accepted in the first place."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _LoopbackWithoutProxy(urllib.request.ProxyHandler):
    """Use the environment's proxy settings, except for this machine."""

    def proxy_open(self, req, proxy, type):  # type: ignore[override]
        if (req.host.rsplit(":", 1)[0].strip("[]")).lower() in LOCAL_HOSTS:
            return None
        return super().proxy_open(req, proxy, type)


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_LoopbackWithoutProxy(), _SafeRedirects())


def _fetch(
    opener: urllib.request.OpenerDirector,
    url: str,
    pinned: PinnedFile,
    target: Path,
    progress: Progress | None,
    timeout: float,
) -> None:
    label = pinned.label
    digest = hashlib.sha256()
    done = 0
    request = urllib.request.Request(url, headers={"User-Agent": "storyai-srd-download"})
    try:
        with opener.open(request, timeout=timeout) as response, target.open("wb") as out:
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > pinned.size:
                raise _too_big(label, pinned)
            if progress is not None:
                progress(label, 0, pinned.size)
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                done += len(chunk)
                if done > pinned.size:
                    raise _too_big(label, pinned)
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    progress(label, done, pinned.size)
    except urllib.error.HTTPError as exc:
        raise ImportRefused(
            f"could not download {url}: HTTP {exc.code} {exc.reason}; nothing was installed",
            hint=NETWORK_HINT,
        ) from None
    except urllib.error.URLError as exc:
        raise ImportRefused(
            f"could not reach {url}: {_reason(exc.reason)}; nothing was installed",
            hint=NETWORK_HINT,
        ) from None
    except TimeoutError:
        raise ImportRefused(
            f"could not reach {url}: no answer within {timeout:g} s; nothing was installed",
            hint=NETWORK_HINT,
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        raise ImportRefused(
            f"could not download {url}: {_reason(exc)}; nothing was installed",
            hint=NETWORK_HINT,
        ) from None
    got = digest.hexdigest()
    if done != pinned.size or got != pinned.sha256:
        raise ImportRefused(
            f"{label}: checksum mismatch (expected SHA-256 {pinned.sha256}, got {got}); "
            "nothing was installed",
            hint="The download was damaged or the server has other files; try again later.",
        )


def _too_big(label: str, pinned: PinnedFile) -> ImportRefused:
    return ImportRefused(
        f"{label}: larger than the pinned {pinned.size:,} bytes; nothing was installed",
        hint="The server does not have the expected SRD files.",
    )


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[0].lower() + reason.strerror[1:]
    text = str(reason) or type(reason).__name__
    return text[0].lower() + text[1:]


def _install(staging: Path, dest: Path) -> None:
    """Move each source folder from ``staging`` into ``dest``, replacing older copies."""
    dest.mkdir(parents=True, exist_ok=True)
    for upstream in UPSTREAMS:
        new, final = staging / upstream.folder, dest / upstream.folder
        old = staging / f"old-{upstream.folder}"
        if final.exists():
            final.rename(old)
        try:
            new.rename(final)
        except OSError as exc:
            if old.exists():
                old.rename(final)
            raise ImportRefused(
                f"{final}: could not be written ({_reason(exc)}); nothing was installed"
            ) from None
