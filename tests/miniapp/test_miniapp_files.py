"""The built Mini App as the API serves it at /app/: files, headers, budget (no browser)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from booking_api.app import create_app
from booking_api.miniapp import STATIC_DIR
from kit.api import make_settings

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "web" / "miniapp" / "src" / "locales"
JS_BUDGET_GZIP = 100 * 1024


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def built_files() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


async def test_the_page_is_served_at_app(http: httpx.AsyncClient) -> None:
    page = await http.get("/app/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert (
        "frame-ancestors 'self' https://web.telegram.org"
        in (page.headers["content-security-policy"])
    )
    assert '<div id="app">' in page.text

    moved = await http.get("/app")
    assert moved.status_code == 301 and moved.headers["location"] == "/app/"

    # Everything the page names is there; hashed assets are cached for good.
    names = re.findall(r'(?:src|href)="\./([^"]+)"', page.text)
    assert "telegram-web-app.js" in names
    assert any(n.startswith("assets/app-") and n.endswith(".js") for n in names)
    for name in names:
        asset = await http.get(f"/app/{name}")
        assert asset.status_code == 200, name
        expected = (
            "public, max-age=31536000, immutable" if name.startswith("assets/") else "no-cache"
        )
        assert asset.headers["cache-control"] == expected, name
    assert (await http.get("/app/assets/missing.js")).status_code == 404


def test_nothing_is_loaded_from_elsewhere() -> None:
    """No CDN at run time: scripts, styles and the catalogue come from the API's own origin."""
    page = (STATIC_DIR / "index.html").read_text()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    for path in built_files():
        if path.suffix in (".js", ".css"):
            assert "telegram.org/js" not in path.read_text(), path


def test_the_javascript_budget() -> None:
    """The issue's budget: the page's JavaScript at most 100 KB gzipped (bench/miniapp_budget.py
    reports the figure)."""
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in built_files() if p.suffix == ".js")
    assert 0 < total <= JS_BUDGET_GZIP, total


def test_both_languages_have_every_text() -> None:
    ru = json.loads((LOCALES / "ru.json").read_text())
    en = json.loads((LOCALES / "en.json").read_text())
    assert ru.keys() == en.keys()
    cyrillic = re.compile(r"[\u0400-\u04FF]")
    assert not [key for key, text in en.items() if cyrillic.search(text)]
    assert all(text.strip() for text in [*ru.values(), *en.values()])


def test_the_contract_texts_are_shown_as_they_are_to_russian_readers() -> None:
    """The API's refusals reach a Russian reader word for word (the catalogue holds them)."""
    from booking_api.appointments.service import TAKEN

    ru = json.loads((LOCALES / "ru.json").read_text())
    assert ru["err_taken"] == TAKEN
