"""Resolve where the database and the broker are: configured URLs, or the embedded ones."""

from __future__ import annotations

from runtime.embedded import running_broker_url, start_embedded_postgres
from runtime.settings import Settings


class BrokerUnavailableError(RuntimeError):
    pass


def resolve_database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.resolved_data_dir).url


def resolve_broker_url(settings: Settings) -> str:
    """The configured broker, or the embedded one a running service started under DATA_DIR."""
    if settings.broker_url:
        return settings.broker_url
    url = running_broker_url(settings.resolved_data_dir)
    if url is None:
        raise BrokerUnavailableError(
            f"no broker configured (TALENTMESH_BROKER_URL) and no TalentMesh service is running "
            f"on {settings.resolved_data_dir}; start one with `talentmesh serve`"
        )
    return url
