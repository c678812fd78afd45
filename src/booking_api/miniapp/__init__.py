"""The Telegram Mini App, served at ``/app/``.

``static/`` is the page built from ``web/miniapp/`` (``npm ci && npm run build``), committed so
that running the service needs no Node.js. The page signs in with Telegram's ``initData`` and
then uses the REST API like any client, from the same origin (no CORS needed).

Caching: ``index.html`` and the unversioned ``telegram-web-app.js`` are revalidated on every
open (``no-cache`` with ETags); everything under ``assets/`` carries a content hash in its name
and is cached for a year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/app"

# Telegram Web shows Mini Apps in an iframe; nothing else may frame the page.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'self' https://web.telegram.org; base-uri 'none'; form-action 'none'"
)


class MiniAppFiles(StaticFiles):
    """Static files with the page's cache and security headers."""

    def file_response(
        self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if Path(full_path).parent.name == "assets":
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_miniapp(app: FastAPI) -> None:
    """Serve the built page at ``/app/`` (``/app`` is redirected there like any route)."""
    app.mount(
        PREFIX, MiniAppFiles(directory=STATIC_DIR, html=True, check_dir=False), name="miniapp"
    )
