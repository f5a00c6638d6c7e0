"""The apply form: what the visitor sent, checked field by field into messages in their
language, and the signed token that proves the form came from our page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import EmailStr, TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from api.pages.fields import form_text
from api.pages.i18n import Texts
from distribution.applications.apply_form import ApplyForm
from distribution.applications.schemas import MAX_MOTIVATION
from matching.candidates.schemas import normalise_email
from matching.documents.extract import ExtractedDocument, Limits, extract
from runtime.errors import TalentMeshError
from runtime.settings import Settings
from runtime.signed_tokens import sign_timed, unsign_timed

# A visitor may read the vacancy for a while before applying; a day is plenty, and a
# token older than that is simply renewed on the re-shown form.
FORM_TOKEN_MAX_AGE = 24 * 3600
_PURPOSE = "apply"
_EMAIL = TypeAdapter(EmailStr)
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,40}$")
MAX_NAME = 200
# The form as first shown.
EMPTY: dict[str, Any] = {
    "name": "",
    "email": "",
    "phone": "",
    "motivation": "",
    "consent": False,
    "had_file": False,
}


def form_token(secret: str, vacancy_id: UUID) -> str:
    return sign_timed(secret, _PURPOSE, vacancy_id.bytes)


def token_valid(secret: str, vacancy_id: UUID, token: str) -> bool:
    payload = unsign_timed(secret, _PURPOSE, token, max_age=FORM_TOKEN_MAX_AGE)
    return payload == vacancy_id.bytes


@dataclass
class Submission:
    """The form as sent: the typed values (shown again on errors, so nothing is lost) and
    the messages per field."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    form: ApplyForm | None = None
    document: ExtractedDocument | None = None


def _document(upload: Any, settings: Settings, t: Texts) -> ExtractedDocument | str:
    if not isinstance(upload, UploadFile) or not upload.filename:
        return t("error_cv_missing")
    # Reading one byte past the limit is enough to know the file is too large.
    content = upload.file.read(settings.max_upload_bytes + 1)
    if not content:
        return t("error_cv_missing")
    if len(content) > settings.max_upload_bytes:
        return t("error_cv_size", size=max_megabytes(settings))
    limits = Limits(
        max_bytes=settings.max_upload_bytes,
        max_pages=settings.max_pdf_pages,
        max_decompressed_bytes=settings.max_decompressed_bytes,
    )
    try:
        return extract(upload.filename, content, limits)
    except TalentMeshError as exc:
        return t("error_cv", reason=exc.detail)


def max_megabytes(settings: Settings) -> str:
    # Binary megabytes, as file managers show sizes.
    return f"{settings.max_upload_bytes / 1_048_576:.3g}"


def check(form: Any, settings: Settings, t: Texts) -> Submission:
    """Check every field, the CV included, so the visitor sees every problem at once."""
    values = {
        "name": form_text(form.get("name"), MAX_NAME),
        "email": form_text(form.get("email"), 320),
        "phone": form_text(form.get("phone"), 40),
        "motivation": form_text(form.get("motivation"), MAX_MOTIVATION),
        "consent": form.get("consent") == "yes",
        "had_file": isinstance(form.get("cv"), UploadFile) and bool(form.get("cv").filename),
    }
    submission = Submission(values)
    errors = submission.errors
    if not values["name"] or len(values["name"]) > MAX_NAME:
        errors["name"] = t("error_name")
    try:
        email = normalise_email(_EMAIL.validate_python(values["email"]))
    except ValidationError:
        errors["email"] = t("error_email")
    if values["phone"] and not _PHONE.match(values["phone"]):
        errors["phone"] = t("error_phone")
    if len(values["motivation"]) > MAX_MOTIVATION:
        errors["motivation"] = t("error_motivation", count=MAX_MOTIVATION)
    if not values["consent"]:
        errors["consent"] = t("error_consent")
    document = _document(form.get("cv"), settings, t)
    if isinstance(document, str):
        errors["cv"] = document
    if errors:
        return submission
    assert isinstance(document, ExtractedDocument)
    ref = form.get("tm_ref")
    submission.document = document
    submission.form = ApplyForm(
        name=values["name"],
        email=email,
        phone=values["phone"] or None,
        motivation=values["motivation"] or None,
        ref=ref if isinstance(ref, str) and ref else None,
    )
    return submission
