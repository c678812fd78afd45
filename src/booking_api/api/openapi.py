"""OpenAPI pieces shared by the routers: error bodies and hand-registered request schemas;
the documentation pages (Swagger UI at /api/docs/, ReDoc at /api/redoc/)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

# Request bodies are validated with DRF's rules (core/fields.py), not by FastAPI, so their
# schemas are registered here and merged into the document by ``install_openapi``.
_SCHEMAS: dict[str, dict[str, Any]] = {}


def register_schema(name: str, schema: dict[str, Any]) -> dict[str, str]:
    _SCHEMAS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


# Error bodies, as the API sends them (core/errors.py): only what is always there is required.
_DETAIL = register_schema(
    "Detail",
    {
        "type": "object",
        "properties": {
            "detail": {
                "type": "string",
                "examples": ["You do not have permission to perform this action."],
            }
        },
        "required": ["detail"],
    },
)
_AUTHENTICATION_ERROR = register_schema(
    "AuthenticationError",
    {
        "type": "object",
        "description": "No credentials: `detail` alone (so are wrong credentials at "
        "`/api/token/`). A refused token: `code` too, and `messages` for a bearer token.",
        "properties": {
            "detail": {"type": "string", "examples": ["Given token not valid for any token type"]},
            "code": {"type": "string", "examples": ["token_not_valid"]},
            "messages": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "required": ["detail"],
    },
)
_MESSAGES = {"type": "array", "items": {"type": "string"}}
_FIELD_ERRORS = register_schema(
    "FieldErrors",
    {
        "type": "object",
        "description": '`{"field": ["message", ...], "non_field_errors": [...]}` (DRF\'s '
        'ValidationError); a body that cannot be parsed: `{"detail": "JSON parse error - ..."}`;'
        ' the free-time routes\' own `{"error": "..."}`.',
        "properties": {"non_field_errors": _MESSAGES, "detail": {"type": "string"}},
        "additionalProperties": {"anyOf": [_MESSAGES, {"type": "string"}]},
        "examples": [
            {
                "start_time": ["This field is required."],
                "non_field_errors": ["Выбранное время уже занято."],
            }
        ],
    },
)


def _body(ref: dict[str, str], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


_ERROR_DOCS: dict[int, dict[str, Any]] = {
    400: _body(_FIELD_ERRORS, "Validation error (DRF format)"),
    401: _body(_AUTHENTICATION_ERROR, "Missing or invalid credentials"),
    403: _body(_DETAIL, "Not allowed for this user"),
    404: _body(_DETAIL, "No such object (or not visible to this user)"),
    405: _body(_DETAIL, "Method not allowed"),
    409: _body(_DETAIL, "Conflict"),
    415: _body(_DETAIL, "Unsupported media type"),
    429: _body(_DETAIL, "Throttled"),
}


def ERRORS(*codes: int) -> dict[int | str, dict[str, Any]]:  # noqa: N802 - reads like a constant
    return {code: _ERROR_DOCS[code] for code in codes}


def _describe_what_is_sent(schema: dict[str, Any]) -> None:
    """FastAPI declares a 422 for parameters it validates; this API never sends one (a bad
    query parameter is DRF's 400, a bad path parameter its 404). And any operation answers a
    bearer token that is not valid with 401, public ones too (contract section 2). An error
    a route describes in its own words gets the body schema of its status."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None:
                places = {p.get("in") for p in operation.get("parameters", [])}
                if "query" in places:
                    responses.setdefault("400", _ERROR_DOCS[400])
                if "path" in places:
                    responses.setdefault("404", _ERROR_DOCS[404])
            responses.setdefault("401", _ERROR_DOCS[401])
            for code, response in responses.items():  # a route's own words, the shared schema
                known = _ERROR_DOCS.get(int(code)) if code.isdigit() else None
                if known is not None and "content" not in response:
                    response["content"] = known["content"]
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.get("components", {}).get("schemas", {})
    text = str(schema.get("paths"))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{name}'" not in text:
            components.pop(name, None)


def install_openapi(app: Any) -> None:
    """Merge the registered request schemas and the bearer scheme into the generated document."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {}).update(_SCHEMAS)
        _describe_what_is_sent(schema)
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
