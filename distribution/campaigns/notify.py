"""Notifications to employees: the content of an invitation or a reminder, and its delivery
by SMTP or by a signed webhook."""

from __future__ import annotations

import binascii
import contextlib
import json
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from distribution.links.codes import link_url
from distribution.links.share import intent_url, share_text
from models import TrackedLink
from runtime.webhook_signing import signed_headers

CHANNEL_NAMES = {
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "x": "X",
    "whatsapp": "WhatsApp",
    "email": "Email",
    "intranet": "Intranet",
}


class DeliveryError(Exception):
    """A notification could not be delivered; the message says why (stored on it)."""


@dataclass(frozen=True)
class ShareLink:
    channel: str
    url: str
    text: str
    intent: str


@dataclass
class Content:
    notification_id: str
    kind: str
    organisation: str
    vacancy_id: str
    vacancy_title: str
    employee: dict[str, Any]
    message: str | None
    links: list[ShareLink] = field(default_factory=list)
    share_page: str | None = None

    @property
    def subject(self) -> str:
        prefix = "Reminder: " if self.kind == "reminder" else ""
        # A header holds one line: a title with line breaks must not break (or forge) it.
        title = " ".join(self.vacancy_title.split())
        return f"{prefix}Help us find a colleague: {title}"[:200]

    def text(self) -> str:
        lines = [f"Hello {self.employee['name']},", ""]
        if self.kind == "reminder":
            lines += ["A short reminder: the vacancy below is still open.", ""]
        lines += [
            f"{self.organisation} is hiring: {self.vacancy_title}.",
            "Sharing it in your own network helps us reach people no job board does.",
            "Each link below is yours: it tells us which shares brought applicants.",
        ]
        if self.message:
            lines += ["", self.message]
        if self.share_page:
            lines += ["", f"Your share page, every link and text ready to copy: {self.share_page}"]
        for link in self.links:
            lines += [
                "",
                f"{CHANNEL_NAMES[link.channel]}: {link.intent}",
                f"  Suggested text: {link.text}",
                f"  Your link: {link.url}",
            ]
        lines += ["", "You get these messages as an ambassador; reply to opt out."]
        return "\n".join(lines) + "\n"

    def payload(self) -> dict[str, Any]:
        return {
            "type": f"campaign.{self.kind}",
            "data": {
                "notification_id": self.notification_id,
                "organisation": self.organisation,
                "vacancy": {"id": self.vacancy_id, "title": self.vacancy_title},
                "employee": self.employee,
                "message": self.message,
                "share_page": self.share_page,
                "links": [
                    {
                        "channel": link.channel,
                        "url": link.url,
                        "share_text": link.text,
                        "intent_url": link.intent,
                    }
                    for link in self.links
                ],
            },
        }


def share_link(
    channel: str, url: str, *, title: str, organisation: str, message: str | None
) -> ShareLink:
    text = share_text(channel, title=title, organisation=organisation, url=url, message=message)
    subject = f"{organisation}: {title}"
    return ShareLink(channel, url, text, intent_url(channel, url=url, text=text, subject=subject))


def share_links(
    links: list[TrackedLink],
    public_url: str,
    *,
    title: str,
    organisation: str,
    message: str | None,
) -> list[ShareLink]:
    """An employee's campaign links as they are offered: link, text and share dialog."""
    return [
        share_link(
            link.channel,
            link_url(public_url, link.code),
            title=title,
            organisation=organisation,
            message=message,
        )
        for link in links
    ]


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://[user:pass@]host[:port][?starttls=true]`` or ``smtps://...``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"not an smtp:// or smtps:// URL: {url!r}")
    tls = parts.scheme == "smtps"
    starttls = parse_qs(parts.query).get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        tls=tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class Mailer:
    """One SMTP connection for a batch of messages, opened on first use and reopened after
    an error."""

    def __init__(self, smtp_url: str | None, sender: str, timeout: float = 30) -> None:
        self.target = parse_smtp_url(smtp_url) if smtp_url else None
        self.sender = sender
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.target is None:
            raise DeliveryError("no mail server configured (TALENTMESH_SMTP_URL)")
        t = self.target
        smtp: smtplib.SMTP
        # A TLS context loads the system's certificates: only made when TLS is used.
        if t.tls:
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
            if t.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if t.username:
            smtp.login(t.username, t.password or "")
        return smtp

    def send(self, to: str, content: Content) -> None:
        message_id = f"<{content.notification_id}@talentmesh>"
        date = formatdate(localtime=False)
        fixed = _fixed_headers(self.sender, content.subject)
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            if fixed is not None and _SIMPLE_ADDRESS.match(to):
                sender, headers = fixed
                data = _compose(headers, to, date, message_id, content.text())
                self._smtp.sendmail(sender, [to], data)
            else:
                self._smtp.send_message(_message(self.sender, to, content, date, message_id))
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(f"SMTP: {exc}") from exc

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _message(sender: str, to: str, content: Content, date: str, message_id: str) -> EmailMessage:
    """The message built by the email package: the general case (an address or a sender
    that needs encoding, SMTPUTF8)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = content.subject
    message["Date"] = date
    # Stable per notification: if a crash makes us send it twice, mail systems that
    # deduplicate by Message-ID show it once.
    message["Message-ID"] = message_id
    message.set_content(content.text())
    return message


# An ASCII address that the email package writes out unchanged: such a To header, and the
# envelope address, need no parsing.
_SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\Z")


# The email package's longest line before it encodes a text (its default policy's).
_MAX_LINE = SMTP_POLICY.max_line_length or 78


@lru_cache(maxsize=64)
def _fixed_headers(sender: str, subject: str) -> tuple[str, bytes] | None:
    """The envelope sender and the From and Subject headers as the email package writes
    them (encoded words, folding): built once per sender and subject, that is per campaign
    and kind, instead of parsing them again for every message. ``None`` when the sender's
    address is not plain ASCII (the message then goes through the email package)."""
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = subject
    address = getaddresses([sender])[0][1]
    if not _SIMPLE_ADDRESS.match(address):
        return None
    headers = b"".join(SMTP_POLICY.fold_binary(name, value) for name, value in message.items())
    return address, headers


def _compose(headers: bytes, to: str, date: str, message_id: str, text: str) -> bytes:
    """The message as ``EmailMessage.set_content`` and the SMTP policy write it: plain text
    in UTF-8, 7bit when it is ASCII in short lines, else quoted-printable."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= _MAX_LINE and all(
        line.isascii() for line in lines
    ):
        cte, body = b"7bit", b"\r\n".join(lines) + b"\r\n"
    else:
        encoded = binascii.b2a_qp(b"\n".join(lines) + b"\n", istext=True)
        cte, body = b"quoted-printable", encoded.replace(b"\n", b"\r\n")
    return b"".join(
        (
            headers,
            b"To: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
            % (to.encode("ascii"), date.encode("ascii"), message_id.encode("ascii")),
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: %s\r\n' % cte,
            b"MIME-Version: 1.0\r\n\r\n",
            body,
        )
    )


def post_webhook(client: httpx.Client, url: str, secret: str, content: Content) -> None:
    body = json.dumps(content.payload(), separators=(",", ":")).encode()
    headers = signed_headers(secret, content.notification_id, body)
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook: {exc}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"webhook answered {response.status_code}")
