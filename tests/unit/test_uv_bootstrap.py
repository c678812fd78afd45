"""scripts/uv.py: which wheel it picks, and its download path against a package index served
on loopback (the real index is not needed: the wheel here is a stand-in that echoes)."""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import io
import json
import os
import platform
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "uv.py"

_spec = importlib.util.spec_from_file_location("uv_bootstrap", SCRIPT)
assert _spec and _spec.loader
uv_bootstrap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(uv_bootstrap)
Machine = uv_bootstrap.Machine
VERSION = uv_bootstrap.UV_VERSION

# The platform parts of uv's real wheel names (uv 0.13.9 on PyPI).
REAL_PLATFORMS = [
    "linux_armv6l",
    "macosx_10_12_x86_64",
    "macosx_11_0_arm64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
    "manylinux_2_17_armv7l.manylinux2014_armv7l.musllinux_1_1_armv7l",
    "manylinux_2_17_armv7l.manylinux2014_armv7l",
    "manylinux_2_17_i686.manylinux2014_i686",
    "manylinux_2_17_ppc64le.manylinux2014_ppc64le",
    "manylinux_2_17_s390x.manylinux2014_s390x",
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_28_aarch64",
    "manylinux_2_31_riscv64.musllinux_1_1_riscv64",
    "manylinux_2_31_riscv64",
    "musllinux_1_1_i686",
    "musllinux_1_1_x86_64",
    "win32",
    "win_amd64",
    "win_arm64",
]


def entries(version: str = VERSION) -> list[dict]:
    files = [{"filename": f"uv-{version}-py3-none-{p}.whl"} for p in REAL_PLATFORMS]
    return [*files, {"filename": f"uv-{version}.tar.gz"}]


@pytest.mark.parametrize(
    ("machine", "chosen"),
    [
        (Machine("linux", "x86_64", "glibc", (2, 36)), "manylinux_2_17_x86_64"),
        (Machine("linux", "x86_64", "musl"), "musllinux_1_1_x86_64"),
        (Machine("linux", "aarch64", "glibc", (2, 17)), "manylinux_2_17_aarch64"),
        (Machine("linux", "aarch64", "musl"), "musllinux_1_1_aarch64"),
        (Machine("linux", "riscv64", "glibc", (2, 39)), "manylinux_2_31_riscv64"),
        (Machine("linux", "armv6l", "glibc", (2, 31)), "linux_armv6l"),
        (Machine("darwin", "arm64", version=(14, 2)), "macosx_11_0_arm64"),
        (Machine("darwin", "x86_64", version=(10, 15)), "macosx_10_12_x86_64"),
        (Machine("windows", "amd64"), "win_amd64"),
        (Machine("windows", "win32"), "win32"),
    ],
)
def test_the_wheel_for_each_machine(machine, chosen) -> None:
    entry = uv_bootstrap.pick_wheel(entries(), VERSION, machine)
    assert entry is not None and chosen in entry["filename"].split("-")[-1].split(".")


@pytest.mark.parametrize(
    "machine",
    [
        Machine("linux", "x86_64", "glibc", (2, 12)),  # glibc older than any wheel needs
        Machine("linux", "riscv64", "glibc", (2, 28)),
        Machine("linux", "mips", "glibc", (2, 36)),
        Machine("darwin", "arm64", version=(10, 15)),
    ],
)
def test_no_wheel_for_an_unknown_machine(machine) -> None:
    assert uv_bootstrap.pick_wheel(entries(), VERSION, machine) is None


def test_only_the_pinned_version() -> None:
    machine = Machine("linux", "x86_64", "glibc", (2, 36))
    assert uv_bootstrap.pick_wheel(entries("0.1.0"), VERSION, machine) is None


# ---------------------------------------------------------------- a package index on loopback


def fake_wheel(echo: str) -> bytes:
    """A wheel whose "uv" binary is a shell script printing ``echo`` and its arguments."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as wheel:
        wheel.writestr(f"uv-{VERSION}.dist-info/METADATA", f"Name: uv\nVersion: {VERSION}\n")
        script = zipfile.ZipInfo(f"uv-{VERSION}.data/scripts/uv")
        script.external_attr = 0o644 << 16  # not executable in the archive: the script sets it
        wheel.writestr(script, f'#!/bin/sh\necho "{echo}: $*"\n')
    return data.getvalue()


class Index:
    """A simple index (PEP 691 JSON or PEP 503 HTML) with uv's wheels for two platforms."""

    def __init__(self, html: bool = False, wrong_hash: bool = False) -> None:
        self.html, self.wrong_hash = html, wrong_hash
        self.requests: list[str] = []
        self.files = {
            f"uv-{VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": fake_wheel(
                "fake uv x86_64"
            ),
            f"uv-{VERSION}-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl": (
                fake_wheel("fake uv aarch64")
            ),
            f"uv-{VERSION}-py3-none-win_amd64.whl": fake_wheel("wrong platform"),
        }

    def page(self) -> tuple[str, bytes]:
        def digest(body: bytes) -> str:
            return hashlib.sha256(b"tampered" if self.wrong_hash else body).hexdigest()

        if self.html:
            links = "".join(
                f'<a href="../../files/{name}#sha256={digest(body)}">{name}</a>\n'
                for name, body in self.files.items()
            )
            return "text/html", f"<html><body>{links}</body></html>".encode()
        files = [
            {"filename": name, "url": f"/files/{name}", "hashes": {"sha256": digest(body)}}
            for name, body in self.files.items()
        ]
        return uv_bootstrap.JSON_INDEX, json.dumps({"files": files}).encode()

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                index.requests.append(self.path)
                if self.path == "/simple/uv/":
                    kind, body = index.page()
                elif self.path.startswith("/files/") and self.path[7:] in index.files:
                    kind, body = "application/octet-stream", index.files[self.path[7:]]
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(index: Index) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), index.handler())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/simple"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def run_script(tmp_path: Path, index_url: str, *args: str, path: str | None = None):
    """The script as a person runs it: no uv on PATH, an empty home."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    env = {
        "HOME": str(tmp_path / "home"),
        "PATH": path or str(empty),
        "UV_DEFAULT_INDEX": index_url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


needs_linux_x86_64 = pytest.mark.skipif(
    not (
        sys.platform == "linux"
        and platform.machine() == "x86_64"
        and platform.libc_ver()[0] == "glibc"
    ),
    reason="the stand-in wheels are for glibc Linux on x86_64",
)


@needs_linux_x86_64
@pytest.mark.parametrize("html", [False, True], ids=["json-index", "html-index"])
def test_without_uv_it_downloads_checks_caches_and_runs_it(tmp_path, serve, html) -> None:
    index = Index(html=html)
    url = serve(index)
    first = run_script(tmp_path, url, "run", "--no-dev", "pytest")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "fake uv x86_64: run --no-dev pytest\n"
    assert "fetching" in first.stderr
    cached = tmp_path / "cache" / "booking-assistant" / f"uv-{VERSION}" / "uv"
    assert cached.is_file() and os.access(cached, os.X_OK)
    assert index.requests == [
        "/simple/uv/",
        f"/files/uv-{VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ]
    # The second time: the cached binary, no network.
    second = run_script(tmp_path, url, "--version")
    assert second.returncode == 0 and second.stdout == "fake uv x86_64: --version\n"
    assert second.stderr == "" and len(index.requests) == 2


@needs_linux_x86_64
def test_a_wheel_whose_sha256_differs_is_refused(tmp_path, serve) -> None:
    url = serve(Index(wrong_hash=True))
    result = run_script(tmp_path, url, "--version")
    assert result.returncode == 1
    assert "sha256" in result.stderr and "is not the index's" in result.stderr
    assert not (tmp_path / "cache" / "booking-assistant" / f"uv-{VERSION}" / "uv").exists()
    assert result.stdout == ""


def test_an_unreachable_index_is_said_plainly(tmp_path, serve) -> None:
    url = serve(Index()).replace("/simple", "/nothing-here")
    result = run_script(tmp_path, url, "--version")
    assert result.returncode == 1
    assert "cannot read the package index" in result.stderr and "404" in result.stderr


def test_uv_on_path_is_used_as_it_is(tmp_path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    uv = bin_dir / "uv"
    uv.write_text('#!/bin/sh\necho "uv on PATH: $*"\n')
    uv.chmod(0o755)
    result = run_script(tmp_path, "http://127.0.0.1:9/simple", "sync", path=str(bin_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "uv on PATH: sync\n" and result.stderr == ""
