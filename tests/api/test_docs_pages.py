"""/api/docs/ and /api/redoc/ work without internet: their scripts and styles are served by the
API itself (from the fastapi-offline package); DOCS_USE_CDN=true loads them from the CDN."""

from __future__ import annotations

import re

import httpx

from booking_api.app import create_app

EXTERNAL = re.compile(r"""(?:src|href)=["']?(https?://[^"' >]+)""")
LOCAL = re.compile(r"""(?:src|href)=["']?(/[^"' >]+)""")


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def _page(http: httpx.AsyncClient, path: str) -> str:
    r = await http.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
    return r.text


async def test_docs_pages_load_their_assets_from_the_api(env):
    for path, assets in (
        ("/api/docs/", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/api/redoc/", {"redoc.standalone.js", "favicon.png"}),
    ):
        async with _client(env.app) as http:
            html = await _page(http, path)
            assert EXTERNAL.findall(html) == [], path  # nothing from a CDN or Google Fonts
            links = LOCAL.findall(html)
            assert {link.rsplit("/", 1)[1] for link in links} >= assets, links
            for link in links:
                r = await http.get(link)
                assert r.status_code == 200 and len(r.content) > 1000, link
                if link.endswith(".js"):
                    assert "javascript" in r.headers["content-type"]
                    assert r.headers.get("etag")  # browsers revalidate rather than refetch
            assert "/api/schema/" in html
            assert (await http.get("/api/schema/")).status_code == 200


async def test_docs_pages_can_use_the_cdn(env):
    app = create_app(env.settings.model_copy(update={"docs_use_cdn": True}), env.db)
    for path, script in (
        ("/api/docs/", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"),
        ("/api/redoc/", "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"),
    ):
        async with _client(app) as http:
            html = await _page(http, path)
        assert script in EXTERNAL.findall(html)
