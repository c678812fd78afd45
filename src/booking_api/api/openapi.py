"""OpenAPI pieces shared by the routers: error bodies and hand-registered request schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

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
