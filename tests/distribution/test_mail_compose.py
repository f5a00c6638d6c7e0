"""The mailer writes plain messages itself (headers made once per campaign, the body encoded
per message); a receiver must read them exactly as the email package's own messages."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import SMTP, default

import pytest

from distribution.campaigns.notify import (
    Content,
    Mailer,
    ShareLink,
    _compose,
    _fixed_headers,
    _message,
)
from tests.distribution.smtp import SmtpServer

SENDER = "TalentMesh <no-reply@bibliotheek.example>"
DATE = "Fri, 04 Dec 2026 15:00:00 -0000"


def _content(title: str, message: str | None, name: str = "Anna de Vries") -> Content:
    return Content(
        notification_id="0b6f8f0e-3c2a-4a59-9d55-6f1f0c2d1e4a",
        kind="invite",
        organisation="Bibliotheek",
        vacancy_id="4d1c2f0e-1111-4a59-9d55-6f1f0c2d1e4a",
        vacancy_title=title,
        employee={"id": "e", "external_id": None, "name": name, "email": "anna@example.org"},
        message=message,
        links=[
            ShareLink(
                "linkedin",
                "https://jobs.example.org/r/abc123",
                "Wij zoeken een collega",
                "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fjobs."
                "example.org%2Fr%2Fabc123&text=Wij%20zoeken%20een%20collega",
            )
        ],
        share_page="https://jobs.example.org/s/abc",
    )


CASES = [
    pytest.param("Archivaris", None, id="ascii, long lines"),
    pytest.param("Développeur collecties – ü", "Ken jij iemand? ☺", id="non-ascii"),
    pytest.param("Restaurator", "line one\r\n.starts with a dot\ntrailing space  ", id="dots"),
    pytest.param("Projectleider " * 20, "= sign and\ttab", id="long subject"),
]


@pytest.mark.parametrize(("title", "message"), CASES)
def test_a_composed_message_reads_as_the_email_package_writes_it(
    title: str, message: str | None
) -> None:
    content = _content(title, message)
    message_id = f"<{content.notification_id}@talentmesh>"
    fixed = _fixed_headers(SENDER, content.subject)
    assert fixed is not None
    sender, headers = fixed
    assert sender == "no-reply@bibliotheek.example"
    ours = email.message_from_bytes(
        _compose(headers, "anna@example.org", DATE, message_id, content.text()), policy=default
    )
    theirs = email.message_from_bytes(
        _message(SENDER, "anna@example.org", content, DATE, message_id).as_bytes(policy=SMTP),
        policy=default,
    )
    assert sorted(ours.keys()) == sorted(theirs.keys())
    for name in theirs:
        assert str(ours[name]) == str(theirs[name]), name
    assert isinstance(ours, EmailMessage)
    assert isinstance(theirs, EmailMessage)
    assert ours.get_content() == theirs.get_content()
    expected = "\n".join(content.text().splitlines())
    assert "\n".join(ours.get_content().splitlines()) == expected


def test_a_sender_or_recipient_that_needs_encoding_goes_through_the_email_package(
    smtp: SmtpServer,
) -> None:
    assert _fixed_headers("Bibliothèque <envoi@bibliothèque.example>", "s") is None
    mailer = Mailer(smtp.url, SENDER)
    try:
        mailer.send("anna@example.org", _content("Archivaris", None))
        mailer.send("Bram <bram@example.org>", _content("Archivaris", None, name="Bram"))
    finally:
        mailer.close()
    [anna] = smtp.sink.to("anna@example.org")
    [bram] = smtp.sink.to("bram@example.org")
    assert "Hello Anna de Vries," in anna.text
    assert "Hello Bram," in bram.text
    assert anna.message_id == bram.message_id == "<0b6f8f0e-3c2a-4a59-9d55-6f1f0c2d1e4a@talentmesh>"
