"""Applications at the service level: referral chains, touchpoints and their order, the
referrer, the ownership rule and its window, status moves, and reward promotion."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from distribution.applications import repository, service
from distribution.applications.schemas import ApplicationCreate, StatusChange
from distribution.links.codes import new_code
from distribution.rewards import service as rewards
from distribution.rewards import tasks as reward_tasks
from distribution.rewards.schemas import PolicyIn
from models import (
    Application,
    Candidate,
    Employee,
    Organisation,
    RewardEntry,
    Touchpoint,
    TrackedLink,
    Vacancy,
)
from models.base import utcnow
from runtime import task_support
from runtime.errors import ConflictError, ValidationFailedError

WINDOW = 180


def now_s() -> datetime:
    """Now, to the second (times sent and stored compare exactly)."""
    return utcnow().replace(microsecond=0)


def add_org(db: Session) -> uuid.UUID:
    organisation = Organisation(name=f"Archief {uuid.uuid4().hex[:8]}")
    db.add(organisation)
    db.flush()
    return organisation.id


def add_vacancy(db: Session, org: uuid.UUID, title: str = "Data engineer") -> Vacancy:
    vacancy = Vacancy(organisation_id=org, title=title)
    db.add(vacancy)
    db.flush()
    return vacancy


def add_candidate(db: Session, org: uuid.UUID, email: str | None) -> Candidate:
    candidate = Candidate(organisation_id=org, name="Sanne de Vries", email=email)
    db.add(candidate)
    db.flush()
    return candidate


def add_employee(db: Session, org: uuid.UUID, name: str) -> Employee:
    email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@kb.example.nl"
    employee = Employee(organisation_id=org, name=name, email=email)
    db.add(employee)
    db.flush()
    return employee


def add_link(
    db: Session,
    vacancy: Vacancy,
    *,
    employee: Employee | None = None,
    parent: TrackedLink | None = None,
    channel: str = "linkedin",
    created_at: datetime | None = None,
) -> TrackedLink:
    """An employee's share link, or (with ``parent``) a visitor's reshare of a link."""
    link = TrackedLink(
        organisation_id=vacancy.organisation_id,
        code=new_code(),
        vacancy_id=vacancy.id,
        employee_id=employee.id if employee else None,
        channel=channel,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        root_employee_id=parent.root_employee_id if parent else (employee and employee.id),
        visitor=uuid.uuid4().hex if parent else None,
        created_at=created_at or utcnow(),
    )
    db.add(link)
    db.flush()
    return link


def apply(
    db: Session,
    org: uuid.UUID,
    vacancy: Vacancy,
    candidate: Candidate,
    *,
    window: int = WINDOW,
    **fields: Any,
) -> Any:
    payload = ApplicationCreate.model_validate(
        {"vacancy_id": vacancy.id, "candidate_id": candidate.id, "consent": True, **fields}
    )
    return service.record(db, org, payload, window_days=window).application


@pytest.fixture
def org(db: Session) -> uuid.UUID:
    return add_org(db)


@pytest.fixture
def vacancy(db: Session, org: uuid.UUID) -> Vacancy:
    return add_vacancy(db, org)


def test_chain_walks_up_to_the_root(db: Session, org: uuid.UUID, vacancy: Vacancy) -> None:
    anna = add_employee(db, org, "Anna Jansen")
    root = add_link(db, vacancy, employee=anna)
    child = add_link(db, vacancy, parent=root, channel="whatsapp")
    grandchild = add_link(db, vacancy, parent=child, channel="email")
    assert [link.id for link in repository.chain(db, grandchild.id)] == [
        root.id,
        child.id,
        grandchild.id,
    ]
    assert [link.id for link in repository.chain(db, root.id)] == [root.id]


def test_touchpoints_of_a_reshared_ref_and_reported_touches(
    db: Session, org: uuid.UUID, vacancy: Vacancy
) -> None:
    now = now_s()
    anna = add_employee(db, org, "Anna Jansen")
    bram = add_employee(db, org, "Bram Peeters")
    root = add_link(db, vacancy, employee=anna, created_at=now - timedelta(days=20))
    child = add_link(
        db, vacancy, parent=root, channel="whatsapp", created_at=now - timedelta(days=8)
    )
    grandchild = add_link(
        db, vacancy, parent=child, channel="email", created_at=now - timedelta(days=5)
    )
    brams = add_link(db, vacancy, employee=bram, channel="x")
    applied_at = now - timedelta(days=1)
    candidate = add_candidate(db, org, "Sanne@Example.org")

    application = apply(
        db,
        org,
        vacancy,
        candidate,
        ref=grandchild.code,
        applied_at=applied_at,
        touches=[
            {"ref": brams.code, "at": now - timedelta(days=12)},
            {"ref": root.code, "at": now - timedelta(days=9)},
        ],
    )

    rows = db.execute(
        select(Touchpoint.position, Touchpoint.kind, Touchpoint.link_id, Touchpoint.occurred_at)
        .where(Touchpoint.application_id == application.id)
        .order_by(Touchpoint.position)
    ).all()
    assert [tuple(row) for row in rows] == [
        (0, "touch", brams.id, now - timedelta(days=12)),
        (1, "touch", root.id, now - timedelta(days=9)),
        # A chain link's touch is when its share was passed on: its child's creation.
        (2, "chain", root.id, now - timedelta(days=8)),
        (3, "chain", child.id, now - timedelta(days=5)),
        (4, "ref", grandchild.id, applied_at),
    ]
    assert application.email == "sanne@example.org"
    assert application.ref_link_id == grandchild.id
    assert application.referrer_employee_id == anna.id
    assert application.reward_employee_id == anna.id
    assert application.ownership == "new"
    assert application.owner_application_id is None
    out = service.to_out(db, [application])[0]
    assert [(e.status, e.at) for e in out.events] == [("applied", applied_at)]
    assert out.ref == grandchild.code
    # Visitor links credit the employee at the root of their chain.
    assert [(t.kind, t.channel, t.employee_id) for t in out.touchpoints] == [
        ("touch", "x", bram.id),
        ("touch", "linkedin", anna.id),
        ("chain", "linkedin", anna.id),
        ("chain", "whatsapp", anna.id),
        ("ref", "email", anna.id),
    ]


def test_chain_touches_of_an_imported_application_are_not_after_it(
    db: Session, org: uuid.UUID, vacancy: Vacancy
) -> None:
    anna = add_employee(db, org, "Anna Jansen")
    root = add_link(db, vacancy, employee=anna)
    child = add_link(db, vacancy, parent=root, channel="whatsapp")
    applied_at = now_s() - timedelta(days=3)
    application = apply(
        db, org, vacancy, add_candidate(db, org, None), ref=child.code, applied_at=applied_at
    )
    rows = db.execute(
        select(Touchpoint.kind, Touchpoint.occurred_at)
        .where(Touchpoint.application_id == application.id)
        .order_by(Touchpoint.position)
    ).all()
    assert [tuple(row) for row in rows] == [("chain", applied_at), ("ref", applied_at)]
    assert application.email is None
    assert application.ownership == "new"


def test_referrer_without_ref_is_the_latest_touch(
    db: Session, org: uuid.UUID, vacancy: Vacancy
) -> None:
    now = now_s()
    anna = add_employee(db, org, "Anna Jansen")
    bram = add_employee(db, org, "Bram Peeters")
    annas = add_link(db, vacancy, employee=anna)
    brams = add_link(db, vacancy, employee=bram, channel="facebook")
    application = apply(
        db,
        org,
        vacancy,
        add_candidate(db, org, "lotte@example.org"),
        touches=[
            {"ref": brams.code, "at": now - timedelta(days=2)},
            {"ref": annas.code, "at": now - timedelta(days=3)},
        ],
    )
    assert application.referrer_employee_id == bram.id
    assert application.reward_employee_id == bram.id
    assert application.ownership == "new"
    assert application.ref_link_id is None

    unreferred = apply(db, org, add_vacancy(db, org), add_candidate(db, org, "daan@example.org"))
    assert (unreferred.referrer_employee_id, unreferred.reward_employee_id) == (None, None)
    assert unreferred.ownership == "unreferred"


def test_ownership_window_runs_from_the_owning_referral(db: Session, org: uuid.UUID) -> None:
    now = now_s()
    anna = add_employee(db, org, "Anna Jansen")
    bram = add_employee(db, org, "Bram Peeters")
    candidate = add_candidate(db, org, "sanne@example.org")
    vacancies = [add_vacancy(db, org, f"Vacature {i}") for i in range(4)]

    first = apply(
        db,
        org,
        vacancies[0],
        candidate,
        ref=add_link(db, vacancies[0], employee=anna).code,
        applied_at=now - timedelta(days=200),
    )
    assert (first.ownership, first.reward_employee_id) == ("new", anna.id)

    # 100 days later Bram refers the same person: Anna keeps the reward.
    second = apply(
        db,
        org,
        vacancies[1],
        candidate,
        ref=add_link(db, vacancies[1], employee=bram).code,
        applied_at=now - timedelta(days=100),
    )
    assert second.ownership == "first_referrer_kept"
    assert second.referrer_employee_id == bram.id
    assert second.reward_employee_id == anna.id
    assert second.owner_application_id == first.id

    # 190 days after Anna's referral it has expired; the kept one does not extend it.
    third = apply(
        db,
        org,
        vacancies[2],
        candidate,
        ref=add_link(db, vacancies[2], employee=bram).code,
        applied_at=now - timedelta(days=10),
    )
    assert (third.ownership, third.reward_employee_id) == ("new", bram.id)
    assert third.owner_application_id is None

    # An unreferred application of a known candidate keeps the owner too.
    fourth = apply(db, org, vacancies[3], candidate)
    assert fourth.referrer_employee_id is None
    assert (fourth.ownership, fourth.reward_employee_id) == ("first_referrer_kept", bram.id)
    assert fourth.owner_application_id == third.id


def test_ownership_window_bounds(db: Session, org: uuid.UUID) -> None:
    now = now_s()
    anna = add_employee(db, org, "Anna Jansen")
    bram = add_employee(db, org, "Bram Peeters")
    candidate = add_candidate(db, org, "sanne@example.org")
    first_vacancy, second_vacancy, third_vacancy = (add_vacancy(db, org) for _ in range(3))
    first = apply(
        db,
        org,
        first_vacancy,
        candidate,
        ref=add_link(db, first_vacancy, employee=anna).code,
        applied_at=now - timedelta(days=30),
    )
    # Exactly the window apart: still inside.
    inside = apply(
        db,
        org,
        second_vacancy,
        candidate,
        window=30,
        ref=add_link(db, second_vacancy, employee=bram).code,
        applied_at=now,
    )
    assert (inside.ownership, inside.owner_application_id) == ("first_referrer_kept", first.id)
    # A window of 0 days keeps nobody.
    zero = apply(
        db,
        org,
        third_vacancy,
        candidate,
        window=0,
        ref=add_link(db, third_vacancy, employee=bram).code,
    )
    assert (zero.ownership, zero.reward_employee_id) == ("new", bram.id)


def test_ownership_is_per_organisation(db: Session, org: uuid.UUID, vacancy: Vacancy) -> None:
    other = add_org(db)
    other_vacancy = add_vacancy(db, other)
    anna = add_employee(db, org, "Anna Jansen")
    elsewhere = add_employee(db, other, "Eva Maes")
    apply(
        db,
        other,
        other_vacancy,
        add_candidate(db, other, "sanne@example.org"),
        ref=add_link(db, other_vacancy, employee=elsewhere).code,
        applied_at=now_s() - timedelta(days=1),
    )
    mine = apply(
        db,
        org,
        vacancy,
        add_candidate(db, org, "sanne@example.org"),
        ref=add_link(db, vacancy, employee=anna).code,
    )
    assert (mine.ownership, mine.reward_employee_id) == ("new", anna.id)


def test_links_are_checked_against_organisation_and_vacancy(
    db: Session, org: uuid.UUID, vacancy: Vacancy
) -> None:
    other_org_vacancy = add_vacancy(db, add_org(db))
    foreign = add_link(db, other_org_vacancy)
    other_vacancy = add_link(db, add_vacancy(db, org))
    own = add_link(db, vacancy)
    candidate = add_candidate(db, org, "sanne@example.org")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"ref": "UnknownCode1"}, "ref", "no tracked link with code 'UnknownCode1'"),
        ({"ref": foreign.code}, "ref", f"no tracked link with code {foreign.code!r}"),
        (
            {"ref": other_vacancy.code},
            "ref",
            f"the link {other_vacancy.code!r} leads to another vacancy",
        ),
        (
            {"touches": [{"ref": own.code, "at": now_s()}, {"ref": own.code, "at": now_s()}]},
            "touches.1.ref",
            "each link may be reported once",
        ),
        (
            {"touches": [{"ref": own.code, "at": now_s() + timedelta(hours=1)}]},
            "touches.0.at",
            "must not be after the application",
        ),
    ]
    for fields, field, message in cases:
        with pytest.raises(ValidationFailedError) as caught:
            apply(db, org, vacancy, candidate, **fields)
        assert [(e.field, e.message) for e in caught.value.errors] == [(field, message)]
    with pytest.raises(ValidationFailedError) as caught:
        apply(db, org, vacancy, candidate, applied_at=now_s() + timedelta(minutes=5))
    assert caught.value.errors[0].field == "applied_at"


def test_allowed_moves() -> None:
    assert service.allowed_moves("applied") == [
        "screening",
        "interview",
        "offer",
        "hired",
        "rejected",
        "withdrawn",
    ]
    assert service.allowed_moves("offer") == ["hired", "rejected", "withdrawn"]
    assert service.allowed_moves("hired") == ["withdrawn"]
    assert service.allowed_moves("rejected") == []
    assert service.allowed_moves("withdrawn") == []


def test_status_changes_and_their_errors(db: Session, org: uuid.UUID, vacancy: Vacancy) -> None:
    now = now_s()
    application = apply(
        db, org, vacancy, add_candidate(db, org, None), applied_at=now - timedelta(days=10)
    )

    def move(status: str, at: datetime | None = None) -> None:
        service.change_status(
            db, org, application.id, StatusChange.model_validate({"status": status, "at": at})
        )

    move("interview", now - timedelta(days=8))
    with pytest.raises(ConflictError) as conflict:
        move("screening")
    assert conflict.value.extra == {
        "from": "interview",
        "to": "screening",
        "allowed": ["offer", "hired", "rejected", "withdrawn"],
    }
    with pytest.raises(ValidationFailedError) as early:
        move("offer", now - timedelta(days=9))
    assert early.value.errors[0].field == "at"
    with pytest.raises(ValidationFailedError) as future:
        move("offer", now + timedelta(hours=1))
    assert future.value.errors[0].field == "at"
    move("hired", now - timedelta(days=2))
    assert application.hired_at == now - timedelta(days=2)
    with pytest.raises(ConflictError):
        move("rejected")
    move("withdrawn")
    with pytest.raises(ConflictError):
        move("hired")
    statuses = [e.status for e in service.to_out(db, [application])[0].events]
    assert statuses == ["applied", "interview", "hired", "withdrawn"]


def test_promotion_happens_once_when_probation_ends(
    db: Session,
    org: uuid.UUID,
    vacancy: Vacancy,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = now_s()
    anna = add_employee(db, org, "Anna Jansen")
    rewards.set_policy(db, org, PolicyIn(amount=750, currency="EUR", probation_days=30))
    application = apply(
        db,
        org,
        vacancy,
        add_candidate(db, org, "sanne@example.org"),
        ref=add_link(db, vacancy, employee=anna).code,
        applied_at=now - timedelta(days=40),
    )
    hired_at = now - timedelta(days=20)
    service.change_status(
        db, org, application.id, StatusChange(status="hired", at=hired_at), now=now
    )

    def states() -> list[tuple[str, datetime]]:
        entries = db.scalars(
            select(RewardEntry)
            .where(RewardEntry.application_id == application.id)
            .order_by(RewardEntry.id)
        )
        return [(entry.state, entry.at) for entry in entries]

    assert states() == [("pending", hired_at)]
    assert rewards.promote_due(db, hired_at + timedelta(days=30) - timedelta(seconds=1)) == 0
    # The row's time is when probation ended, not when the promotion ran.
    assert rewards.promote_due(db, hired_at + timedelta(days=45)) == 1
    assert rewards.promote_due(db, hired_at + timedelta(days=46)) == 0
    assert states() == [("pending", hired_at), ("eligible", hired_at + timedelta(days=30))]

    # The periodic task (in its own transaction) promotes what is due in every organisation.
    other_org = add_org(db)
    rewards.set_policy(db, other_org, PolicyIn(amount=300, currency="EUR", probation_days=7))
    eva = add_employee(db, other_org, "Eva Maes")
    other_vacancy = add_vacancy(db, other_org)
    elsewhere = apply(
        db,
        other_org,
        other_vacancy,
        add_candidate(db, other_org, "lotte@example.org"),
        ref=add_link(db, other_vacancy, employee=eva).code,
        applied_at=now - timedelta(days=3),
    )
    service.change_status(db, other_org, elsewhere.id, StatusChange(status="hired"), now=now)
    db.commit()
    monkeypatch.setattr(task_support, "task_session_factory", lambda: session_factory)
    assert reward_tasks.promote() == 0
    db.execute(
        update(Application)
        .where(Application.id == elsewhere.id)
        .values(hired_at=now - timedelta(days=8))
    )
    db.commit()
    assert reward_tasks.promote() == 1
    db.expire_all()
    entries = db.scalars(
        select(RewardEntry)
        .where(RewardEntry.application_id == elsewhere.id)
        .order_by(RewardEntry.id)
    )
    assert [(e.state, e.at, e.employee_id) for e in entries] == [
        ("pending", now, eva.id),
        ("eligible", now - timedelta(days=1), eva.id),
    ]
