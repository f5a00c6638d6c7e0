"""Applications: recording them with the touchpoints that brought them, the referral
ownership rule, and their status history. Services flush; the caller commits.

Touchpoints of an application, ordered by ``occurred_at`` (ties: chain links root first,
then reported touches in the order sent, then the ref):

- ``ref``: the link the candidate applied with, at the application time;
- ``chain``: every link the ref was reshared from. A chain link's touch happened when the
  share it carried was passed on, i.e. when its child link in the chain was created (at
  most the application time, for applications imported after the fact);
- ``touch``: earlier visits the caller reports (``touches``), at their own time.

Ownership rule: when the same normalised email applied in the organisation within
``referral_window_days`` before this application (inclusive), and that earlier application
owns its referral (ownership ``new``), the earliest such owner keeps the reward:
``first_referrer_kept``. The window runs from the referral that established ownership, so
a known candidate's later applications do not extend it. Otherwise the referrer (the root
employee of the ref's chain, or of the latest reported touch without a ref) earns it:
``new``, or ``unreferred`` when there is nobody to credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from itertools import pairwise
from typing import cast
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.applications import repository
from distribution.applications.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationStatus,
    EventOut,
    StatusChange,
    TouchpointOut,
)
from distribution.rewards import service as rewards
from integration.events import service as event_log
from matching.candidates import repository as candidates_repository
from matching.candidates import service as candidates_service
from matching.candidates.schemas import normalise_email
from matching.vacancies import repository as vacancies_repository
from models import Application, ApplicationEvent, Candidate, Touchpoint, TrackedLink
from models.base import utcnow
from models.db import unique_write
from runtime.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    TalentMeshError,
    ValidationFailedError,
)

PIPELINE: tuple[ApplicationStatus, ...] = ("applied", "screening", "interview", "offer", "hired")
FINAL: frozenset[str] = frozenset({"hired", "rejected", "withdrawn"})
_CHAIN, _TOUCH, _REF = 0, 1, 2

_OUT_COLUMNS = (
    "id",
    "vacancy_id",
    "candidate_id",
    "status",
    "source",
    "motivation",
    "consent",
    "email",
    "applied_at",
    "hired_at",
    "referrer_employee_id",
    "reward_employee_id",
    "ownership",
    "owner_application_id",
    "created_at",
    "updated_at",
)


class TransitionError(ConflictError):
    """A status change the pipeline does not allow; names both statuses and the allowed
    targets."""

    def __init__(self, current: str, target: str) -> None:
        TalentMeshError.__init__(
            self,
            f"an application cannot move from {current!r} to {target!r}",
            extra={"from": current, "to": target, "allowed": allowed_moves(current)},
        )


def allowed_moves(current: str) -> list[str]:
    """Forward along applied, screening, interview, offer, hired (steps may be skipped);
    to rejected or withdrawn from any status before a final one; and hired to withdrawn
    (the candidate left during probation)."""
    if current == "hired":
        return ["withdrawn"]
    if current in FINAL:
        return []
    return [
        *PIPELINE[PIPELINE.index(cast(ApplicationStatus, current)) + 1 :],
        "rejected",
        "withdrawn",
    ]


@dataclass(frozen=True)
class Recorded:
    application: Application
    candidate: Candidate
    candidate_created: bool


@dataclass(frozen=True)
class _Touch:
    link: TrackedLink
    kind: str
    occurred_at: datetime
    rank: int
    seq: int


def get(session: Session, organisation_id: UUID, application_id: UUID) -> Application:
    application = repository.get(session, organisation_id, application_id)
    if application is None:
        raise NotFoundError(f"no application with id {application_id}")
    return application


def _resolve_link(
    session: Session, organisation_id: UUID, vacancy_id: UUID, code: str, field: str
) -> TrackedLink | FieldError:
    link = repository.link_by_code(session, code)
    # Another organisation's code is reported exactly like an unknown one.
    if link is None or link.organisation_id != organisation_id:
        return FieldError(field, f"no tracked link with code {code!r}")
    if link.vacancy_id != vacancy_id:
        return FieldError(field, f"the link {code!r} leads to another vacancy")
    return link


def _links(
    session: Session, organisation_id: UUID, payload: ApplicationCreate, applied_at: datetime
) -> tuple[TrackedLink | None, list[tuple[TrackedLink, datetime]]]:
    errors: list[FieldError] = []
    ref: TrackedLink | None = None
    if payload.ref is not None:
        found = _resolve_link(session, organisation_id, payload.vacancy_id, payload.ref, "ref")
        if isinstance(found, FieldError):
            errors.append(found)
        else:
            ref = found
    touches: list[tuple[TrackedLink, datetime]] = []
    seen: set[str] = set()
    for i, touch in enumerate(payload.touches):
        if touch.ref in seen:
            errors.append(FieldError(f"touches.{i}.ref", "each link may be reported once"))
            continue
        seen.add(touch.ref)
        found = _resolve_link(
            session, organisation_id, payload.vacancy_id, touch.ref, f"touches.{i}.ref"
        )
        if isinstance(found, FieldError):
            errors.append(found)
        elif touch.at > applied_at:
            errors.append(FieldError(f"touches.{i}.at", "must not be after the application"))
        else:
            touches.append((found, touch.at))
    if errors:
        raise ValidationFailedError("invalid tracked links", errors=errors)
    return ref, touches


def _candidate(
    session: Session, organisation_id: UUID, payload: ApplicationCreate
) -> tuple[Candidate, bool]:
    if (payload.candidate_id is None) == (payload.candidate is None):
        raise ValidationFailedError(
            "send exactly one of candidate_id and candidate",
            errors=[FieldError("candidate", "send exactly one of candidate_id and candidate")],
        )
    if payload.candidate_id is not None:
        found = candidates_repository.get(session, organisation_id, payload.candidate_id)
        if found is None:
            raise ValidationFailedError(
                "unknown candidate",
                errors=[FieldError("candidate_id", f"no candidate with id {payload.candidate_id}")],
            )
        return found, False
    profile = payload.candidate
    assert profile is not None
    # The ATS or apply form may send a profile the organisation already has.
    for column in ("email", "external_id"):
        value: str | None = getattr(profile, column)
        if value is None:
            continue
        existing = candidates_repository.get_by(session, organisation_id, **{column: value})
        if existing is not None:
            return existing, False
    return candidates_service.create(session, organisation_id, profile), True


def _check_duplicate(session: Session, vacancy_id: UUID, candidate_id: UUID) -> None:
    existing = repository.get_by_candidate(session, vacancy_id, candidate_id)
    if existing is not None:
        raise ConflictError(
            "this candidate already applied to this vacancy", existing_id=existing.id
        )


def _touchpoints(
    session: Session,
    ref: TrackedLink | None,
    reported: list[tuple[TrackedLink, datetime]],
    applied_at: datetime,
) -> list[_Touch]:
    touches = [_Touch(link, "touch", at, _TOUCH, i) for i, (link, at) in enumerate(reported)]
    if ref is not None:
        links = repository.chain(session, ref.id)
        for i, (link, child) in enumerate(pairwise(links)):
            touches.append(_Touch(link, "chain", min(child.created_at, applied_at), _CHAIN, i))
        touches.append(_Touch(ref, "ref", applied_at, _REF, 0))
    return sorted(touches, key=lambda t: (t.occurred_at, t.rank, t.seq))


def _referrer(ref: TrackedLink | None, reported: list[tuple[TrackedLink, datetime]]) -> UUID | None:
    """The root employee of the ref's chain; without a ref, of the latest reported touch
    (of two at the same time, the one sent last)."""
    if ref is not None:
        return ref.root_employee_id or ref.employee_id
    if not reported:
        return None
    _, (latest, _) = max(enumerate(reported), key=lambda item: (item[1][1], item[0]))
    return latest.root_employee_id or latest.employee_id


def record(
    session: Session,
    organisation_id: UUID,
    payload: ApplicationCreate,
    *,
    window_days: int,
    now: datetime | None = None,
) -> Recorded:
    """Record an application with its touchpoints, referrer and ownership, and its first
    status event (``applied``). Everything is checked before anything is written."""
    now = now or utcnow()
    applied_at = payload.applied_at or now
    if applied_at > now:
        raise ValidationFailedError(
            "applied_at lies in the future",
            errors=[FieldError("applied_at", "must not be in the future")],
        )
    if vacancies_repository.get(session, organisation_id, payload.vacancy_id) is None:
        raise ValidationFailedError(
            "unknown vacancy",
            errors=[FieldError("vacancy_id", f"no vacancy with id {payload.vacancy_id}")],
        )
    ref, reported = _links(session, organisation_id, payload, applied_at)
    candidate, created = _candidate(session, organisation_id, payload)
    conflict = partial(_check_duplicate, session, payload.vacancy_id, candidate.id)
    conflict()

    touches = _touchpoints(session, ref, reported, applied_at)
    referrer = _referrer(ref, reported)
    email = normalise_email(candidate.email) if candidate.email else None
    owner = None
    if email is not None:
        repository.lock_email(session, organisation_id, email)
        since = applied_at - timedelta(days=window_days)
        owner = repository.find_owner(session, organisation_id, email, since, applied_at)

    application = Application(
        organisation_id=organisation_id,
        vacancy_id=payload.vacancy_id,
        candidate_id=candidate.id,
        ref_link_id=ref.id if ref else None,
        source=payload.source,
        motivation=payload.motivation,
        consent=payload.consent,
        status="applied",
        email=email,
        applied_at=applied_at,
        referrer_employee_id=referrer,
    )
    if owner is not None:
        application.reward_employee_id = owner.reward_employee_id
        application.ownership = "first_referrer_kept"
        application.owner_application_id = owner.id
    else:
        application.reward_employee_id = referrer
        application.ownership = "new" if referrer is not None else "unreferred"
    with unique_write(session, application, conflict):
        session.add(application)
    session.add(ApplicationEvent(application_id=application.id, status="applied", at=applied_at))
    session.add_all(
        Touchpoint(
            application_id=application.id,
            link_id=touch.link.id,
            kind=touch.kind,
            occurred_at=touch.occurred_at,
            position=position,
        )
        for position, touch in enumerate(touches)
    )
    session.flush()
    _emit(session, "application.created", application, {})
    return Recorded(application, candidate, created)


def change_status(
    session: Session,
    organisation_id: UUID,
    application_id: UUID,
    change: StatusChange,
    now: datetime | None = None,
) -> Application:
    """Move an application to ``change.status`` and append the event. Moving to ``hired``
    starts the referral reward; leaving ``hired`` voids it unless it was paid."""
    now = now or utcnow()
    application = repository.get(session, organisation_id, application_id, for_update=True)
    if application is None:
        raise NotFoundError(f"no application with id {application_id}")
    at = change.at or now
    last = repository.last_event(session, application.id)
    if at > now:
        raise ValidationFailedError(
            "the change lies in the future", errors=[FieldError("at", "must not be in the future")]
        )
    if last is not None and at < last.at:
        raise ValidationFailedError(
            "the change lies before the previous one",
            errors=[FieldError("at", f"must not be before the previous change ({last.at})")],
        )
    previous = application.status
    if change.status not in allowed_moves(previous):
        raise TransitionError(previous, change.status)
    application.status = change.status
    if change.status == "hired":
        application.hired_at = at
    session.add(
        ApplicationEvent(
            application_id=application.id, status=change.status, at=at, note=change.note
        )
    )
    session.flush()
    _emit(
        session, "application.status_changed", application, {"from": previous, "to": change.status}
    )
    if change.status == "hired":
        rewards.on_hired(session, application, now)
    elif previous == "hired":
        rewards.on_left_hired(session, application, change.status, at)
    return application


def _emit(session: Session, type_: str, application: Application, extra: dict[str, str]) -> None:
    data = to_out(session, [application])[0].model_dump(mode="json") | extra
    event_log.record(
        session, application.organisation_id, type_, "application", application.id, data
    )


def to_out(session: Session, applications: list[Application]) -> list[ApplicationOut]:
    """Response shapes of ``applications`` with their events and touchpoints (two queries
    for the whole list)."""
    ids = [application.id for application in applications]
    events: dict[UUID, list[EventOut]] = {i: [] for i in ids}
    for event in repository.events_of(session, ids) if ids else []:
        events[event.application_id].append(
            EventOut(status=cast(ApplicationStatus, event.status), at=event.at, note=event.note)
        )
    touches: dict[UUID, list[TouchpointOut]] = {i: [] for i in ids}
    refs: dict[UUID, str] = {}
    for row in repository.touches_of(session, application_ids=ids) if ids else []:
        touches[row.application_id].append(TouchpointOut.model_validate(row._asdict()))
        if row.kind == "ref":
            refs[row.application_id] = row.code
    return [
        ApplicationOut.model_validate(
            {
                **{column: getattr(a, column) for column in _OUT_COLUMNS},
                "ref": refs.get(a.id),
                "events": events[a.id],
                "touchpoints": touches[a.id],
            }
        )
        for a in applications
    ]
