"""A campaign's intranet webhook is posted to from inside our network: like webhook
endpoints, it must point at public addresses, checked when the campaign is made and again
before every post."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from distribution.campaigns.notify import DeliveryError
from distribution.campaigns.tasks import refuse_private_targets
from runtime.settings import Settings
from tests.api.test_matches_api import PYTHON_VACANCY, create
from tests.conftest import KeyMaker, bearer


@pytest.fixture
def strict_app(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> FastAPI:
    app = create_app(settings.model_copy(update={"webhook_allow_private": False}), engine=engine)
    app.state.session_factory = session_factory
    return app


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/intranet",
        "http://localhost/hook",
    ],
)
def test_a_campaign_webhook_to_a_private_address_is_refused(
    strict_app: FastAPI, make_key: KeyMaker, url: str
) -> None:
    headers = bearer(make_key())
    with TestClient(strict_app) as client:
        vacancy = create(client, headers, "/v1/vacancies", PYTHON_VACANCY)
        response = client.post(
            f"/v1/vacancies/{vacancy}/campaigns",
            json={
                "audience": {"type": "all"},
                "channels": ["intranet"],
                "webhook_url": url,
                "webhook_secret": "a-secret-that-is-long-enough",
            },
            headers=headers,
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == ["webhook_url"]
        listed = client.get(f"/v1/vacancies/{vacancy}/campaigns", headers=headers)
        assert listed.json()["data"] == []


def test_every_post_is_checked_again() -> None:
    with pytest.raises(DeliveryError, match="private, local or reserved"):
        refuse_private_targets(httpx.Request("POST", "http://127.0.0.1:9/hook"))
    refuse_private_targets(httpx.Request("POST", "https://93.184.215.14/hook"))
