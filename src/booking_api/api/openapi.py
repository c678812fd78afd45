"""OpenAPI pieces shared by the routers: error bodies and hand-registered request schemas;
the documentation pages (Swagger UI at /api/docs/, ReDoc at /api/redoc/)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

# Request bodies are validated with DRF's rules (core/fields.py), not by FastAPI, so their
# schemas are registered here and merged into the document by ``install_openapi``.
_SCHEMAS: dict[str, dict[str, Any]] = {}


def register_schema(name: str, schema: dict[str, Any]) -> dict[str, str]:
    _SCHEMAS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


class Detail(BaseModel):
    detail: str = Field(examples=["You do not have permission to perform this action."])


class TokenErrorBody(BaseModel):
    detail: str = Field(examples=["Given token not valid for any token type"])
    code: str = Field(examples=["token_not_valid"])
    messages: list[dict[str, str]] | None = None


class FieldErrors(BaseModel):
    """``{"field": ["message", ...], "non_field_errors": [...]}`` (DRF's ValidationError)."""

    model_config = {
        "extra": "allow",
        "json_schema_extra": {
            "example": {
                "start_time": ["This field is required."],
                "non_field_errors": ["Выбранное время уже занято."],
            }
        },
    }
    non_field_errors: list[str] | None = None


_ERROR_DOCS: dict[int, dict[str, Any]] = {
    400: {"model": FieldErrors, "description": "Validation error (DRF format)"},
    401: {"model": TokenErrorBody, "description": "Missing or invalid credentials"},
    403: {"model": Detail, "description": "Not allowed for this user"},
    404: {"model": Detail, "description": "No such object (or not visible to this user)"},
    405: {"model": Detail, "description": "Method not allowed"},
    409: {"model": Detail, "description": "Conflict"},
    415: {"model": Detail, "description": "Unsupported media type"},
    429: {"model": Detail, "description": "Throttled"},
}


def ERRORS(*codes: int) -> dict[int | str, dict[str, Any]]:  # noqa: N802 - reads like a constant
    return {code: _ERROR_DOCS[code] for code in codes}


def install_openapi(app: Any) -> None:
    """Merge the registered request schemas and the bearer scheme into the generated document."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {}).update(_SCHEMAS)
        components["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
        schema["security"] = [{"bearerAuth": []}, {}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


# --- the documentation pages -------------------------------------------------------------------

DOCS_URL, REDOC_URL = "/api/docs/", "/api/redoc/"
# Swagger UI's and ReDoc's files as the fastapi-offline package ships them, served from here so
# the pages work without internet; DOCS_USE_CDN=true loads them from the CDN instead.
DOCS_ASSETS_URL = "/api/docs/assets"
_CDN = {
    "swagger-ui-bundle.js": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
    "swagger-ui.css": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    "redoc.standalone.js": "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
    "favicon.png": "https://fastapi.tiangolo.com/img/favicon.png",
}


def install_docs(app: Any, *, use_cdn: bool) -> None:
    """Swagger UI and ReDoc over the app's schema (create the app with docs_url=None)."""
    if not use_cdn:
        app.mount(
            DOCS_ASSETS_URL,
            StaticFiles(directory=str(files("fastapi_offline") / "static")),
            name="docs-assets",
        )

    def asset(request: Request, name: str) -> str:
        if use_cdn:
            return _CDN[name]
        return f"{request.scope.get('root_path', '')}{DOCS_ASSETS_URL}/{name}"

    def schema_url(request: Request) -> str:
        return f"{request.scope.get('root_path', '')}{app.openapi_url}"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=schema_url(request),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
        )

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=schema_url(request),
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"),
            with_google_fonts=use_cdn,  # offline, ReDoc falls back to the system's fonts
        )
