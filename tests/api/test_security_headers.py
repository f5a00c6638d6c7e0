"""Security headers on every answer: API data, pages, errors, the reference."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.distribution.test_links import seed


def test_api_answers_cannot_be_sniffed_framed_or_run(
    client: TestClient, admin: dict[str, str]
) -> None:
    for response in (
        client.get("/v1/vacancies", headers=admin),
        client.get("/v1/vacancies"),  # 401
        client.get("/health"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        # Plain http: no HSTS (a browser would ignore it, a development server must work).
        assert "strict-transport-security" not in response.headers


def test_hsts_over_tls_and_pages_keep_their_own_policy(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    client.base_url = client.base_url.copy_with(scheme="https")
    api = client.get("/v1/vacancies", headers=admin)
    assert api.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    data = seed(db, apply_url=None)
    page = client.get(f"/jobs/{data.organisation.slug}/{data.vacancy.id}")
    assert "style-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["strict-transport-security"]
    # The interactive reference loads its viewer from a CDN.
    assert "content-security-policy" not in client.get("/docs").headers
