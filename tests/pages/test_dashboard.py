"""The HR dashboard through the app: login with an API key, CSRF on every form, vacancies,
campaigns, charts, CSV, and no data across organisations."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.service import revoke_api_key
from models import ApiKey, Campaign, Vacancy
from tests.conftest import KeyMaker


def token_in(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert match is not None, f"no {name} in the page"
    return match.group(1)


def log_in(client: TestClient, key: str, next_path: str = "") -> str:
    """Log in; returns the CSRF token of the dashboard's forms."""
    form = client.get("/dashboard/login")
    response = client.post(
        "/dashboard/login",
        data={"api_key": key, "login_token": token_in(form.text, "login_token"), "next": next_path},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return token_in(client.get("/dashboard").text, "csrf_token")


def post_vacancy(client: TestClient, csrf: str) -> str:
    """Post the standard vacancy through the form; its dashboard path."""
    created = client.post(
        "/dashboard/vacancies/new",
        data={**VACANCY_FORM, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    return str(created.headers["location"])


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


VACANCY_FORM = {
    "title": "Developer digitale collecties",
    "description": "Je bouwt aan de digitale collecties van de bibliotheek.",
    "language": "nl",
    "status": "open",
    "required_skills": "Python\nLinked Data, SQL",
    "city": "Den Haag",
    "country": "nl",
    "employment_type": "full_time",
    "hours_per_week": "36",
    "salary_min": "3500",
    "salary_max": "4800",
    "salary_currency": "EUR",
    "salary_period": "month",
}


def test_pages_need_a_login_and_the_session_cookie_is_locked_down(
    client: TestClient, make_key: KeyMaker
) -> None:
    response = client.get("/dashboard/vacancies/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login?next=/dashboard/vacancies/new"
    form = client.get("/dashboard/login")
    assert "tm_login=" in form.headers["set-cookie"]
    response = client.post(
        "/dashboard/login",
        data={
            "api_key": make_key(org=f"Archief {uuid.uuid4()}"),
            "login_token": token_in(form.text, "login_token"),
            "next": "/dashboard/vacancies/new",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/dashboard/vacancies/new"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("tm_dashboard=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/dashboard" in cookie
    assert client.get("/dashboard/vacancies/new").status_code == 200


def test_login_rejects_a_wrong_key_a_missing_token_and_foreign_next(
    client: TestClient, make_key: KeyMaker
) -> None:
    form = client.get("/dashboard/login")
    token = token_in(form.text, "login_token")
    wrong = client.post("/dashboard/login", data={"api_key": "tm_x_y", "login_token": token})
    assert wrong.status_code == 401
    assert "The API key is not valid." in wrong.text
    assert "tm_x_y" not in wrong.text
    key = make_key(org=f"Archief {uuid.uuid4()}")
    no_token = client.post("/dashboard/login", data={"api_key": key}, follow_redirects=False)
    assert no_token.status_code == 403
    form = client.get("/dashboard/login")
    away = client.post(
        "/dashboard/login",
        data={
            "api_key": key,
            "login_token": token_in(form.text, "login_token"),
            "next": "//evil.example/dashboard",
        },
        follow_redirects=False,
    )
    assert away.headers["location"] == "/dashboard"


def test_post_a_vacancy_with_the_form(client: TestClient, make_key: KeyMaker, db: Session) -> None:
    csrf = log_in(client, make_key(org=f"Bibliotheek {uuid.uuid4()}"))
    response = client.post(
        "/dashboard/vacancies/new",
        data={**VACANCY_FORM, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    vacancy = db.scalars(select(Vacancy)).one()
    assert response.headers["location"] == f"/dashboard/vacancies/{vacancy.id}"
    assert vacancy.required_skills == ["Python", "Linked Data", "SQL"]
    assert vacancy.location_country == "NL"
    assert vacancy.salary_max == 4800
    page = client.get(response.headers["location"]).text
    assert "Developer digitale collecties" in page
    assert "Start a campaign" in page
    listing = client.get("/dashboard").text
    assert f'href="/dashboard/vacancies/{vacancy.id}"' in listing
    edit = client.get(f"/dashboard/vacancies/{vacancy.id}/edit").text
    assert "Python\nLinked Data\nSQL</textarea>" in edit


def test_forms_without_a_csrf_token_or_from_elsewhere_change_nothing(
    client: TestClient, make_key: KeyMaker, db: Session
) -> None:
    csrf = log_in(client, make_key(org=f"Bibliotheek {uuid.uuid4()}"))
    for data, headers in (
        (VACANCY_FORM, {}),
        ({**VACANCY_FORM, "csrf_token": "forged"}, {}),
        ({**VACANCY_FORM, "csrf_token": csrf}, {"Origin": "https://evil.example"}),
    ):
        response = client.post("/dashboard/vacancies/new", data=data, headers=headers)
        assert response.status_code == 403
        assert "security token" in response.text
    assert count(db, Vacancy) == 0
    assert client.post("/dashboard/logout", data={}).status_code == 403


def test_a_bad_vacancy_form_is_shown_again_with_messages(
    client: TestClient, make_key: KeyMaker, db: Session
) -> None:
    csrf = log_in(client, make_key(org=f"Bibliotheek {uuid.uuid4()}"))
    bad = {**VACANCY_FORM, "title": "", "country": "Nederland", "salary_min": "9000"}
    response = client.post("/dashboard/vacancies/new", data={**bad, "csrf_token": csrf})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    for field in ("f-title", "f-country", "f-salary_min"):
        assert f'href="#{field}"' in response.text
    assert "Je bouwt aan de digitale collecties" in response.text
    assert count(db, Vacancy) == 0


def test_start_a_campaign_and_see_its_page(
    client: TestClient, make_key: KeyMaker, db: Session
) -> None:
    csrf = log_in(client, make_key(org=f"Bibliotheek {uuid.uuid4()}"))
    vacancy_path = post_vacancy(client, csrf)
    no_channel = client.post(
        f"{vacancy_path}/campaigns", data={"csrf_token": csrf, "audience": "all"}
    )
    assert no_channel.status_code == 422
    assert count(db, Campaign) == 0
    response = client.post(
        f"{vacancy_path}/campaigns",
        data={"csrf_token": csrf, "audience": "all", "channels": ["linkedin", "email"]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    campaign = db.scalars(select(Campaign)).one()
    assert campaign.channels == ["linkedin", "email"]
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert "Attribution model" in page.text
    other_model = client.get(f"{response.headers['location']}?model=linear").text
    assert '<option value="linear" selected>' in other_model
    csv = client.get(f"{response.headers['location']}/funnel.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("level,channel,")


def test_another_organisations_pages_are_not_found(
    client: TestClient, make_key: KeyMaker, db: Session
) -> None:
    csrf_a = log_in(client, make_key(org=f"Bibliotheek A {uuid.uuid4()}"))
    vacancy_path = post_vacancy(client, csrf_a)
    started = client.post(
        f"{vacancy_path}/campaigns",
        data={"csrf_token": csrf_a, "audience": "all", "channels": ["email"]},
        follow_redirects=False,
    )
    campaign_path = started.headers["location"]
    client.cookies.clear()
    csrf_b = log_in(client, make_key(org=f"Archief B {uuid.uuid4()}"))
    for path in (
        vacancy_path,
        f"{vacancy_path}/edit",
        campaign_path,
        f"{campaign_path}/funnel.csv",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Developer digitale collecties" not in response.text
    edit = client.post(
        f"{vacancy_path}/edit", data={**VACANCY_FORM, "title": "Taken", "csrf_token": csrf_b}
    )
    assert edit.status_code == 404
    campaign = client.post(
        f"{vacancy_path}/campaigns", data={"csrf_token": csrf_b, "channels": ["email"]}
    )
    assert campaign.status_code == 404
    assert "Developer digitale collecties" not in client.get("/dashboard").text
    assert db.scalars(select(Vacancy.title)).one() == "Developer digitale collecties"
    assert count(db, Campaign) == 1


def test_revoking_the_key_ends_its_sessions(
    client: TestClient, make_key: KeyMaker, db: Session
) -> None:
    key = make_key(org=f"Bibliotheek {uuid.uuid4()}")
    log_in(client, key)
    api_key = db.scalars(select(ApiKey).where(ApiKey.prefix == key.split("_")[1])).one()
    revoke_api_key(db, api_key.id)
    db.commit()
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login")


def test_logging_out_ends_the_session_even_for_a_copied_cookie(
    client: TestClient, make_key: KeyMaker
) -> None:
    csrf = log_in(client, make_key(org=f"Bibliotheek {uuid.uuid4()}"))
    copied = client.cookies.get("tm_dashboard")
    assert copied
    out = client.post("/dashboard/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("tm_dashboard", copied, path="/dashboard")
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login")


def test_campaign_form_mistakes_show_at_their_fields(
    client: TestClient, make_key: KeyMaker, db: Session
) -> None:
    csrf = log_in(client, make_key(org=f"Bibliotheek {uuid.uuid4()}"))
    response = client.post(
        f"{post_vacancy(client, csrf)}/campaigns",
        data={"csrf_token": csrf, "audience": "departments", "departments": "", "channels": "x"},
    )
    assert response.status_code == 422
    assert '<p class="error" id="e-departments">' in response.text
    assert 'href="#f-departments"' in response.text
    assert count(db, Campaign) == 0


def test_a_key_without_the_scope_is_told_so(client: TestClient, make_key: KeyMaker) -> None:
    log_in(client, make_key(org=f"Bibliotheek {uuid.uuid4()}", scopes="vacancies:read"))
    assert client.get("/dashboard").status_code == 200
    response = client.get("/dashboard/vacancies/new")
    assert response.status_code == 403
    assert "vacancies:write" in response.text
