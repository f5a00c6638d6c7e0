"""What the interchange formats share: collecting problems under the source format's own
property names, ISO codes for language and country names, and lenient dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from matching.types import ISO_639_1
from runtime.errors import FieldError, ValidationFailedError

# ISO 639-1 code -> English name, and the names (English, Dutch, native) read back.
LANGUAGES: dict[str, tuple[str, ...]] = {
    "nl": ("Dutch", "Nederlands", "Vlaams", "Flemish"),
    "en": ("English", "Engels"),
    "de": ("German", "Duits", "Deutsch"),
    "fr": ("French", "Frans", "Français", "Francais"),
    "es": ("Spanish", "Spaans", "Español", "Espanol", "Castellano"),
    "it": ("Italian", "Italiaans", "Italiano"),
    "pt": ("Portuguese", "Portugees", "Português", "Portugues"),
    "pl": ("Polish", "Pools", "Polski"),
    "tr": ("Turkish", "Turks", "Türkçe", "Turkce"),
    "ar": ("Arabic", "Arabisch"),
    "zh": ("Chinese", "Chinees", "Mandarin"),
    "ja": ("Japanese", "Japans"),
    "ko": ("Korean", "Koreaans"),
    "ru": ("Russian", "Russisch"),
    "uk": ("Ukrainian", "Oekraïens", "Oekraiens"),
    "fy": ("Frisian", "West Frisian", "Fries", "Frysk"),
    "da": ("Danish", "Deens", "Dansk"),
    "sv": ("Swedish", "Zweeds", "Svenska"),
    "no": ("Norwegian", "Noors", "Norsk"),
    "fi": ("Finnish", "Fins", "Suomi"),
    "el": ("Greek", "Grieks"),
    "cs": ("Czech", "Tsjechisch"),
    "sk": ("Slovak", "Slowaaks"),
    "hu": ("Hungarian", "Hongaars"),
    "ro": ("Romanian", "Roemeens"),
    "bg": ("Bulgarian", "Bulgaars"),
    "hr": ("Croatian", "Kroatisch"),
    "sr": ("Serbian", "Servisch"),
    "hi": ("Hindi",),
    "ur": ("Urdu",),
    "fa": ("Persian", "Farsi", "Perzisch"),
    "so": ("Somali", "Somalisch"),
    "ti": ("Tigrinya", "Tigrinya"),
    "id": ("Indonesian", "Indonesisch"),
    "he": ("Hebrew", "Hebreeuws"),
    "la": ("Latin", "Latijn"),
}
_LANGUAGE_NAMES = {
    name.casefold(): code for code, names in LANGUAGES.items() for name in (code, *names)
}

COUNTRIES: dict[str, tuple[str, ...]] = {
    "NL": ("Netherlands", "The Netherlands", "Nederland", "Holland"),
    "BE": ("Belgium", "België", "Belgie", "Belgique"),
    "DE": ("Germany", "Duitsland", "Deutschland"),
    "FR": ("France", "Frankrijk"),
    "LU": ("Luxembourg", "Luxemburg"),
    "GB": ("United Kingdom", "UK", "Great Britain", "Verenigd Koninkrijk"),
    "IE": ("Ireland", "Ierland"),
    "US": ("United States", "USA", "United States of America", "Verenigde Staten"),
    "ES": ("Spain", "Spanje"),
    "IT": ("Italy", "Italië", "Italie"),
    "PT": ("Portugal",),
    "DK": ("Denmark", "Denemarken"),
    "SE": ("Sweden", "Zweden"),
    "NO": ("Norway", "Noorwegen"),
    "FI": ("Finland",),
    "PL": ("Poland", "Polen"),
    "AT": ("Austria", "Oostenrijk"),
    "CH": ("Switzerland", "Zwitserland"),
    "SR": ("Suriname",),
    "CW": ("Curaçao", "Curacao"),
    "AW": ("Aruba",),
}
_COUNTRY_NAMES = {
    name.casefold(): code for code, names in COUNTRIES.items() for name in (code, *names)
}


def language_code(value: str) -> str | None:
    """An ISO 639-1 code from a code or a common (English, Dutch or native) name."""
    key = value.strip().casefold()
    return key if key in ISO_639_1 else _LANGUAGE_NAMES.get(key)


def language_name(code: str) -> str:
    names = LANGUAGES.get(code)
    return names[0] if names else code


def country_code(value: str) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or a common name."""
    text = value.strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    return _COUNTRY_NAMES.get(text.casefold())


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def year_month(value: str) -> str | None:
    """``YYYY-MM`` from an ISO 8601 date that may leave out the month or day."""
    found = _PARTIAL_DATE.match(value.strip())
    if found is None:
        return None
    return f"{found.group(1)}-{found.group(2) or '01'}"


def instant(value: str) -> datetime | None:
    """An aware datetime from an ISO 8601 date (midnight UTC) or datetime (UTC if naive)."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@dataclass
class Problems:
    """Collects problems under the source document's property paths."""

    errors: list[FieldError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def ignore(self, document: dict[str, Any], known: set[str], prefix: str = "") -> None:
        """Note the properties the product does not store (JSON-LD keywords aside)."""
        for key in document:
            if key not in known and not key.startswith("@"):
                self.ignored.append(prefix + key)

    def raise_if_any(self, what: str) -> None:
        if self.errors:
            raise ValidationFailedError(f"invalid {what}", errors=self.errors)


M = TypeVar("M", bound=BaseModel)


def validated(
    model: type[M], data: dict[str, Any], problems: Problems, paths: dict[str, str], what: str
) -> M:
    """Validate the product's shape built from a source document; a problem is reported
    under the source format's property (``paths`` maps a product field to it)."""
    problems.raise_if_any(what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            source = paths.get(loc[0], loc[0]) if loc else "body"
            rest = ".".join(loc[1:])
            problems.add(f"{source}.{rest}" if rest else source, str(error["msg"]))
    problems.raise_if_any(what)
    raise AssertionError("a validation error always names a problem")


def text(value: Any) -> str | None:
    """A property that should be text: strings kept, numbers written out, rest None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_object(value: Any, path: str, problems: Problems) -> dict[str, Any]:
    """``value`` as an object; absent is empty, anything else a problem at ``path``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(path, "must be an object")
        return {}
    return value
