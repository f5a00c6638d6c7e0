"""The retention rule: a candidate whose consented retention (``consent.retention_until``)
has passed is erased, leaving an anonymous tombstone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from trust.audit.service import Actor
from trust.privacy import erasure, repository

log = logging.getLogger(__name__)

ACTOR = Actor.system("retention")
# Candidates erased per transaction: one erasure is one commit, so a failure leaves the
# others done and the failed one whole.
BATCH = 100


@dataclass
class RetentionReport:
    """What one run did: the candidates erased (ids only) and any it could not erase."""

    erased: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def run(
    transaction: Callable[[], AbstractContextManager[Session]],
    now: datetime,
    *,
    limit: int = 10_000,
) -> RetentionReport:
    """Erase every candidate whose retention ended before ``now`` (at most ``limit`` per
    run; the next run continues), each in its own transaction, and log a summary."""
    report = RetentionReport()
    while len(report.erased) + len(report.failed) < limit:
        with transaction() as session:
            due = repository.expired(session, now, BATCH)
        due = [pair for pair in due if str(pair[1]) not in report.failed]
        if not due:
            break
        for organisation_id, candidate_id in due:
            try:
                with transaction() as session:
                    erasure.erase(
                        session, organisation_id, candidate_id, ACTOR, reason="retention ended"
                    )
            except Exception:
                # Logged with the id only; the next run tries again.
                log.exception("retention: could not erase candidate %s", candidate_id)
                report.failed.append(str(candidate_id))
            else:
                report.erased.append(str(candidate_id))
    log.info(
        "retention: erased %d candidate(s) whose retention ended, %d failed",
        len(report.erased),
        len(report.failed),
    )
    return report
