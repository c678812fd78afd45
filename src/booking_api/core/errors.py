"""One error hierarchy, rendered exactly as Django REST Framework renders its exceptions."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """Base of every error the API answers with; ``body`` is the JSON sent to the client."""

    status_code = 500
    default_detail = "A server error occurred."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)

    @property
    def body(self) -> Any:
        return {"detail": self.detail}


class ValidationError(APIError):
    """400 with DRF's ``{"field": ["message"]}`` / ``{"non_field_errors": [...]}`` body."""

    status_code = 400

    def __init__(self, errors: dict[str, Any] | list[str] | str):
        if isinstance(errors, str):
            errors = {"non_field_errors": [errors]}
        elif isinstance(errors, list):
            errors = {"non_field_errors": errors}
        self.errors = errors
        super().__init__("Invalid input.")

    @property
    def body(self) -> Any:
        return self.errors


class ParseError(APIError):
    status_code = 400
    default_detail = "Malformed request."


class BadRequest(APIError):
    """A 400 whose body is given whole (the slots route answers ``{"error": ...}``)."""

    status_code = 400

    def __init__(self, body: Any):
        self._body = body
        super().__init__("Bad request.")

    @property
    def body(self) -> Any:
        return self._body


class NotAuthenticated(APIError):
    status_code = 401
    default_detail = "Authentication credentials were not provided."


class AuthenticationFailed(APIError):
    """simplejwt's token errors: ``detail`` plus ``code`` and, for bearer tokens, ``messages``."""

    status_code = 401
    default_detail = "Incorrect authentication credentials."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        messages: list[dict[str, str]] | None = None,
    ):
        self.code = code
        self.messages = messages
        super().__init__(detail)

    @property
    def body(self) -> Any:
        body: dict[str, Any] = {"detail": self.detail}
        if self.code:
            body["code"] = self.code
        if self.messages:
            body["messages"] = self.messages
        return body


class PermissionDenied(APIError):
    status_code = 403
    default_detail = "You do not have permission to perform this action."


class NotFound(APIError):
    status_code = 404
    default_detail = "Not found."

    @classmethod
    def model(cls, model_name: str) -> NotFound:
        return cls(f"No {model_name} matches the given query.")


class MethodNotAllowed(APIError):
    status_code = 405

    def __init__(self, method: str, allowed: list[str] | None = None):
        headers = {"Allow": ", ".join(allowed)} if allowed else None
        super().__init__(f'Method "{method}" not allowed.', headers=headers)


class UnsupportedMediaType(APIError):
    status_code = 415

    def __init__(self, media_type: str):
        super().__init__(f'Unsupported media type "{media_type}" in request.')


class Throttled(APIError):
    status_code = 429

    def __init__(self, wait: int | None = None):
        detail = "Request was throttled."
        headers = None
        if wait is not None:
            unit = "second" if wait == 1 else "seconds"
            detail = f"Request was throttled. Expected available in {wait} {unit}."
            headers = {"Retry-After": str(wait)}
        super().__init__(detail, headers=headers)


class PayloadTooLarge(APIError):
    """413: a body beyond ``MAX_REQUEST_BODY_BYTES`` (refused before it is read, if declared)."""

    status_code = 413

    def __init__(self, limit: int):
        super().__init__(f"Request body is too large: the limit is {limit} bytes.")


class ClientClosedRequest(APIError):
    """The client hung up before its request was read (nginx's 499): nobody reads the answer;
    the access line records it, no error is logged."""

    status_code = 499
    default_detail = "Client closed request."


class ServiceUnavailable(APIError):
    """503 with DRF's text; ``Retry-After`` tells clients when to try again."""

    status_code = 503
    default_detail = "Service temporarily unavailable, try again later."

    def __init__(self, retry_after: int):
        super().__init__(headers={"Retry-After": str(retry_after)})
