"""The employee's share page, reached by a signed link from the campaign message."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.pages.apply import form_token
from distribution.campaigns.share_page import read_share_token, share_token
from runtime.settings import Settings
from tests.distribution.test_links import seed


def test_share_page_lists_the_employees_links_with_texts(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = seed(db, apply_url=None)
    data.campaign.message = "Ken jij iemand <die> past?"
    db.commit()
    secret = settings.secret_key.get_secret_value()
    token = share_token(secret, data.campaign.id, data.employee.id)
    assert read_share_token(secret, token) == (data.campaign.id, data.employee.id)
    response = client.get(f"/share/{token}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex"
    page = response.text
    assert "Anna de Vries" in page
    assert "Ken jij iemand &lt;die&gt; past?" in page
    assert f"/r/{data.link.code}" in page
    assert "https://www.linkedin.com/sharing/share-offsite/?url=" in page
    assert f'href="/jobs/{data.organisation.slug}/{data.vacancy.id}"' in page


def test_share_page_of_a_forged_or_closed_link_is_not_found(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = seed(db)
    other = seed(db, org="Stadsarchief")
    secret = settings.secret_key.get_secret_value()
    valid = share_token(secret, data.campaign.id, data.employee.id)
    forged = [
        valid[:-2] + ("AA" if not valid.endswith("AA") else "BB"),
        share_token("another secret", data.campaign.id, data.employee.id),
        # A token made for another purpose never passes as a share link.
        form_token(secret, data.vacancy.id),
        # Another organisation's employee with this organisation's campaign.
        share_token(secret, data.campaign.id, other.employee.id),
        "x" * 2000,
    ]
    for token in forged:
        response = client.get(f"/share/{token}")
        assert response.status_code == 404, token
        assert "Anna de Vries" not in response.text
    data.vacancy.status = "closed"
    db.commit()
    assert client.get(f"/share/{valid}").status_code == 404
