"""Applications and attribution through the API: a reshared referral link, touches, status
moves, every attribution model with exact credits, the ownership rule, and isolation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Application, Candidate, Organisation
from tests.conftest import KeyMaker, bearer
from tests.distribution.test_applications import add_employee, add_link, add_vacancy, now_s

Headers = dict[str, str]
DEFAULT_ORG = "Koninklijke Bibliotheek"


def org_id(db: Session, name: str = DEFAULT_ORG) -> uuid.UUID:
    return db.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def iso(at: datetime) -> str:
    return at.isoformat()


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def post_application(client: TestClient, headers: Headers, **body: Any) -> Any:
    body.setdefault("consent", True)
    return client.post("/v1/applications", json=body, headers=headers)


def profile(email: str, name: str = "Sanne de Vries") -> dict[str, Any]:
    return {"name": name, "email": email, "headline": "Data engineer", "skills": ["Python"]}


class World:
    """Two employees and a vacancy: Anna's LinkedIn link, a visitor's WhatsApp reshare of
    it, and Bram's email link."""

    def __init__(self, db: Session, t1: datetime) -> None:
        org = org_id(db)
        self.vacancy = add_vacancy(db, org, "Developer digitale collecties")
        self.anna = add_employee(db, org, "Anna Jansen")
        self.bram = add_employee(db, org, "Bram Peeters")
        self.anna_link = add_link(
            db, self.vacancy, employee=self.anna, created_at=t1 - timedelta(days=20)
        )
        self.reshare = add_link(
            db,
            self.vacancy,
            parent=self.anna_link,
            channel="whatsapp",
            created_at=t1 - timedelta(days=7),
        )
        self.bram_link = add_link(
            db,
            self.vacancy,
            employee=self.bram,
            channel="email",
            created_at=t1 - timedelta(days=30),
        )
        db.commit()


def credits(rows: list[dict[str, Any]], key: str) -> list[tuple[Any, float, float]]:
    return [(row[key], row["applications"], row["hires"]) for row in rows]


def test_referral_flow_and_every_attribution_model(
    client: TestClient, admin: Headers, db: Session
) -> None:
    t1 = now_s() - timedelta(days=2)
    w = World(db, t1)
    vacancy = str(w.vacancy.id)

    # The candidate followed Bram's email link two weeks before, then applied through the
    # WhatsApp reshare of Anna's LinkedIn post.
    response = post_application(
        client,
        admin,
        vacancy_id=vacancy,
        candidate=profile("  Sanne@Example.org "),
        ref=w.reshare.code,
        touches=[{"ref": w.bram_link.code, "at": iso(t1 - timedelta(days=14))}],
        source="apply_form",
        applied_at=iso(t1),
    )
    assert response.status_code == 201, response.text
    first = response.json()
    assert response.headers["location"] == f"/v1/applications/{first['id']}"
    assert client.get(f"/v1/candidates/{first['candidate_id']}", headers=admin).status_code == 200
    assert first["email"] == "sanne@example.org"
    assert first["ref"] == w.reshare.code
    assert (first["status"], first["source"], first["consent"]) == ("applied", "apply_form", True)
    assert when(first["applied_at"]) == t1
    assert first["referrer_employee_id"] == str(w.anna.id)
    assert first["reward_employee_id"] == str(w.anna.id)
    assert (first["ownership"], first["owner_application_id"]) == ("new", None)
    touches = [
        (
            t["position"],
            t["kind"],
            t["code"],
            t["channel"],
            t["employee_id"],
            when(t["occurred_at"]),
        )
        for t in first["touchpoints"]
    ]
    assert touches == [
        (0, "touch", w.bram_link.code, "email", str(w.bram.id), t1 - timedelta(days=14)),
        (1, "chain", w.anna_link.code, "linkedin", str(w.anna.id), t1 - timedelta(days=7)),
        (2, "ref", w.reshare.code, "whatsapp", str(w.anna.id), t1),
    ]

    second = post_application(
        client,
        admin,
        vacancy_id=vacancy,
        candidate=profile("lotte@example.org", "Lotte Visser"),
        ref=w.bram_link.code,
        applied_at=iso(t1 + timedelta(hours=1)),
    ).json()
    third = post_application(
        client,
        admin,
        vacancy_id=vacancy,
        candidate=profile("daan@example.org", "Daan Smit"),
        applied_at=iso(t1 + timedelta(hours=2)),
    ).json()
    fourth = post_application(
        client,
        admin,
        vacancy_id=vacancy,
        candidate=profile("noor@example.org", "Noor Bakker"),
        ref=w.anna_link.code,
        applied_at=iso(t1 + timedelta(hours=3)),
    ).json()
    assert third["touchpoints"] == []
    assert third["ownership"] == "unreferred"

    steps = ["screening", "interview", "offer", "hired"]
    for hours, status in enumerate(steps, start=4):
        moved = client.patch(
            f"/v1/applications/{first['id']}",
            json={"status": status, "at": iso(t1 + timedelta(hours=hours)), "note": status},
            headers=admin,
        )
        assert moved.status_code == 200, moved.text
    hired = client.get(f"/v1/applications/{first['id']}", headers=admin).json()
    assert hired["status"] == "hired"
    assert when(hired["hired_at"]) == t1 + timedelta(hours=7)
    assert [(e["status"], when(e["at"]), e["note"]) for e in hired["events"]] == [
        ("applied", t1, None),
        *[(s, t1 + timedelta(hours=h), s) for h, s in enumerate(steps, start=4)],
    ]

    anna, bram = str(w.anna.id), str(w.bram.id)
    expected = {
        "first_touch": (
            [(bram, 2.0, 1.0), (anna, 1.0, 0.0)],
            [("email", 2.0, 1.0), ("linkedin", 1.0, 0.0), ("whatsapp", 0.0, 0.0)],
        ),
        "last_touch": (
            [(anna, 2.0, 1.0), (bram, 1.0, 0.0)],
            [("email", 1.0, 0.0), ("linkedin", 1.0, 0.0), ("whatsapp", 1.0, 1.0)],
        ),
        "linear": (
            [(anna, 1.6667, 0.6667), (bram, 1.3333, 0.3333)],
            [("email", 1.3333, 0.3333), ("linkedin", 1.3333, 0.3333), ("whatsapp", 0.3333, 0.3333)],
        ),
        "position_based": (
            [(anna, 1.6, 0.6), (bram, 1.4, 0.4)],
            [("email", 1.4, 0.4), ("linkedin", 1.2, 0.2), ("whatsapp", 0.4, 0.4)],
        ),
        # The hired application's touches are 14, 7 and 0 days old: 1/7, 2/7, 4/7.
        "time_decay": (
            [(anna, 1.8571, 0.8571), (bram, 1.1429, 0.1429)],
            [("linkedin", 1.2857, 0.2857), ("email", 1.1429, 0.1429), ("whatsapp", 0.5714, 0.5714)],
        ),
    }
    ownership = [
        (first["id"], "new", anna, anna),
        (second["id"], "new", bram, bram),
        (third["id"], "unreferred", None, None),
        (fourth["id"], "new", anna, anna),
    ]
    for model, (employees, channels) in expected.items():
        report = client.get(
            f"/v1/vacancies/{vacancy}/attribution", params={"model": model}, headers=admin
        )
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["model"] == model
        assert (body["vacancy_id"], body["applications"], body["attributed_applications"]) == (
            vacancy,
            4,
            3,
        )
        assert (body["hires"], body["attributed_hires"]) == (1, 1)
        assert credits(body["employees"], "employee_id") == employees, model
        assert credits(body["channels"], "channel") == channels, model
        assert {row["employee_id"]: row["name"] for row in body["employees"]} == {
            anna: "Anna Jansen",
            bram: "Bram Peeters",
        }
        assert [
            (
                o["application_id"],
                o["rule"],
                o["referrer_employee_id"],
                o["reward_employee_id"],
                o["owner_application_id"],
                o["window_days"],
            )
            for o in body["ownership"]
        ] == [(*row, None, 180) for row in ownership]

    default = client.get(f"/v1/vacancies/{vacancy}/attribution", headers=admin).json()
    assert default["model"] == "last_touch"
    unknown = client.get(
        f"/v1/vacancies/{vacancy}/attribution", params={"model": "u_shaped"}, headers=admin
    )
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["model"]


def test_ownership_keeps_the_first_referrer_within_the_window(
    client: TestClient, admin: Headers, db: Session
) -> None:
    org = org_id(db)
    now = now_s()
    anna, bram = add_employee(db, org, "Anna Jansen"), add_employee(db, org, "Bram Peeters")
    first, second, third = (add_vacancy(db, org, f"Vacature {i}") for i in range(3))
    annas = add_link(db, first, employee=anna)
    brams_second = add_link(db, second, employee=bram, channel="x")
    brams_third = add_link(db, third, employee=bram, channel="x")
    db.commit()

    a1 = post_application(
        client,
        admin,
        vacancy_id=str(first.id),
        candidate=profile("sanne@example.org"),
        ref=annas.code,
        applied_at=iso(now - timedelta(days=200)),
    ).json()
    # Same person (another spelling of the address), another vacancy, 100 days later.
    a2 = post_application(
        client,
        admin,
        vacancy_id=str(second.id),
        candidate=profile("SANNE@example.org"),
        ref=brams_second.code,
        applied_at=iso(now - timedelta(days=100)),
    ).json()
    assert a2["candidate_id"] == a1["candidate_id"]
    assert (a2["ownership"], a2["owner_application_id"]) == ("first_referrer_kept", a1["id"])
    assert (a2["referrer_employee_id"], a2["reward_employee_id"]) == (str(bram.id), str(anna.id))
    # 200 days after Anna's referral: outside the 180-day window, Bram's own referral.
    a3 = post_application(
        client,
        admin,
        vacancy_id=str(third.id),
        candidate_id=a1["candidate_id"],
        ref=brams_third.code,
    ).json()
    assert (a3["ownership"], a3["reward_employee_id"]) == ("new", str(bram.id))

    report = client.get(f"/v1/vacancies/{second.id}/attribution", headers=admin).json()
    assert report["ownership"] == [
        {
            "application_id": a2["id"],
            "candidate_id": a1["candidate_id"],
            "rule": "first_referrer_kept",
            "referrer_employee_id": str(bram.id),
            "reward_employee_id": str(anna.id),
            "owner_application_id": a1["id"],
            "window_days": 180,
        }
    ]
    # Attribution still credits who brought this application.
    assert credits(report["employees"], "employee_id") == [(str(bram.id), 1.0, 0.0)]


def test_consent_is_required_and_nothing_is_stored(
    client: TestClient, admin: Headers, db: Session
) -> None:
    vacancy = add_vacancy(db, org_id(db))
    db.commit()
    response = post_application(
        client, admin, vacancy_id=str(vacancy.id), candidate=profile("x@example.org"), consent=False
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["consent"]
    missing = client.post(
        "/v1/applications",
        json={"vacancy_id": str(vacancy.id), "candidate": profile("x@example.org")},
        headers=admin,
    )
    assert [e["field"] for e in missing.json()["errors"]] == ["consent"]
    assert (
        db.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.email == "x@example.org")
        )
        == 0
    )
    assert db.scalar(select(func.count()).select_from(Application)) == 0


def test_known_candidate_is_reused_and_a_second_application_conflicts(
    client: TestClient, admin: Headers, db: Session
) -> None:
    vacancy = add_vacancy(db, org_id(db))
    db.commit()
    known = client.post("/v1/candidates", json=profile("sanne@example.org"), headers=admin).json()
    first = post_application(
        client, admin, vacancy_id=str(vacancy.id), candidate=profile(" Sanne@EXAMPLE.org")
    )
    assert first.status_code == 201
    assert first.json()["candidate_id"] == known["id"]
    again = post_application(client, admin, vacancy_id=str(vacancy.id), candidate_id=known["id"])
    assert again.status_code == 409
    assert again.json()["existing_id"] == first.json()["id"]


def test_invalid_requests_name_the_field(
    client: TestClient, admin: Headers, db: Session, make_key: KeyMaker
) -> None:
    org = org_id(db)
    vacancy = add_vacancy(db, org)
    elsewhere = add_vacancy(db, org, "Other vacancy")
    other_link = add_link(db, elsewhere, employee=add_employee(db, org, "Anna Jansen"))
    make_key("Rijksarchief")
    foreign_vacancy = add_vacancy(db, org_id(db, "Rijksarchief"))
    foreign_link = add_link(db, foreign_vacancy)
    db.commit()
    v = str(vacancy.id)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"vacancy_id": str(foreign_vacancy.id), "candidate": profile("a@example.org")},
            "vacancy_id",
        ),
        ({"vacancy_id": v}, "candidate"),
        (
            {
                "vacancy_id": v,
                "candidate_id": str(uuid.uuid4()),
                "candidate": profile("a@example.org"),
            },
            "candidate",
        ),
        ({"vacancy_id": v, "candidate_id": str(uuid.uuid4())}, "candidate_id"),
        ({"vacancy_id": v, "candidate": profile("a@example.org"), "ref": "NoSuchCode1"}, "ref"),
        ({"vacancy_id": v, "candidate": profile("a@example.org"), "ref": "bad code!"}, "ref"),
        ({"vacancy_id": v, "candidate": profile("a@example.org"), "ref": foreign_link.code}, "ref"),
        ({"vacancy_id": v, "candidate": profile("a@example.org"), "ref": other_link.code}, "ref"),
        (
            {
                "vacancy_id": v,
                "candidate": profile("a@example.org"),
                "touches": [{"ref": other_link.code, "at": iso(now_s() - timedelta(days=1))}],
            },
            "touches.0.ref",
        ),
        (
            {
                "vacancy_id": v,
                "candidate": profile("a@example.org"),
                "applied_at": iso(now_s() + timedelta(days=1)),
            },
            "applied_at",
        ),
        ({"vacancy_id": v, "candidate": profile("a@example.org"), "referrer": "anna"}, "referrer"),
    ]
    for body, field in cases:
        response = post_application(client, admin, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.text)
    assert db.scalar(select(func.count()).select_from(Application)) == 0


def test_status_moves(client: TestClient, admin: Headers, db: Session) -> None:
    vacancy = add_vacancy(db, org_id(db))
    db.commit()
    applied_at = now_s() - timedelta(days=5)
    application = post_application(
        client,
        admin,
        vacancy_id=str(vacancy.id),
        candidate=profile("sanne@example.org"),
        applied_at=iso(applied_at),
    ).json()
    url = f"/v1/applications/{application['id']}"

    def move(status: str, at: datetime | None = None) -> Any:
        body: dict[str, Any] = {"status": status}
        if at is not None:
            body["at"] = iso(at)
        return client.patch(url, json=body, headers=admin)

    assert move("offer", applied_at + timedelta(days=1)).status_code == 200
    backwards = move("interview")
    assert backwards.status_code == 409
    assert {k: backwards.json()[k] for k in ("from", "to", "allowed")} == {
        "from": "offer",
        "to": "interview",
        "allowed": ["hired", "rejected", "withdrawn"],
    }
    assert move("offer").status_code == 409
    early = move("hired", applied_at)
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "at"
    assert move("hired", now_s() + timedelta(hours=1)).json()["errors"][0]["field"] == "at"
    naive = client.patch(url, json={"status": "hired", "at": "2026-01-01T10:00:00"}, headers=admin)
    assert naive.status_code == 422
    assert move("nominated").json()["errors"][0]["field"] == "status"
    assert move("hired").status_code == 200
    assert move("rejected").status_code == 409
    left = move("withdrawn")
    assert left.status_code == 200
    assert left.json()["hired_at"] is not None
    assert move("applied").json()["allowed"] == []
    events = [e["status"] for e in client.get(url, headers=admin).json()["events"]]
    assert events == ["applied", "offer", "hired", "withdrawn"]


def test_list_filters_and_pages(client: TestClient, admin: Headers, db: Session) -> None:
    org = org_id(db)
    first, second = add_vacancy(db, org), add_vacancy(db, org)
    db.commit()
    ids = [
        post_application(
            client, admin, vacancy_id=str(vacancy.id), candidate=profile(f"c{i}@example.org")
        ).json()["id"]
        for i, vacancy in enumerate([first, first, second])
    ]
    client.patch(f"/v1/applications/{ids[1]}", json={"status": "rejected"}, headers=admin)
    page = client.get(
        "/v1/applications", params={"vacancy_id": str(first.id), "limit": 1}, headers=admin
    )
    assert [a["id"] for a in page.json()["data"]] == [ids[0]]
    assert 'rel="next"' in page.headers["link"]
    rest = client.get(
        "/v1/applications",
        params={"vacancy_id": str(first.id), "limit": 1, "cursor": page.json()["next_cursor"]},
        headers=admin,
    ).json()
    assert ([a["id"] for a in rest["data"]], rest["next_cursor"]) == ([ids[1]], None)
    assert [e["status"] for e in rest["data"][0]["events"]] == ["applied", "rejected"]
    rejected = client.get("/v1/applications", params={"status": "rejected"}, headers=admin).json()
    assert [a["id"] for a in rejected["data"]] == [ids[1]]
    everything = client.get("/v1/applications", headers=admin).json()
    assert [a["id"] for a in everything["data"]] == ids


def test_other_organisations_see_nothing(
    client: TestClient, admin: Headers, db: Session, make_key: KeyMaker
) -> None:
    vacancy = add_vacancy(db, org_id(db))
    db.commit()
    application = post_application(
        client, admin, vacancy_id=str(vacancy.id), candidate=profile("sanne@example.org")
    ).json()
    other = bearer(make_key("Rijksarchief"))
    url = f"/v1/applications/{application['id']}"
    assert client.get(url, headers=other).status_code == 404
    assert client.patch(url, json={"status": "hired"}, headers=other).status_code == 404
    assert client.get(f"/v1/vacancies/{vacancy.id}/attribution", headers=other).status_code == 404
    assert client.get("/v1/applications", headers=other).json()["data"] == []
    assert client.get(url, headers=admin).json()["status"] == "applied"


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [("applications:write", {"post", "read"}), ("distribution:read", {"attribution"})],
)
def test_scopes(
    client: TestClient, db: Session, make_key: KeyMaker, scopes: str, allowed: set[str]
) -> None:
    key = bearer(make_key(scopes=scopes))
    vacancy = add_vacancy(db, org_id(db))
    db.commit()
    posted = post_application(
        client, key, vacancy_id=str(vacancy.id), candidate=profile("sanne@example.org")
    )
    assert posted.status_code == (201 if "post" in allowed else 403)
    listed = client.get("/v1/applications", headers=key)
    assert listed.status_code == (200 if "read" in allowed else 403)
    report = client.get(f"/v1/vacancies/{vacancy.id}/attribution", headers=key)
    assert report.status_code == (200 if "attribution" in allowed else 403)
