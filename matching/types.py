"""Field types shared by vacancy and candidate schemas."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# ISO 639-1 two-letter language codes.
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
    za zh zu""".split()
)

# Languages the matching engine reads (text language of a vacancy or profile).
ContentLanguage = Literal["nl", "en"]


def _language_code(value: str) -> str:
    code = value.strip().lower()
    if code not in ISO_639_1:
        raise ValueError(f"{value!r} is not an ISO 639-1 language code (for example 'nl', 'en')")
    return code


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (for example 'NL')")
    return code


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


LanguageCode = Annotated[str, AfterValidator(_language_code)]
CountryCode = Annotated[str, AfterValidator(_country_code)]
SHORT_TEXT_MAX_CHARS = 200
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT_MAX_CHARS)
]
SkillList = Annotated[list[ShortText], Field(max_length=200), AfterValidator(_dedupe)]
LanguageList = Annotated[list[LanguageCode], Field(max_length=50), AfterValidator(_dedupe)]
CountryList = Annotated[list[CountryCode], Field(max_length=50), AfterValidator(_dedupe)]


class StrictModel(BaseModel):
    """Unknown fields are rejected with a 422 naming them, so a typo never drops data silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Location(StrictModel):
    street: Annotated[str | None, Field(max_length=300, description="Street and number.")] = None
    postal_code: Annotated[str | None, Field(max_length=20)] = None
    city: Annotated[str | None, Field(max_length=200)] = None
    region: Annotated[str | None, Field(max_length=200, description="Province or state.")] = None
    country: CountryCode | None = None
    lat: Annotated[float | None, Field(ge=-90, le=90)] = None
    lon: Annotated[float | None, Field(ge=-180, le=180)] = None
