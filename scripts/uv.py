#!/usr/bin/env python3
"""Run uv, fetching it first when this machine has none: ``python3 scripts/uv.py ARGS...``.

Needs nothing but Python (3.8 or later) and its standard library: no pip, no venv, so a stock
Debian or Ubuntu ``python3`` will do (there ``python3 -m pip install uv`` is refused as an
"externally-managed-environment", or pip is missing altogether).

* ``uv`` on PATH: it is run with the given arguments.
* Otherwise the uv wheel for this platform is downloaded from the package index (PyPI, or the
  index named by ``UV_DEFAULT_INDEX`` or ``PIP_INDEX_URL``), checked against the sha256 the
  index gives for it, and the uv binary inside is unpacked into a cache folder
  (``$XDG_CACHE_HOME/booking-assistant/uv-VERSION/``, else ``~/.cache/...``) and run from there.
  Later runs use the cached binary without the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

UV_VERSION = "0.13.9"
DEFAULT_INDEX = "https://pypi.org/simple"
JSON_INDEX = "application/vnd.pypi.simple.v1+json"  # PEP 691; HTML (PEP 503) is the fallback
TIMEOUT = 60  # seconds without progress before a download gives up


class Machine(NamedTuple):
    """What a wheel's platform tag is matched against."""

    system: str  # "linux" | "darwin" | "windows"
    arch: str  # as wheel tags spell it: x86_64, aarch64, i686, armv7l, arm64, amd64, ...
    libc: str = ""  # on Linux: "glibc" or "musl"
    version: tuple[int, int] = (0, 0)  # glibc's version on Linux, the OS's on macOS


class BootstrapError(Exception):
    """Why uv could not be fetched, in words for the person who ran the script."""


def this_machine() -> Machine:
    system = platform.system().lower()
    machine = platform.machine().lower()
    is_64bit = sys.maxsize > 2**32
    if system == "windows":
        arch = {"amd64": "amd64", "x86_64": "amd64", "arm64": "arm64"}.get(machine, "win32")
        return Machine("windows", arch if is_64bit else "win32")
    if system == "darwin":
        major, minor = (platform.mac_ver()[0].split(".") + ["0"])[:2]
        return Machine("darwin", machine, version=(int(major or 0), int(minor or 0)))
    arch = {"amd64": "x86_64", "arm64": "aarch64", "i386": "i686", "i586": "i686"}.get(
        machine, machine
    )
    if not is_64bit:  # a 32-bit Python on a 64-bit kernel runs 32-bit binaries only
        arch = {"x86_64": "i686", "aarch64": "armv7l"}.get(arch, arch)
    libc, libc_version = platform.libc_ver()
    if libc == "glibc":
        major, minor = (libc_version.split(".") + ["0"])[:2]
        return Machine("linux", arch, "glibc", (int(major), int(minor)))
    return Machine("linux", arch, "musl")


_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def runs_on(tag: str, machine: Machine) -> bool:
    """Whether a wheel's platform tag (``manylinux_2_17_x86_64``, ``win_amd64``...) fits."""
    if machine.system == "windows":
        return tag == ("win32" if machine.arch == "win32" else f"win_{machine.arch}")
    if machine.system == "darwin":
        found = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
        return bool(found) and (
            (int(found[1]), int(found[2])) <= machine.version
            and found[3] in (machine.arch, "universal2")
        )
    if tag == f"linux_{machine.arch}":
        return True
    found = re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)", tag)
    if found:
        needs, arch = _LEGACY_MANYLINUX[found[1]], found[2]
        return machine.libc == "glibc" and arch == machine.arch and needs <= machine.version
    found = re.fullmatch(r"(manylinux|musllinux)_(\d+)_(\d+)_(\w+)", tag)
    if not found or found[4] != machine.arch:
        return False
    if found[1] == "musllinux":
        return machine.libc == "musl"
    return machine.libc == "glibc" and (int(found[2]), int(found[3])) <= machine.version


def pick_wheel(files: list[dict], version: str, machine: Machine) -> dict | None:
    """The index entry of the uv ``version`` wheel for ``machine``, or ``None``."""
    prefix = f"uv-{version}-"
    for entry in files:
        name = entry["filename"]
        if not (name.startswith(prefix) and name.endswith(".whl")):
            continue
        platforms = name[: -len(".whl")].split("-")[-1].split(".")
        if any(runs_on(tag, machine) for tag in platforms):
            return entry
    return None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def index_files(index: str) -> list[dict]:
    """uv's files on a simple index: ``[{"filename", "url", "hashes": {"sha256"}}]``."""
    page = index.rstrip("/") + "/uv/"
    request = urllib.request.Request(page, headers={"Accept": f"{JSON_INDEX}, text/html;q=0.1"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            kind = response.headers.get("Content-Type", "")
            body = response.read()
    except OSError as exc:
        raise BootstrapError(f"cannot read the package index {page}: {exc}") from exc
    if kind.startswith(JSON_INDEX):
        files = json.loads(body)["files"]
        for entry in files:
            entry["url"] = urllib.parse.urljoin(page, entry["url"])
        return files
    links = _Links()
    links.feed(body.decode("utf-8", "replace"))
    files = []
    for href in links.hrefs:
        url, _, fragment = urllib.parse.urljoin(page, href).partition("#")
        algorithm, _, digest = fragment.partition("=")
        name = urllib.parse.unquote(url.rsplit("/", 1)[-1])
        files.append({"filename": name, "url": url, "hashes": {algorithm: digest}})
    return files


def download(entry: dict, target: Path) -> None:
    """Fetch the file to ``target``, refusing it unless its sha256 is the index's."""
    expected = (entry.get("hashes") or {}).get("sha256")
    if not expected:
        raise BootstrapError(f"the index gives no sha256 for {entry['filename']}")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(entry["url"], timeout=TIMEOUT) as response:  # noqa: S310
            with target.open("wb") as out:
                while True:
                    chunk = response.read(1 << 20)
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
    except OSError as exc:
        raise BootstrapError(f"cannot download {entry['url']}: {exc}") from exc
    if digest.hexdigest() != expected:
        raise BootstrapError(
            f"{entry['filename']}: sha256 {digest.hexdigest()} is not the index's {expected}"
        )


def cache_dir() -> Path:
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "booking-assistant" / f"uv-{UV_VERSION}"


def fetch_uv(folder: Path) -> Path:
    """Download, check and unpack uv into ``folder``; returns the binary's path."""
    exe = "uv.exe" if os.name == "nt" else "uv"
    index = os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX
    machine = this_machine()
    entry = pick_wheel(index_files(index), UV_VERSION, machine)
    if entry is None:
        raise BootstrapError(
            f"no uv {UV_VERSION} wheel on {index} fits this machine ({machine}); "
            "install uv by hand (https://docs.astral.sh/uv/) and run again"
        )
    print(f"uv is not installed: fetching {entry['filename']} from {index}", file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        wheel = Path(work) / "uv.whl"
        download(entry, wheel)
        with zipfile.ZipFile(wheel) as archive:
            member = next(
                (
                    name
                    for name in archive.namelist()
                    if re.fullmatch(rf"uv-[^/]+\.data/scripts/{re.escape(exe)}", name)
                ),
                None,
            )
            if member is None:
                raise BootstrapError(f"{entry['filename']} holds no {exe}")
            unpacked = Path(work) / exe
            with archive.open(member) as source, unpacked.open("wb") as out:
                shutil.copyfileobj(source, out)
        unpacked.chmod(0o755)
        os.replace(unpacked, folder / exe)  # atomic: a half-written binary is never run
    return folder / exe


def find_uv() -> Path:
    on_path = shutil.which("uv")
    if on_path:
        return Path(on_path)
    cached = cache_dir() / ("uv.exe" if os.name == "nt" else "uv")
    return cached if cached.is_file() else fetch_uv(cached.parent)


def main(args: list[str]) -> int:
    try:
        uv = find_uv()
    except BootstrapError as exc:
        print(f"scripts/uv.py: {exc}", file=sys.stderr)
        return 1
    if os.name == "nt":
        return subprocess.call([str(uv), *args])
    os.execv(uv, [str(uv), *args])  # replaces this process: uv's exit code is the script's


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
