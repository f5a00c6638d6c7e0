"""Committed data for tests that need another process (a worker, a server) to see it: an
organisation of its own with an admin key and an app on the real engine, removed again
afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete

from api.app import create_app
from models import Organisation
from models.db import make_session_factory, transaction
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer


class Live:
    def __init__(self, client: TestClient, headers: dict[str, str], name: str) -> None:
        self.client = client
        self.headers = headers
        self.name = name

    def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        data: dict[str, Any] = response.json()
        return data

    def patch(self, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = self.client.patch(path, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        data: dict[str, Any] = response.json()
        return data

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        # An empty params mapping would replace a query string written into the path.
        response = self.client.get(path, headers=self.headers, params=params or None)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


@contextmanager
def live_organisation(
    engine: Engine, settings: Settings, *, public_url: str | None = None, **changes: Any
) -> Iterator[Live]:
    if public_url is not None:
        changes["public_url"] = public_url
    app = create_app(settings.model_copy(update=changes), engine=engine)
    factory = make_session_factory(engine)
    name = f"Koninklijke Bibliotheek live {uuid.uuid4()}"
    key = KeyMaker(factory)(org=name)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Live(client, bearer(key), name)
    finally:
        with transaction(factory) as session:
            session.execute(delete(Organisation).where(Organisation.name == name))
