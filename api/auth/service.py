"""Creating, checking and revoking API keys.

A key reads ``tm_<prefix>_<secret>``: the prefix finds the row, the SHA-256 digest of the
whole key is compared in constant time, and only the digest is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID

from sqlalchemy.orm import Session

from api.auth import repository
from api.auth.scopes import Principal, parse_scopes
from models import ApiKey, Organisation
from models.base import utcnow
from models.organisation import SLUG_MAX, slugify
from runtime.errors import AuthenticationError, NotFoundError

KEY_PREFIX = "tm"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _free_slug(session: Session, name: str) -> str:
    base = slugify(name)[: SLUG_MAX - 4]
    taken = repository.slugs_like(session, base)
    return next(
        slug
        for slug in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3)))
        if slug not in taken
    )


def get_or_create_organisation(session: Session, name: str) -> Organisation:
    name = name.strip()
    if not name:
        raise ValueError("organisation name must not be empty")
    organisation = repository.get_organisation_by_name(session, name)
    if organisation is None:
        organisation = Organisation(name=name, slug=_free_slug(session, name))
        session.add(organisation)
        session.flush()
    return organisation


def create_api_key(
    session: Session, *, organisation_name: str, scopes: str, name: str = ""
) -> tuple[ApiKey, str]:
    """Create a key for the organisation (created if needed); returns the row and the key,
    which is never retrievable again."""
    scope_list = parse_scopes(scopes)
    organisation = get_or_create_organisation(session, organisation_name)
    prefix = secrets.token_hex(6)
    plaintext = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        organisation_id=organisation.id,
        name=name,
        prefix=prefix,
        key_hash=hash_key(plaintext),
        scopes=scope_list,
    )
    session.add(api_key)
    session.flush()
    return api_key, plaintext


def authenticate(session: Session, presented: str) -> Principal:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise AuthenticationError("the API key is malformed")
    api_key = repository.get_key_by_prefix(session, parts[1])
    # Compare a digest even when no row matched, so timing does not reveal valid prefixes.
    expected = api_key.key_hash if api_key is not None else hash_key("")
    if not hmac.compare_digest(expected, hash_key(presented)) or api_key is None:
        raise AuthenticationError("the API key is not valid")
    if api_key.revoked_at is not None:
        raise AuthenticationError("the API key has been revoked")
    repository.note_use(session, api_key)
    return Principal(
        organisation_id=api_key.organisation_id,
        api_key_id=api_key.id,
        scopes=frozenset(api_key.scopes),
    )


def revoke_api_key(session: Session, key_id: UUID) -> ApiKey:
    api_key = session.get(ApiKey, key_id)
    if api_key is None:
        raise NotFoundError(f"no API key with id {key_id}")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        session.flush()
    return api_key
