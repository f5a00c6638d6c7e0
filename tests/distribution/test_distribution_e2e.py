"""The whole distribution loop, end to end, with a real Celery worker on the embedded broker
and a real SMTP server: employees and a vacancy, a campaign, the emails, a click, a
reshare, an application with the child code, the hire, and then the funnel, every
attribution model and the reward states, with exact numbers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select

from models import Click
from models.db import make_session_factory
from runtime.settings import Settings
from tests.distribution.smtp import SmtpServer
from tests.live import Live, live_organisation
from tests.worker import Worker, wait_for, worker_env

PUBLIC = "https://jobs.kb.example"
APPLY_URL = "https://werkenbij.kb.example/vacatures/1234?src=site"
BROWSER_1 = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
BROWSER_2 = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1"
BROWSER_3 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/140.0 Safari/537.36 Edg/140.0"
LINKEDIN_BOT = (
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
)


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    with live_organisation(engine, settings, public_url=PUBLIC) as organisation:
        yield organisation


def _code(link: str) -> str:
    return link.rsplit("/", 1)[1]


def _links_in(mail_text: str) -> list[str]:
    """Distinct tracked links in a text, in order (a link appears in its share text too)."""
    found = re.findall(re.escape(PUBLIC) + r"/r/[A-Za-z0-9_-]{8,}", mail_text)
    return list(dict.fromkeys(found))


def test_campaign_click_reshare_apply_hire_funnel_attribution_rewards(
    live: Live, engine: Engine, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    employees = {
        name: live.post(
            "/v1/employees",
            {"name": name, "email": f"{name.lower()}@kb.example", "channels": channels},
        )["id"]
        for name, channels in [
            ("Anna", ["linkedin", "x"]),
            ("Bram", ["linkedin"]),
            ("Chris", ["email"]),
            ("Dirk", ["linkedin"]),
        ]
    }
    live.post(f"/v1/employees/{employees['Dirk']}/opt-out", {}, status=200)
    vacancy = live.post(
        "/v1/vacancies",
        {
            "title": "Developer digitale collecties",
            "description": "Python, IIIF en linked data.",
            "apply_url": APPLY_URL,
        },
    )
    policy = live.client.put(
        "/v1/reward-policy",
        json={"amount": 750, "currency": "EUR", "probation_days": 0},
        headers=live.headers,
    )
    assert policy.status_code == 200, policy.text

    with SmtpServer() as smtp:
        env = worker_env(database_url, broker_url, smtp.url, tmp_path, PUBLIC)
        worker = Worker(env, tmp_path / "worker.log")
        try:
            worker.start()
            campaign = live.post(
                f"/v1/vacancies/{vacancy['id']}/campaigns",
                {
                    "audience": {"type": "all"},
                    "channels": ["linkedin", "x", "email"],
                    "message": "Ken jij iemand?",
                },
            )
            wait_for(
                lambda: live.get(f"/v1/campaigns/{campaign['id']}")["status"] == "completed",
                300,
                "the campaign to complete",
            )
        finally:
            worker.stop()
        mails = {name: smtp.sink.to(f"{name.lower()}@kb.example") for name in employees}

    assert {name: len(found) for name, found in mails.items()} == {
        "Anna": 1,
        "Bram": 1,
        "Chris": 1,
        "Dirk": 0,
    }
    anna_links = _links_in(mails["Anna"][0].text)
    assert len(anna_links) == 2
    assert len(_links_in(mails["Bram"][0].text)) == 1
    assert len(_links_in(mails["Chris"][0].text)) == 1
    progress = live.get(f"/v1/campaigns/{campaign['id']}")
    assert progress["audience_size"] == 3
    assert progress["progress"]["invitations"]["email"]["sent"] == 3
    assert {c: v["links"] for c, v in progress["progress"]["channels"].items()} == {
        "linkedin": 2,
        "x": 1,
        "email": 1,
    }

    # Which of Anna's links is LinkedIn: the line after "LinkedIn:" in her email.
    anna_text = mails["Anna"][0].text
    anna_linkedin = _code(_links_in(anna_text[anna_text.index("LinkedIn:") :])[0])
    bram_linkedin = _code(_links_in(mails["Bram"][0].text)[0])

    # A visitor follows Anna's LinkedIn link (twice: one click), LinkedIn's preview bot too.
    for agent in (BROWSER_1, BROWSER_1, LINKEDIN_BOT):
        redirect = live.client.get(
            f"/r/{anna_linkedin}", headers={"User-Agent": agent}, follow_redirects=False
        )
        assert redirect.status_code == 302
    target = urlsplit(redirect.headers["location"])
    assert (
        f"{target.scheme}://{target.netloc}{target.path}"
        == "https://werkenbij.kb.example/vacatures/1234"
    )
    assert parse_qs(target.query) == {
        "src": ["site"],
        "utm_source": ["linkedin"],
        "utm_medium": ["referral"],
        "utm_campaign": [campaign["id"]],
        "tm_ref": [anna_linkedin],
    }
    # ... and passes it on to a friend over WhatsApp, who follows the child link.
    child = live.client.post(
        f"/r/{anna_linkedin}/reshare",
        json={"channel": "whatsapp"},
        headers={"User-Agent": BROWSER_1},
    )
    assert child.status_code == 201, child.text
    child_code = child.json()["code"]
    assert child.json()["depth"] == 1
    live.client.get(f"/r/{child_code}", headers={"User-Agent": BROWSER_2}, follow_redirects=False)
    # Someone else follows Bram's link.
    live.client.get(
        f"/r/{bram_linkedin}", headers={"User-Agent": BROWSER_3}, follow_redirects=False
    )

    eva = live.post(
        "/v1/applications",
        {
            "vacancy_id": vacancy["id"],
            "candidate": {
                "name": "Eva de Vries",
                "email": "Eva.de.Vries@example.org",
                "summary": "Python developer.",
            },
            "ref": child_code,
            "source": "apply_form",
            "consent": True,
        },
    )
    assert eva["referrer_employee_id"] == employees["Anna"]
    assert eva["ownership"] == "new"
    assert [(t["kind"], t["code"]) for t in eva["touchpoints"]] == [
        ("chain", anna_linkedin),
        ("ref", child_code),
    ]
    femke = live.post(
        "/v1/applications",
        {
            "vacancy_id": vacancy["id"],
            "candidate": {
                "name": "Femke Jansen",
                "email": "femke@example.org",
                "summary": "Docent informatica.",
            },
            "ref": bram_linkedin,
            "source": "ats",
            "consent": True,
        },
    )
    for status in ("screening", "interview", "offer", "hired"):
        moved = live.client.patch(
            f"/v1/applications/{eva['id']}", json={"status": status}, headers=live.headers
        )
        assert moved.status_code == 200, moved.text
    for status in ("screening", "rejected"):
        live.client.patch(
            f"/v1/applications/{femke['id']}", json={"status": status}, headers=live.headers
        )
    assert [e["status"] for e in live.get(f"/v1/applications/{eva['id']}")["events"]] == [
        "applied",
        "screening",
        "interview",
        "offer",
        "hired",
    ]

    with make_session_factory(engine)() as session:
        rows = session.scalars(
            select(Click).where(Click.vacancy_id == uuid.UUID(vacancy["id"]))
        ).all()
        assert sorted((r.bot, r.hits) for r in rows) == [
            (False, 1),
            (False, 1),
            (False, 2),
            (True, 1),
        ]

    funnel = live.get(f"/v1/campaigns/{campaign['id']}/funnel")
    total = funnel["total"]
    assert {
        k: total[k]
        for k in (
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
    } == {
        "reached": 3,
        "links": 5,
        "links_shared": 3,
        "clicks": 3,
        "requests": 4,
        "bot_requests": 1,
        "unique_visitors": 3,
        "applications": 2,
        "interviews": 1,
        "hires": 1,
    }
    channels = {c["channel"]: c for c in funnel["channels"]}
    assert {
        c: (v["links"], v["clicks"], v["applications"], v["hires"]) for c, v in channels.items()
    } == {
        "email": (1, 0, 0, 0),
        "linkedin": (2, 2, 1, 0),
        "whatsapp": (1, 1, 1, 1),
        "x": (1, 0, 0, 0),
    }
    people = {e["name"]: e for e in funnel["employees"]}
    assert {
        n: (v["links"], v["links_shared"], v["clicks"], v["applications"], v["hires"])
        for n, v in people.items()
    } == {
        "Anna": (3, 2, 2, 1, 1),
        "Bram": (1, 1, 1, 1, 0),
        "Chris": (1, 0, 0, 0, 0),
    }
    assert funnel["employees"][0]["name"] == "Anna"
    csv = live.client.get(f"/v1/campaigns/{campaign['id']}/funnel?format=csv", headers=live.headers)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")

    expected = {
        "first_touch": ({"linkedin": (2.0, 1.0), "whatsapp": (0.0, 0.0)}),
        "last_touch": ({"linkedin": (1.0, 0.0), "whatsapp": (1.0, 1.0)}),
        "linear": ({"linkedin": (1.5, 0.5), "whatsapp": (0.5, 0.5)}),
        "position_based": ({"linkedin": (1.5, 0.5), "whatsapp": (0.5, 0.5)}),
        "time_decay": ({"linkedin": (1.5, 0.5), "whatsapp": (0.5, 0.5)}),
    }
    for model, by_channel in expected.items():
        result = live.get(f"/v1/vacancies/{vacancy['id']}/attribution?model={model}")
        assert (result["applications"], result["attributed_applications"], result["hires"]) == (
            2,
            2,
            1,
        )
        assert {e["name"]: (e["applications"], e["hires"]) for e in result["employees"]} == {
            "Anna": (1.0, 1.0),
            "Bram": (1.0, 0.0),
        }, model
        assert {
            c["channel"]: (c["applications"], c["hires"]) for c in result["channels"]
        } == by_channel, model
        ownership = {o["application_id"]: o for o in result["ownership"]}
        assert ownership[eva["id"]]["reward_employee_id"] == employees["Anna"]
        assert ownership[eva["id"]]["rule"] == "new"

    rewards = live.get(f"/v1/employees/{employees['Anna']}/rewards")
    (reward,) = rewards["rewards"]
    assert (reward["application_id"], reward["state"], reward["amount"], reward["currency"]) == (
        eva["id"],
        "eligible",
        750,
        "EUR",
    )
    paid = live.client.post(
        f"/v1/employees/{employees['Anna']}/rewards/{eva['id']}/pay", json={}, headers=live.headers
    )
    assert paid.status_code == 200, paid.text
    rewards = live.get(f"/v1/employees/{employees['Anna']}/rewards")
    assert [row["state"] for row in rewards["rewards"][0]["ledger"]] == ["eligible", "paid"]
    assert rewards["totals"]["paid"]["count"] == 1
    assert live.get(f"/v1/employees/{employees['Bram']}/rewards")["rewards"] == []
    # The ledger outlives nothing it refers to: an employee with rewards is not deleted.
    refused = live.client.delete(f"/v1/employees/{employees['Anna']}", headers=live.headers)
    assert refused.status_code == 409

    board = live.get("/v1/employees/leaderboard")
    assert [(e["name"], e["hires"], e["applications"]) for e in board["data"][:2]] == [
        ("Anna", 1, 1),
        ("Bram", 0, 1),
    ]
