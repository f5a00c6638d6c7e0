"""The event types: what each means and which scope may read it. A key sees an event (in
the feed, or by subscribing a webhook to it) only if it may read the resource."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    scope: str
    description: str


_TYPES = [
    EventType("vacancy.created", "vacancies:read", "A vacancy was created; `data` is the vacancy."),
    EventType("vacancy.updated", "vacancies:read", "A vacancy changed; `data` is the vacancy."),
    EventType("vacancy.deleted", "vacancies:read", "A vacancy was deleted; `data` holds its id."),
    EventType(
        "candidate.created", "candidates:read", "A candidate was created; `data` is the profile."
    ),
    EventType(
        "candidate.updated", "candidates:read", "A candidate changed; `data` is the profile."
    ),
    EventType(
        "candidate.deleted", "candidates:read", "A candidate was deleted; `data` holds its id."
    ),
    EventType(
        "candidate.erased",
        "candidates:read",
        "A candidate's personal data was erased (on request or when the consented retention "
        "ended); `data` holds its id and `erased_at`. Erase your own copy too.",
    ),
    EventType(
        "application.created",
        "applications:read",
        "An application was recorded; `data` is the application.",
    ),
    EventType(
        "application.status_changed",
        "applications:read",
        "An application moved to another status; `data` is the application with `from` and `to`.",
    ),
    EventType(
        "match.completed",
        "search",
        "Candidates were ranked for a vacancy in the background; `data` holds the top results.",
    ),
    EventType(
        "campaign.completed",
        "distribution:read",
        "Every invitation of a referral campaign went out; `data` is the campaign.",
    ),
    EventType(
        "referral.reward_changed",
        "distribution:read",
        "A referral reward reached a new state (pending, eligible, paid, void).",
    ),
    EventType(
        "import.completed",
        "imports:read",
        "A bulk import finished; `data` is the import with its counts.",
    ),
]

EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _TYPES}
# Sent to one endpoint when it is created or on request; never in the feed.
PING = "webhook.ping"
ALL = "*"


def readable_types(allows: object) -> list[str]:
    """The event types a principal may read; ``allows`` is ``Principal.allows``."""
    assert callable(allows)
    return [name for name, kind in EVENT_TYPES.items() if allows(kind.scope)]
