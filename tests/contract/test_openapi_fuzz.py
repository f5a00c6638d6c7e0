"""The API against its own OpenAPI document: schemathesis generates requests for every
operation, valid ones and invalid ones, and checks that none answers 5xx and that every
answer matches what the document declares (status, media type, headers, body schema).
Bounded in time by the number of examples per operation."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer

EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _operations() -> list[str]:
    # The document only: the app is built without touching a database or broker.
    offline = Settings(database_url="postgresql+psycopg://-@localhost/-", broker_url="redis://-")
    spec = create_app(offline).openapi()
    return [f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops]


@pytest.mark.parametrize("label", _operations())
def test_every_operation_keeps_its_contract(
    label: str, app: FastAPI, session_factory: sessionmaker[Session], make_key: KeyMaker
) -> None:
    app.state.session_factory = session_factory
    method, path = label.split(" ", 1)
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    headers = bearer(make_key())
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        # The first write of a session builds the concept extractor: give it time.
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=120)

    check()
