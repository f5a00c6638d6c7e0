"""Fixtures of the tenant-isolation suite: two organisations' worlds are built once per
module (through the API, as an integrator would) and every test runs in a savepoint that is
rolled back, so a write that wrongly succeeds cannot spoil the tests after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.security.world import World, build_world


@pytest.fixture(scope="module")
def module_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture(scope="module")
def module_factory(module_connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=module_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture(scope="module")
def module_client(app: FastAPI, module_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app.state.session_factory = module_factory
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def worlds(
    app: FastAPI, module_client: TestClient, module_factory: sessionmaker[Session]
) -> tuple[World, World]:
    """Organisation A, whose objects the other key must never reach, and organisation B,
    built the same way so that every route has an object of its own to control against."""
    return (
        build_world(module_client, app, module_factory, "alfa"),
        build_world(module_client, app, module_factory, "beta"),
    )


@pytest.fixture
def isolated(
    worlds: tuple[World, World],
    app: FastAPI,
    module_connection: Connection,
    module_factory: sessionmaker[Session],
) -> Iterator[None]:
    # Other modules' `client` fixtures point the app at their own sessions in between.
    app.state.session_factory = module_factory
    savepoint = module_connection.begin_nested()
    yield
    savepoint.rollback()
