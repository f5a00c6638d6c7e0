"""Funnels and leaderboard on a small, fully known scenario: every figure is asserted.

The scenario (organisation "Koninklijke Bibliotheek", vacancy V, times in March 2026 UTC):

Employees: E1 Anna, E2 Bram, E3 "=Chris" (department "+Digitaal"), E4 Dirk, E5 Eva
(opted out), E6 Femke (no activity at all).

Campaign C1 of V, invitations: E1, E2, E3 sent; E4 failed; E5 skipped (E1 and E4 also got a
sent reminder, which never counts as reached). Campaign C2 of V: E2 sent.

Links of V:  L1 E1 linkedin (C1), L2 E1 email (C1), L3 E2 linkedin (C1), L4 E3 email (C1),
L5 whatsapp reshare of L1 (C1, no employee, root E1), L6 E2 facebook (C2),
L7 E5 direct (no campaign). Vacancy V2: L8 E4 linkedin.

Clicks (visitor, day, hits): L1 v1 d1 3, v2 d1 1, v1 d2 1, bot d1 7; L2 bot d1 4;
L3 v3 d1 2; L5 v1 d2 1 (the same visitor as on L1), v4 d2 1; L6 v5 d3 1; L7 v6 d3 2;
L8 v7 d3 1, v8 d3 1.

Applications to V: A1 ref L5 (chain L1) applied..hired; A2 ref L3 plus a later touch on
L1, interview then rejected; A3 touches L2 (earlier) and L6 (later), hired then withdrawn;
A4 no touch, hired; A5 ref L7, applied. To V2: A6 ref L8, hired on 2 April; A7 only a
touch on L1 (a link of V, so it credits nobody).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from distribution.funnel import service
from models import (
    Application,
    ApplicationEvent,
    Campaign,
    Candidate,
    Click,
    Employee,
    Notification,
    Organisation,
    Touchpoint,
    TrackedLink,
)
from runtime.errors import NotFoundError, ValidationFailedError


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class Scenario:
    organisation_id: uuid.UUID
    vacancy_id: uuid.UUID
    other_vacancy_id: uuid.UUID
    c1: uuid.UUID
    c2: uuid.UUID
    employees: dict[str, uuid.UUID]


def build_scenario(
    client: TestClient, db: Session, headers: dict[str, str], org: str = "Koninklijke Bibliotheek"
) -> Scenario:
    vacancy = client.post("/v1/vacancies", json={"title": "Data engineer"}, headers=headers)
    other = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=headers)
    assert vacancy.status_code == other.status_code == 201
    v, v2 = uuid.UUID(vacancy.json()["id"]), uuid.UUID(other.json()["id"])
    org_id = db.scalars(select(Organisation.id).where(Organisation.name == org)).one()

    people: dict[str, Employee] = {}
    # Added out of name order, so that ordering is really done by the reports.
    for key, name, department, opted_out in (
        ("E4", "Dirk de Boer", None, None),
        ("E1", "Anna de Vries", "Collecties", None),
        ("E6", "Femke Smit", None, None),
        ("E3", "=Chris", "+Digitaal", None),
        ("E2", "Bram Jansen", "ICT", None),
        ("E5", "Eva Bakker", None, at(1)),
    ):
        people[key] = Employee(
            organisation_id=org_id,
            external_id=f"HR-{key}",
            name=name,
            email=f"{key.lower()}@kb.example.nl",
            department=department,
            channels=["linkedin", "email"],
            fields=[],
            opted_out_at=opted_out,
        )
    db.add_all(people.values())
    db.flush()
    e = {key: person.id for key, person in people.items()}

    c1 = Campaign(
        organisation_id=org_id,
        vacancy_id=v,
        audience={"type": "all"},
        channels=["linkedin", "email"],
        status="running",
    )
    c2 = Campaign(
        organisation_id=org_id,
        vacancy_id=v,
        audience={"type": "employee_ids"},
        channels=["facebook"],
        status="completed",
    )
    db.add_all([c1, c2])
    db.flush()
    notifications = [
        (c1, "E1", "invite", "sent"),
        (c1, "E2", "invite", "sent"),
        (c1, "E3", "invite", "sent"),
        (c1, "E4", "invite", "failed"),
        (c1, "E5", "invite", "skipped"),
        (c1, "E1", "reminder", "sent"),
        (c1, "E4", "reminder", "sent"),
        (c2, "E2", "invite", "sent"),
    ]
    db.add_all(
        Notification(
            campaign_id=campaign.id,
            employee_id=e[key],
            kind=kind,
            transport="email",
            status=status,
        )
        for campaign, key, kind, status in notifications
    )

    def link(
        campaign: Campaign | None,
        key: str | None,
        channel: str,
        parent: TrackedLink | None = None,
        vacancy_id: uuid.UUID = v,
    ) -> TrackedLink:
        row = TrackedLink(
            organisation_id=org_id,
            code=uuid.uuid4().hex[:12],
            vacancy_id=vacancy_id,
            campaign_id=campaign.id if campaign else None,
            employee_id=e[key] if key else None,
            channel=channel,
            parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            root_employee_id=parent.root_employee_id if parent else (e[key] if key else None),
            visitor="reshare-visitor" if parent else None,
        )
        db.add(row)
        db.flush()
        return row

    l1 = link(c1, "E1", "linkedin")
    l2 = link(c1, "E1", "email")
    l3 = link(c1, "E2", "linkedin")
    link(c1, "E3", "email")
    l5 = link(c1, None, "whatsapp", parent=l1)
    l6 = link(c2, "E2", "facebook")
    l7 = link(None, "E5", "direct")
    l8 = link(None, "E4", "linkedin", vacancy_id=v2)

    clicks = [
        (l1, "v1", 2, 3, False),
        (l1, "v2", 2, 1, False),
        (l1, "v1", 3, 1, False),
        (l1, "bot", 2, 7, True),
        (l2, "bot", 2, 4, True),
        (l3, "v3", 2, 2, False),
        (l5, "v1", 3, 1, False),
        (l5, "v4", 3, 1, False),
        (l6, "v5", 4, 1, False),
        (l7, "v6", 4, 2, False),
        (l8, "v7", 4, 1, False),
        (l8, "v8", 4, 1, False),
    ]
    db.add_all(
        Click(
            organisation_id=org_id,
            vacancy_id=row.vacancy_id,
            link_id=row.id,
            visitor=visitor,
            day=date(2026, 3, day),
            bot=bot,
            hits=hits,
            first_at=at(day, 10),
            last_at=at(day, 11),
        )
        for row, visitor, day, hits, bot in clicks
    )

    def apply(
        vacancy_id: uuid.UUID,
        name: str,
        ref: TrackedLink | None,
        applied: datetime,
        history: list[tuple[str, datetime]],
        touches: list[tuple[TrackedLink, str, datetime]],
    ) -> None:
        candidate = Candidate(organisation_id=org_id, name=name, email=f"{name}@example.org")
        db.add(candidate)
        db.flush()
        application = Application(
            organisation_id=org_id,
            vacancy_id=vacancy_id,
            candidate_id=candidate.id,
            ref_link_id=ref.id if ref else None,
            status=history[-1][0] if history else "applied",
            applied_at=applied,
            hired_at=next((when for status, when in history if status == "hired"), None),
        )
        db.add(application)
        db.flush()
        db.add_all(
            ApplicationEvent(application_id=application.id, status=status, at=when)
            for status, when in [("applied", applied), *history]
        )
        db.add_all(
            Touchpoint(
                application_id=application.id,
                link_id=row.id,
                kind=kind,
                occurred_at=when,
                position=position,
            )
            for position, (row, kind, when) in enumerate(touches)
        )

    apply(
        v,
        "a1",
        l5,
        at(3),
        [("screening", at(5)), ("interview", at(10)), ("offer", at(15)), ("hired", at(20))],
        [(l1, "chain", at(3, 9)), (l5, "ref", at(3))],
    )
    apply(
        v,
        "a2",
        l3,
        at(3),
        [("interview", at(12)), ("rejected", at(14))],
        [(l3, "ref", at(2, 11)), (l1, "touch", at(3, 11))],
    )
    apply(
        v,
        "a3",
        None,
        at(4),
        [("interview", at(11)), ("offer", at(16)), ("hired", at(21)), ("withdrawn", at(22))],
        [(l2, "touch", at(2, 11)), (l6, "touch", at(4, 9))],
    )
    apply(v, "a4", None, at(6), [("hired", at(25))], [])
    apply(v, "a5", l7, at(5), [], [(l7, "ref", at(5))])
    apply(v2, "a6", l8, at(4), [("hired", at(2, month=4))], [(l8, "ref", at(4))])
    apply(v2, "a7", None, at(4), [], [(l1, "touch", at(4, 8))])
    db.commit()
    return Scenario(org_id, v, v2, c1.id, c2.id, e)


def conversion(*ratios: float | None) -> dict[str, float | None]:
    names = (
        "reached_to_links_shared",
        "links_shared_to_clicks",
        "clicks_to_applications",
        "applications_to_interviews",
        "interviews_to_hires",
    )
    return dict(zip(names, ratios, strict=True))


def figures(counts: tuple[int, ...], ratios: tuple[float | None, ...]) -> dict[str, Any]:
    names = (
        "reached",
        "links",
        "links_shared",
        "clicks",
        "requests",
        "bot_requests",
        "unique_visitors",
        "applications",
        "interviews",
        "hires",
    )
    return {**dict(zip(names, counts, strict=True)), "conversion": conversion(*ratios)}


NONE5 = (None, None, None, None, None)
ZERO = (0,) * 10

C1_TOTAL = figures((3, 5, 3, 6, 9, 11, 4, 3, 3, 1), (1.0, 2.0, 0.5, 1.0, 0.3333))
C1_CHANNELS = {
    "email": figures((2, 2, 0, 0, 0, 4, 0, 1, 1, 0), (0.0, None, None, 1.0, 0.0)),
    "linkedin": figures((2, 2, 2, 4, 7, 7, 3, 1, 1, 0), (1.0, 2.0, 0.25, 1.0, 0.0)),
    "whatsapp": figures((0, 1, 1, 2, 2, 0, 2, 1, 1, 1), (None, 2.0, 0.5, 1.0, 1.0)),
}
C1_EMPLOYEES = {
    "E1": figures((1, 3, 2, 5, 7, 11, 3, 2, 2, 1), (2.0, 2.5, 0.4, 1.0, 0.5)),
    "E2": figures((1, 1, 1, 1, 2, 0, 1, 1, 1, 0), (1.0, 1.0, 1.0, 1.0, 0.0)),
    "E3": figures((1, 1, 0, 0, 0, 0, 0, 0, 0, 0), (0.0, None, None, None, None)),
    "E4": figures(ZERO, NONE5),
    "E5": figures(ZERO, NONE5),
}

V_TOTAL = figures((3, 7, 5, 8, 12, 11, 6, 4, 3, 1), (1.6667, 1.6, 0.5, 0.75, 0.3333))
V_CHANNELS = {
    "direct": figures((0, 1, 1, 1, 2, 0, 1, 1, 0, 0), (None, 1.0, 1.0, 0.0, None)),
    "email": figures((2, 2, 0, 0, 0, 4, 0, 0, 0, 0), (0.0, None, None, None, None)),
    "facebook": figures((1, 1, 1, 1, 1, 0, 1, 1, 1, 0), (1.0, 1.0, 1.0, 1.0, 0.0)),
    "linkedin": C1_CHANNELS["linkedin"],
    "whatsapp": C1_CHANNELS["whatsapp"],
}
V_EMPLOYEES = {
    "E1": figures((1, 3, 2, 5, 7, 11, 3, 1, 1, 1), (2.0, 2.5, 0.2, 1.0, 1.0)),
    "E2": figures((1, 2, 2, 2, 3, 0, 2, 2, 2, 0), (2.0, 1.0, 1.0, 1.0, 0.0)),
    "E5": figures((0, 1, 1, 1, 2, 0, 1, 1, 0, 0), (None, 1.0, 1.0, 0.0, None)),
    "E3": C1_EMPLOYEES["E3"],
    "E4": C1_EMPLOYEES["E4"],
}

PEOPLE = {
    "E1": ("Anna de Vries", "Collecties", False),
    "E2": ("Bram Jansen", "ICT", False),
    "E3": ("=Chris", "+Digitaal", False),
    "E4": ("Dirk de Boer", None, False),
    "E5": ("Eva Bakker", None, True),
    "E6": ("Femke Smit", None, False),
}


def employee_lines(scenario: Scenario, expected: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The expected employee lines, in the expected order (the dict's order)."""
    lines = []
    for key, values in expected.items():
        name, department, opted_out = PEOPLE[key]
        lines.append(
            {
                **values,
                "employee_id": scenario.employees[key],
                "external_id": f"HR-{key}",
                "name": name,
                "department": department,
                "opted_out": opted_out,
            }
        )
    return lines


@pytest.fixture
def scenario(client: TestClient, db: Session, admin: dict[str, str]) -> Scenario:
    return build_scenario(client, db, admin)


def test_campaign_funnel(db: Session, scenario: Scenario) -> None:
    funnel = service.campaign_funnel(db, scenario.organisation_id, scenario.c1).model_dump()
    assert funnel["campaign_id"] == scenario.c1
    assert funnel["vacancy_id"] == scenario.vacancy_id
    assert funnel["total"] == C1_TOTAL
    assert funnel["channels"] == [{**v, "channel": k} for k, v in C1_CHANNELS.items()]
    assert funnel["employees"] == employee_lines(scenario, C1_EMPLOYEES)


def test_second_campaign_only_sees_its_own_links(db: Session, scenario: Scenario) -> None:
    funnel = service.campaign_funnel(db, scenario.organisation_id, scenario.c2).model_dump()
    # A3 touched L2 (C1) and later L6 (C2): within C2 only L6 is in scope.
    facebook = figures((1, 1, 1, 1, 1, 0, 1, 1, 1, 0), (1.0, 1.0, 1.0, 1.0, 0.0))
    assert funnel["total"] == facebook
    assert funnel["channels"] == [{**facebook, "channel": "facebook"}]
    assert funnel["employees"] == employee_lines(scenario, {"E2": facebook})


def test_vacancy_funnel(db: Session, scenario: Scenario) -> None:
    funnel = service.vacancy_funnel(db, scenario.organisation_id, scenario.vacancy_id)
    body = funnel.model_dump()
    assert body["campaign_ids"] == [scenario.c1, scenario.c2]
    assert (body["applications_total"], body["interviews_total"], body["hires_total"]) == (5, 4, 2)
    assert body["total"] == V_TOTAL
    assert body["channels"] == [{**v, "channel": k} for k, v in V_CHANNELS.items()]
    assert body["employees"] == employee_lines(scenario, V_EMPLOYEES)


def test_channel_and_employee_lines_add_up(db: Session, scenario: Scenario) -> None:
    funnel = service.vacancy_funnel(db, scenario.organisation_id, scenario.vacancy_id)
    additive = ("links", "links_shared", "clicks", "requests", "bot_requests", "applications")
    for name in (*additive, "interviews", "hires"):
        assert sum(getattr(line, name) for line in funnel.channels) == getattr(funnel.total, name)
    # Every link here is credited to an employee, so the employee lines add up as well.
    for name in additive:
        assert sum(getattr(line, name) for line in funnel.employees) == getattr(funnel.total, name)
    # One visitor (v1) clicked links of two channels: visitors are not additive.
    assert sum(line.unique_visitors for line in funnel.channels) == funnel.total.unique_visitors + 1


def entries(scenario: Scenario, rows: list[tuple[int, str, int, int, int, int]]) -> list[Any]:
    result = []
    for rank, key, hires, applications, clicks, links_shared in rows:
        name, department, opted_out = PEOPLE[key]
        result.append(
            {
                "rank": rank,
                "employee_id": scenario.employees[key],
                "external_id": f"HR-{key}",
                "name": name,
                "department": department,
                "opted_out": opted_out,
                "hires": hires,
                "applications": applications,
                "clicks": clicks,
                "links_shared": links_shared,
            }
        )
    return result


LEADERBOARD_ALL_TIME = [
    (1, "E1", 1, 1, 5, 2),
    (2, "E4", 1, 1, 2, 1),
    (3, "E2", 0, 2, 2, 2),
    (4, "E5", 0, 1, 1, 1),
    (5, "E3", 0, 0, 0, 0),
    (5, "E6", 0, 0, 0, 0),
]


def test_leaderboard_all_time(db: Session, scenario: Scenario) -> None:
    board = service.leaderboard(db, scenario.organisation_id).model_dump()
    assert board == {
        "since": None,
        "until": None,
        "data": entries(scenario, LEADERBOARD_ALL_TIME),
    }


def test_leaderboard_within_a_period(db: Session, scenario: Scenario) -> None:
    since, until = at(3, 0), at(1, 0, month=4)
    board = service.leaderboard(db, scenario.organisation_id, since=since, until=until)
    # Day-1 clicks fall before the period; A6 was hired on 2 April, after it.
    assert board.model_dump()["data"] == entries(
        scenario,
        [
            (1, "E1", 1, 1, 3, 2),
            (2, "E2", 0, 2, 1, 1),
            (3, "E4", 0, 1, 2, 1),
            (4, "E5", 0, 1, 1, 1),
            (5, "E3", 0, 0, 0, 0),
            (5, "E6", 0, 0, 0, 0),
        ],
    )
    top = service.leaderboard(db, scenario.organisation_id, since=since, until=until, limit=3)
    assert [entry.employee_id for entry in top.data] == [
        scenario.employees[key] for key in ("E1", "E2", "E4")
    ]
    # Only hires: A6's hire lies in April, A1's in March.
    april = service.leaderboard(db, scenario.organisation_id, since=at(1, 0, month=4))
    assert [(e.name, e.hires, e.applications, e.clicks) for e in april.data[:2]] == [
        ("Dirk de Boer", 1, 0, 0),
        ("=Chris", 0, 0, 0),
    ]


def test_empty_period_and_limit_are_rejected(db: Session, scenario: Scenario) -> None:
    with pytest.raises(ValidationFailedError) as raised:
        service.leaderboard(db, scenario.organisation_id, since=at(5), until=at(5))
    assert [error.field for error in raised.value.errors] == ["until"]
    with pytest.raises(ValidationFailedError):
        service.leaderboard(db, scenario.organisation_id, limit=101)


def test_unknown_or_foreign_records_are_not_found(db: Session, scenario: Scenario) -> None:
    other = Organisation(name="Stadsarchief")
    db.add(other)
    db.flush()
    for call in (
        lambda: service.campaign_funnel(db, other.id, scenario.c1),
        lambda: service.vacancy_funnel(db, other.id, scenario.vacancy_id),
        lambda: service.campaign_funnel(db, scenario.organisation_id, uuid.uuid4()),
        lambda: service.vacancy_funnel(db, scenario.organisation_id, uuid.uuid4()),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert service.leaderboard(db, other.id).data == []


def test_funnel_of_a_campaign_without_activity(db: Session, scenario: Scenario) -> None:
    campaign = Campaign(
        organisation_id=scenario.organisation_id,
        vacancy_id=scenario.other_vacancy_id,
        audience={"type": "all"},
        channels=["email"],
    )
    db.add(campaign)
    db.flush()
    funnel = service.campaign_funnel(db, scenario.organisation_id, campaign.id)
    assert funnel.total.model_dump() == figures(ZERO, NONE5)
    assert funnel.channels == []
    assert funnel.employees == []


def test_leaderboard_is_the_sum_of_the_vacancy_funnels(db: Session, scenario: Scenario) -> None:
    sums: dict[uuid.UUID, list[int]] = {}
    for vacancy_id in (scenario.vacancy_id, scenario.other_vacancy_id):
        funnel = service.vacancy_funnel(db, scenario.organisation_id, vacancy_id)
        for line in funnel.employees:
            values = [line.hires, line.applications, line.clicks, line.links_shared]
            sums[line.employee_id] = [
                a + b for a, b in zip(sums.get(line.employee_id, [0] * 4), values, strict=True)
            ]
    board = service.leaderboard(db, scenario.organisation_id)
    for entry in board.data:
        expected = sums.get(entry.employee_id, [0] * 4)
        assert [entry.hires, entry.applications, entry.clicks, entry.links_shared] == expected
