"""A steady load on a live API from a few threads: vacancy reads, tracked-link clicks (one
new visitor each) and applications sent with an ``Idempotency-Key`` and retried with the
same key and body until one answer says they are stored. Every answer is kept."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx

# Far above any answer a healthy or cleanly failing server gives: reaching it is a hang.
CLIENT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Answer:
    kind: str
    status: int | None  # None: no answer at all (a timeout or a dropped connection)
    headers: httpx.Headers
    body: Any
    started: float
    finished: float
    days: frozenset[date]  # the UTC days the request lasted over (clicks count per day)
    error: str | None = None
    visitor: str | None = None  # the user agent of a click

    @property
    def problem(self) -> bool:
        return bool(self.headers.get("content-type") == "application/problem+json")


@dataclass
class Load:
    base_url: str
    api_key: str
    vacancy_id: uuid.UUID
    code: str
    candidates: list[uuid.UUID]
    answers: list[Answer] = field(default_factory=list)
    # candidate -> the id of its application, once an answer says it is stored
    applied: dict[uuid.UUID, str] = field(default_factory=dict)
    attempts: Counter[uuid.UUID] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for work in (self._reads, self._clicks, self._applications):
            thread = threading.Thread(target=work, daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=2 * CLIENT_TIMEOUT)
            assert not thread.is_alive(), "a load thread did not finish"

    def of(self, kind: str, test: Callable[[Answer], bool] = lambda _: True) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if a.kind == kind and test(a)]

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            timeout=CLIENT_TIMEOUT,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )

    def _send(
        self, client: httpx.Client, kind: str, method: str, path: str, **kwargs: Any
    ) -> Answer:
        started, day = time.monotonic(), datetime.now(UTC).date()
        visitor = kwargs.get("headers", {}).get("User-Agent")
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            answer = Answer(
                kind, None, httpx.Headers(), None, started, time.monotonic(),
                frozenset({day}), error=repr(exc), visitor=visitor,
            )  # fmt: skip
        else:
            is_json = "json" in response.headers.get("content-type", "")
            answer = Answer(
                kind,
                response.status_code,
                response.headers,
                response.json() if is_json and response.content else None,
                started,
                time.monotonic(),
                frozenset({day, datetime.now(UTC).date()}),
                visitor=visitor,
            )
        with self.lock:
            self.answers.append(answer)
        if answer.status == 503:
            # A client backs off (here far less than Retry-After, to keep the test short).
            time.sleep(0.05)
        return answer

    def _reads(self) -> None:
        with self.client() as client:
            while not self.stopping.is_set():
                self._send(client, "read", "GET", f"/v1/vacancies/{self.vacancy_id}")

    def _clicks(self) -> None:
        with self.client() as client:
            for n in itertools.count():
                if self.stopping.is_set():
                    return
                agent = f"Mozilla/5.0 (fault test) visitor/{n}"
                self._send(client, "click", "GET", f"/r/{self.code}", headers={"User-Agent": agent})

    def _applications(self) -> None:
        with self.client() as client:
            for candidate in self.candidates:
                # The same key and body until stored: what an ATS does after a 503 or a 409
                # that says its twin is still running.
                while not self.stopping.is_set():
                    answer = self.apply(client, candidate)
                    stored = stored_id(answer)
                    if stored is not None:
                        self.applied[candidate] = stored
                        break
                    if answer.status != 503:  # its twin still holds the key
                        time.sleep(0.05)
                if self.stopping.is_set():
                    return

    def apply(self, client: httpx.Client, candidate: uuid.UUID) -> Answer:
        body = {
            "vacancy_id": str(self.vacancy_id),
            "candidate_id": str(candidate),
            "ref": self.code,
            "consent": True,
        }
        headers = {"Idempotency-Key": f"apply-{candidate}"}
        self.attempts[candidate] += 1
        return self._send(client, "apply", "POST", "/v1/applications", json=body, headers=headers)

    def retried(self) -> list[uuid.UUID]:
        """Candidates whose application was stored after at least one failed attempt."""
        return [c for c, n in self.attempts.items() if n > 1 and c in self.applied]


def stored_id(answer: Answer) -> str | None:
    """The application an answer says is stored: a 201 (or its replay), or the 409 of a
    second application of the same candidate."""
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status == 201:
        return str(body["id"])
    if answer.status == 409 and body.get("existing_id"):
        return str(body["existing_id"])
    return None
