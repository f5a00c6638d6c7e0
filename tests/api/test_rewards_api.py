"""Referral rewards through the API: the policy, the ledger's states (pending, eligible,
paid, void), promotion on reading, payment, ownership, and isolation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Application, Employee, RewardPolicy, Vacancy
from tests.api.test_applications_api import iso, org_id, post_application, profile, when
from tests.conftest import KeyMaker, bearer
from tests.distribution.test_applications import add_employee, add_link, add_vacancy, now_s

Headers = dict[str, str]
ALL_STATES = ("pending", "eligible", "paid", "void")


def put_policy(client: TestClient, headers: Headers, **body: Any) -> Any:
    return client.put("/v1/reward-policy", json=body, headers=headers)


class Referrals:
    """Anna, with a share link of one vacancy; applications referred through it."""

    def __init__(self, client: TestClient, headers: Headers, db: Session) -> None:
        self.client, self.headers, self.db = client, headers, db
        org = org_id(db)
        self.anna = add_employee(db, org, "Anna Jansen")
        self.vacancy = add_vacancy(db, org)
        self.link = add_link(db, self.vacancy, employee=self.anna)
        db.commit()
        self.count = 0

    def hire(self, applied_at: datetime, hired_at: datetime, *, ref: bool = True) -> str:
        """Record an application (through Anna's link) and move it to hired; its id."""
        self.count += 1
        body: dict[str, Any] = {
            "vacancy_id": str(self.vacancy.id),
            "candidate": profile(f"candidate{self.count}@example.org"),
            "applied_at": iso(applied_at),
        }
        if ref:
            body["ref"] = self.link.code
        application = post_application(self.client, self.headers, **body)
        assert application.status_code == 201, application.text
        application_id: str = application.json()["id"]
        self.move(application_id, "hired", hired_at)
        return application_id

    def move(self, application_id: str, status: str, at: datetime | None = None) -> None:
        body = {"status": status} | ({"at": iso(at)} if at else {})
        moved = self.client.patch(
            f"/v1/applications/{application_id}", json=body, headers=self.headers
        )
        assert moved.status_code == 200, moved.text

    def rewards(self, employee: Employee | None = None) -> Any:
        employee_id = (employee or self.anna).id
        response = self.client.get(f"/v1/employees/{employee_id}/rewards", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def reward(self, application_id: str) -> Any:
        (found,) = [r for r in self.rewards()["rewards"] if r["application_id"] == application_id]
        return found

    def pay(self, application_id: str, **body: Any) -> Any:
        return self.client.post(
            f"/v1/employees/{self.anna.id}/rewards/{application_id}/pay",
            json=body or None,
            headers=self.headers,
        )


def ledger(reward: dict[str, Any]) -> list[tuple[str, float, datetime]]:
    return [(row["state"], row["amount"], when(row["at"])) for row in reward["ledger"]]


def totals(body: dict[str, Any]) -> dict[str, tuple[int, dict[str, float]]]:
    return {state: (t["count"], t["amounts"]) for state, t in body["totals"].items()}


def test_policy_is_set_replaced_and_ended(client: TestClient, admin: Headers, db: Session) -> None:
    assert client.get("/v1/reward-policy", headers=admin).status_code == 404
    first = put_policy(client, admin, amount=1000, currency="EUR", probation_days=90)
    assert first.status_code == 200, first.text
    body = first.json()
    assert {k: body[k] for k in ("amount", "currency", "probation_days", "active")} == {
        "amount": 1000.0,
        "currency": "EUR",
        "probation_days": 90,
        "active": True,
    }
    assert client.get("/v1/reward-policy", headers=admin).json() == body
    second = put_policy(client, admin, amount="1500.50").json()
    assert (second["amount"], second["currency"], second["probation_days"]) == (1500.5, "EUR", 0)
    assert client.get("/v1/reward-policy", headers=admin).json()["id"] == second["id"]
    stored = db.execute(
        select(RewardPolicy.id, RewardPolicy.active).where(
            RewardPolicy.organisation_id == org_id(db)
        )
    ).all()
    assert sorted((str(i), a) for i, a in stored) == sorted(
        [(body["id"], False), (second["id"], True)]
    )
    invalid: list[tuple[dict[str, Any], str]] = [
        ({"amount": 0}, "amount"),
        ({"amount": 10, "probation_days": -1}, "probation_days"),
        ({"amount": 10, "currency": "eur"}, "currency"),
        ({"amount": 10.005}, "amount"),
        ({"amount": 10, "bonus": 5}, "bonus"),
    ]
    for bad, field in invalid:
        response = put_policy(client, admin, **bad)
        assert response.status_code == 422, bad
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert client.delete("/v1/reward-policy", headers=admin).status_code == 204
    assert client.get("/v1/reward-policy", headers=admin).status_code == 404
    assert client.delete("/v1/reward-policy", headers=admin).status_code == 404


def test_reward_becomes_eligible_after_probation_and_is_paid(
    client: TestClient, admin: Headers, db: Session
) -> None:
    put_policy(client, admin, amount=1000, currency="EUR", probation_days=90)
    r = Referrals(client, admin, db)
    now = now_s()
    hired_at = now - timedelta(days=100)
    application = r.hire(now - timedelta(days=150), hired_at)

    reward = r.reward(application)
    assert reward["state"] == "eligible"
    assert (reward["amount"], reward["currency"]) == (1000.0, "EUR")
    assert reward["vacancy_id"] == str(r.vacancy.id)
    assert when(reward["hired_at"]) == hired_at
    assert when(reward["eligible_at"]) == hired_at + timedelta(days=90)
    assert ledger(reward) == [
        ("pending", 1000.0, hired_at),
        ("eligible", 1000.0, hired_at + timedelta(days=90)),
    ]
    assert [row["reason"] for row in reward["ledger"]] == [
        f"hired on {hired_at:%Y-%m-%d}; eligible after a probation of 90 days",
        "probation of 90 days ended",
    ]

    paid = r.pay(application, reference="SAL-2026-11")
    assert paid.status_code == 200, paid.text
    assert paid.json()["state"] == "paid"
    assert [row["state"] for row in paid.json()["ledger"]] == ["pending", "eligible", "paid"]
    assert paid.json()["ledger"][-1]["reason"] == "paid; reference SAL-2026-11"
    again = r.pay(application)
    assert again.status_code == 409
    assert again.json()["detail"] == "the reward is 'paid'; only an eligible reward can be paid"

    # A paid reward stays paid when the hire ends.
    r.move(application, "withdrawn")
    body = r.rewards()
    assert [row["state"] for row in body["rewards"][0]["ledger"]] == ["pending", "eligible", "paid"]
    assert totals(body) == {
        "pending": (0, {}),
        "eligible": (0, {}),
        "paid": (1, {"EUR": 1000.0}),
        "void": (0, {}),
    }


def test_pending_reward_is_promoted_when_read_and_voided_when_the_hire_ends(
    client: TestClient, admin: Headers, db: Session
) -> None:
    put_policy(client, admin, amount=500, currency="EUR", probation_days=30)
    r = Referrals(client, admin, db)
    now = now_s()
    pending = r.hire(now - timedelta(days=20), now - timedelta(days=10))
    promoted = r.hire(now - timedelta(days=20), now - timedelta(days=10))
    voided = r.hire(now - timedelta(days=20), now - timedelta(days=10))

    assert {r.reward(a)["state"] for a in (pending, promoted, voided)} == {"pending"}
    assert when(r.reward(pending)["eligible_at"]) == now + timedelta(days=20)
    early = r.pay(pending)
    assert early.status_code == 409

    # Probation passes for one of them (its hire moved back in time): reading promotes it.
    db.execute(
        update(Application)
        .where(Application.id == uuid.UUID(promoted))
        .values(hired_at=now - timedelta(days=31))
    )
    db.commit()
    assert ledger(r.reward(promoted)) == [
        ("pending", 500.0, now - timedelta(days=10)),
        ("eligible", 500.0, now - timedelta(days=1)),
    ]

    r.move(voided, "withdrawn", now - timedelta(days=2))
    assert ledger(r.reward(voided)) == [
        ("pending", 500.0, now - timedelta(days=10)),
        ("void", 500.0, now - timedelta(days=2)),
    ]
    assert r.reward(voided)["ledger"][-1]["reason"] == (
        f"application withdrawn on {now - timedelta(days=2):%Y-%m-%d}"
    )
    # An eligible reward not yet paid is voided as well.
    r.move(promoted, "withdrawn")
    assert [row["state"] for row in r.reward(promoted)["ledger"]] == ["pending", "eligible", "void"]
    assert r.pay(promoted).status_code == 409

    body = r.rewards()
    assert [reward["application_id"] for reward in body["rewards"]] == [pending, promoted, voided]
    assert totals(body) == {
        "pending": (1, {"EUR": 500.0}),
        "eligible": (0, {}),
        "paid": (0, {}),
        "void": (2, {"EUR": 1000.0}),
    }


def test_policy_without_probation_and_policy_changes(
    client: TestClient, admin: Headers, db: Session
) -> None:
    old = put_policy(client, admin, amount=250, currency="EUR", probation_days=0).json()
    r = Referrals(client, admin, db)
    now = now_s()
    first = r.hire(now - timedelta(days=3), now - timedelta(days=2))
    reward = r.reward(first)
    assert ledger(reward) == [("eligible", 250.0, now - timedelta(days=2))]
    assert reward["ledger"][0]["policy_id"] == old["id"]

    new = put_policy(client, admin, amount=400, currency="GBP", probation_days=14).json()
    second = r.hire(now - timedelta(days=3), now - timedelta(days=1))
    assert ledger(r.reward(first)) == [("eligible", 250.0, now - timedelta(days=2))]
    later = r.reward(second)
    assert (later["state"], later["amount"], later["currency"]) == ("pending", 400.0, "GBP")
    assert later["ledger"][0]["policy_id"] == new["id"]
    assert totals(r.rewards())["eligible"] == (1, {"EUR": 250.0})
    assert totals(r.rewards())["pending"] == (1, {"GBP": 400.0})


def test_no_reward_without_policy_or_referrer(
    client: TestClient, admin: Headers, db: Session
) -> None:
    r = Referrals(client, admin, db)
    now = now_s()
    r.hire(now - timedelta(days=3), now - timedelta(days=2))
    put_policy(client, admin, amount=250, probation_days=0)
    r.hire(now - timedelta(days=3), now - timedelta(days=2), ref=False)
    body = r.rewards()
    assert body["rewards"] == []
    assert totals(body) == {state: (0, {}) for state in ALL_STATES}


def test_the_first_referrer_keeps_the_reward(
    client: TestClient, admin: Headers, db: Session
) -> None:
    put_policy(client, admin, amount=1000, probation_days=0)
    r = Referrals(client, admin, db)
    org = org_id(db)
    bram = add_employee(db, org, "Bram Peeters")
    other: Vacancy = add_vacancy(db, org, "Other vacancy")
    brams = add_link(db, other, employee=bram)
    db.commit()
    now = now_s()
    first = post_application(
        client,
        admin,
        vacancy_id=str(r.vacancy.id),
        candidate=profile("sanne@example.org"),
        ref=r.link.code,
        applied_at=iso(now - timedelta(days=60)),
    ).json()
    second = post_application(
        client,
        admin,
        vacancy_id=str(other.id),
        candidate_id=first["candidate_id"],
        ref=brams.code,
        applied_at=iso(now - timedelta(days=5)),
    ).json()
    r.move(second["id"], "hired")
    assert [reward["application_id"] for reward in r.rewards()["rewards"]] == [second["id"]]
    assert r.rewards(bram)["rewards"] == []


def test_rewards_of_another_organisation_answer_404(
    client: TestClient, admin: Headers, db: Session, make_key: KeyMaker
) -> None:
    put_policy(client, admin, amount=100, probation_days=0)
    r = Referrals(client, admin, db)
    now = now_s()
    application = r.hire(now - timedelta(days=2), now - timedelta(days=1))
    other = bearer(make_key("Rijksarchief"))
    base = f"/v1/employees/{r.anna.id}/rewards"
    assert client.get(base, headers=other).status_code == 404
    assert client.post(f"{base}/{application}/pay", headers=other).status_code == 404
    assert client.get("/v1/reward-policy", headers=other).status_code == 404
    assert client.post(f"{base}/{uuid.uuid4()}/pay", headers=admin).status_code == 404
    assert client.get(f"/v1/employees/{uuid.uuid4()}/rewards", headers=admin).status_code == 404
    reader = bearer(make_key(scopes="distribution:read"))
    assert client.get(base, headers=reader).status_code == 200
    assert client.post(f"{base}/{application}/pay", headers=reader).status_code == 403
    assert put_policy(client, reader, amount=1).status_code == 403
    assert r.pay(application).status_code == 200
