"""A vacancy mailed to a list of addresses through the service's mail server
(``TALENTMESH_SMTP_URL``, the one campaign mails use). Mail cannot be taken back: an
update mails the new text, a withdrawal a short note that the vacancy has closed."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from distribution.campaigns.notify import parse_smtp_url
from distribution.posting.adapters.base import (
    Content,
    CredentialsRejectedError,
    PermanentError,
    Published,
    TemporaryError,
)


def _one_line(text: str) -> str:
    # A header holds one line: a title with line breaks must not break (or forge) it.
    return " ".join(text.split())[:200]


class EmailAdapter:
    def __init__(
        self, *, smtp_url: str | None, sender: str, recipients: list[str], timeout: float = 30
    ) -> None:
        self.smtp_url = smtp_url
        self.sender = sender
        self.recipients = recipients
        self.timeout = timeout

    def _message(self, subject: str, text: str, message_id: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = _one_line(subject)
        message["Date"] = formatdate(localtime=False)
        # Stable per post and action: a retried send is recognised by mail systems.
        message["Message-ID"] = message_id
        message.set_content(text)
        return message

    def _send(self, message: EmailMessage) -> None:
        if not self.smtp_url:
            raise PermanentError("no mail server configured (TALENTMESH_SMTP_URL)")
        target = parse_smtp_url(self.smtp_url)
        try:
            smtp: smtplib.SMTP
            if target.tls:
                context = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(
                    target.host, target.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
            with smtp:
                if target.starttls and not target.tls:
                    smtp.starttls(context=ssl.create_default_context())
                if target.username:
                    smtp.login(target.username, target.password or "")
                smtp.send_message(message, self.sender, self.recipients)
        except smtplib.SMTPAuthenticationError as exc:
            raise CredentialsRejectedError(f"the mail server refused the login: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"the mail server refused the recipients: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            error = TemporaryError if 400 <= exc.smtp_code < 500 else PermanentError
            raise error(f"the mail server answered {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryError(f"mail server not reached: {exc}") from exc

    def publish(self, content: Content) -> Published:
        message_id = f"<post-{content.post_id}@talentmesh>"
        self._send(self._message(content.title, content.text, message_id))
        return Published(message_id)

    def update(self, platform_id: str, content: Content) -> Published:
        message_id = f"<post-{content.post_id}-updated@talentmesh>"
        self._send(self._message(f"Updated: {content.title}", content.text, message_id))
        return Published(platform_id)

    def withdraw(self, platform_id: str, content: Content) -> None:
        text = (
            f"The vacancy {content.title} at {content.organisation} is closed and takes no "
            "more applications. Thank you for passing it on."
        )
        message_id = f"<post-{content.post_id}-closed@talentmesh>"
        self._send(self._message(f"Closed: {content.title}", text, message_id))
