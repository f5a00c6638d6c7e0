"""Two writers racing for the same unique value: the one that loses gets the same 409 as a
sequential duplicate, never a 500. Runs on committed data (cleaned up afterwards), because the
race needs two real transactions."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matching.candidates import service as candidates
from matching.candidates.schemas import CandidateCreate
from matching.vacancies import service as vacancies
from matching.vacancies.schemas import VacancyCreate
from runtime.errors import ConflictError
from tests.conftest import committed_organisation


@pytest.fixture
def organisation_id(engine: Engine) -> Iterator[uuid.UUID]:
    with committed_organisation(engine, "race") as organisation_id:
        yield organisation_id


def _race(engine: Engine, create: Callable[[Session], Any]) -> tuple[Any, BaseException | None]:
    """The first writer inserts and holds its transaction open; the second passes the
    duplicate check (it cannot see uncommitted rows) and blocks on the unique index until the
    first commits."""
    outcome: list[BaseException | None] = []
    first = Session(engine)
    winner_id = create(first).id

    def second_writer() -> None:
        with Session(engine) as second:
            try:
                create(second)
                second.commit()
                outcome.append(None)
            except BaseException as exc:
                second.rollback()
                outcome.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)  # let the second writer reach the blocking insert
    first.commit()
    thread.join(timeout=30)
    first.close()
    return winner_id, outcome[0]


def test_vacancy_external_id_race_answers_409(engine: Engine, organisation_id: uuid.UUID) -> None:
    payload = VacancyCreate(title="Archivaris", external_id="RACE-1")
    winner_id, error = _race(engine, lambda s: vacancies.create(s, organisation_id, payload))
    assert isinstance(error, ConflictError), error
    assert error.extra == {"existing_id": str(winner_id)}


def test_candidate_email_race_answers_409(engine: Engine, organisation_id: uuid.UUID) -> None:
    payload = CandidateCreate(name="Femke", email="femke@example.org")
    winner_id, error = _race(engine, lambda s: candidates.create(s, organisation_id, payload))
    assert isinstance(error, ConflictError), error
    assert error.extra == {"existing_id": str(winner_id)}
