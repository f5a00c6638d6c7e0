"""Domain errors. Each carries the HTTP status and problem type it maps to, so domain code
stays free of the web framework while the API renders every error the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class TalentMeshError(Exception):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}


class BadRequestError(TalentMeshError):
    pass


class AuthenticationError(TalentMeshError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class PermissionDeniedError(TalentMeshError):
    status = 403
    slug = "forbidden"
    title = "Missing scope"


class NotFoundError(TalentMeshError):
    status = 404
    slug = "not-found"
    title = "Not found"


class ConflictError(TalentMeshError):
    status = 409
    slug = "conflict"
    title = "Conflict"

    def __init__(self, detail: str, *, existing_id: object | None = None) -> None:
        super().__init__(detail, extra={"existing_id": str(existing_id)} if existing_id else None)


class PayloadTooLargeError(TalentMeshError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaTypeError(TalentMeshError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class UnprocessableError(TalentMeshError):
    status = 422
    slug = "unprocessable"
    title = "Unprocessable content"


class ValidationFailedError(TalentMeshError):
    status = 422
    slug = "validation-error"
    title = "Validation failed"
