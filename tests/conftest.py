"""Shared fixtures: one embedded PostgreSQL and one embedded broker per test session; every
test runs inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, delete
from sqlalchemy.orm import Session, sessionmaker

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from api.app import create_app
from api.auth.service import create_api_key
from matching.embeddings.encoder import load_encoder
from matching.embeddings.store import ensure_vector_index
from matching.embeddings.waypoints import ensure_waypoints
from matching.taxonomy.loading import ensure_default_taxonomy
from models import Organisation
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_broker, start_embedded_postgres
from runtime.migrate import upgrade_to_head
from runtime.settings import Settings

DEFAULT_MODEL = Settings.model_fields["embedding_model"].default
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def database_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's embedded PostgreSQL keeps its files."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def database_url(database_dir: Path) -> Iterator[str]:
    postgres = start_embedded_postgres(database_dir)
    yield postgres.url
    postgres.release()


@pytest.fixture(scope="session")
def broker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    broker = start_embedded_broker(tmp_path_factory.mktemp("broker"))
    yield broker.url
    broker.stop()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    # The default taxonomy and the vector indexes, as `talentmesh serve` prepares them.
    with transaction(make_session_factory(engine)) as session:
        ensure_default_taxonomy(session)
    encoder = load_encoder(DEFAULT_MODEL)
    # No waypoints yet: the service places them at 10,000 title sections, which the tests'
    # database never holds (tests/matching/test_waypoints.py places them).
    ensure_vector_index(engine, encoder.name, encoder.dimension)
    assert ensure_waypoints(engine, encoder) == 0
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(
    database_url: str, broker_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        broker_url=broker_url,
        secret_key=TEST_SECRET,
        data_dir=tmp_path_factory.mktemp("var"),
        # Tests make many requests with one key; tests/api/test_rate_limits.py sets its own.
        rate_limit="100000/60",
        # Test receivers listen on this machine.
        webhook_allow_private=True,
        # Tests read clicks and close vacancies right after a redirect: every lookup is
        # fresh and every click written in its request. tests/api/test_redirect_buffer.py
        # runs the cache and the batched writes.
        link_cache_seconds=0,
        click_flush_seconds=0,
    )


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Sessions commit into savepoints of the test's transaction, which is rolled back.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def client(app: FastAPI, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class KeyMaker:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __call__(self, org: str = "Koninklijke Bibliotheek", scopes: str = "admin") -> str:
        with self.session_factory() as session:
            _, plaintext = create_api_key(session, organisation_name=org, scopes=scopes)
            session.commit()
        return plaintext


@pytest.fixture
def make_key(session_factory: sessionmaker[Session]) -> KeyMaker:
    return KeyMaker(session_factory)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def admin(make_key: KeyMaker) -> dict[str, str]:
    """Headers of an admin key of the default organisation."""
    return bearer(make_key())


@contextmanager
def committed_organisation(engine: Engine, name: str) -> Iterator[uuid.UUID]:
    """An organisation committed for tests that need several real transactions (a second
    connection never sees a test's open one), deleted with everything it owns afterwards."""
    with Session(engine) as session:
        organisation = Organisation(name=f"{name}-{uuid.uuid4()}")
        session.add(organisation)
        session.commit()
        organisation_id = organisation.id
    try:
        yield organisation_id
    finally:
        with Session(engine) as session:
            session.execute(delete(Organisation).where(Organisation.id == organisation_id))
            session.commit()
