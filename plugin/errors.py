"""Errors the plugin raises; werkzeug HTTP exceptions so a host can restyle them."""
from __future__ import annotations

from typing import Any

from werkzeug import exceptions


class CustomerGroupsError(exceptions.HTTPException):
    """Carries the machine-readable ``error_code`` and per-field messages of SPEC §4."""

    error_code = "error"

    def __init__(self, message: str | None = None, *, fields: dict[str, Any] | None = None):
        super().__init__(description=message)
        self.fields = fields or {}

    def payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.error_code, "message": self.description}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


class BadRequest(CustomerGroupsError, exceptions.BadRequest):
    error_code = "bad_request"


class Unauthorized(CustomerGroupsError, exceptions.Unauthorized):
    error_code = "unauthorized"


class PlanRequired(CustomerGroupsError, exceptions.Forbidden):
    error_code = "plan_required"


class NotFound(CustomerGroupsError, exceptions.NotFound):
    error_code = "not_found"


class Conflict(CustomerGroupsError, exceptions.Conflict):
    error_code = "conflict"


class Unavailable(CustomerGroupsError, exceptions.ServiceUnavailable):
    error_code = "unavailable"


class ValidationFailed(CustomerGroupsError, exceptions.UnprocessableEntity):
    error_code = "validation_error"

    @classmethod
    def on(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", fields={field: [message]})

    @classmethod
    def from_engine(cls, error: Any) -> ValidationFailed:
        """The pricing engine's error (a field path such as ``lines[2].quantity`` and a message)."""
        return cls.on(error.field or "body", error.message)
