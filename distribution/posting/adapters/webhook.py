"""Incoming webhooks of chat tools and intranets: Slack (``text`` and Block Kit
``blocks``), Microsoft Teams (a message with an Adaptive Card attachment, as Teams
workflows and connectors accept) and a generic JSON message signed per the Standard
Webhooks convention. A webhook cannot delete what it posted: an update posts the new text,
a withdrawal posts that the vacancy has closed."""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx

from distribution.posting.adapters.base import Content, Published, send
from runtime.webhook_signing import signed_headers

Style = Literal["slack", "teams", "webhook"]
Action = Literal["published", "updated", "withdrawn"]
LEADS: dict[Action, str] = {"published": "", "updated": "Updated: ", "withdrawn": "Closed: "}


def _slack_escape(text: str) -> str:
    # The three characters Slack's mrkdwn reserves.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _closed_text(content: Content) -> str:
    return f"This vacancy at {content.organisation} is closed: {content.title}."


def slack_body(content: Content, action: Action) -> dict[str, Any]:
    text = _closed_text(content) if action == "withdrawn" else LEADS[action] + content.text
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(text)[:3000]}}
    ]
    if action != "withdrawn":
        button = {"type": "plain_text", "text": "View the vacancy"}
        blocks.append(
            {
                "type": "actions",
                "elements": [{"type": "button", "text": button, "url": content.url}],
            }
        )
    return {"text": text, "blocks": blocks}


def teams_body(content: Content, action: Action) -> dict[str, Any]:
    closed = action == "withdrawn"
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": LEADS[action] + content.title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {
                "type": "TextBlock",
                "text": _closed_text(content) if closed else content.text,
                "wrap": True,
            },
        ],
    }
    if not closed:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "View the vacancy", "url": content.url}
        ]
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


def generic_body(content: Content, action: Action) -> dict[str, Any]:
    return {
        "type": f"vacancy.post.{action}",
        "post_id": content.post_id,
        "organisation": content.organisation,
        "title": content.title,
        "text": content.text,
        "url": content.url,
        "language": content.language,
    }


class WebhookAdapter:
    def __init__(
        self, client: httpx.Client, *, style: Style, url: str, secret: str | None = None
    ) -> None:
        self.client = client
        self.style = style
        self.url = url
        self.secret = secret

    def _send(self, content: Content, action: Action) -> None:
        if self.style == "slack":
            body = slack_body(content, action)
        elif self.style == "teams":
            body = teams_body(content, action)
        else:
            body = generic_body(content, action)
        raw = json.dumps(body, separators=(",", ":")).encode()
        if self.secret:
            headers = signed_headers(self.secret, f"{content.post_id}.{action}", raw)
        else:
            headers = {"content-type": "application/json"}
        headers["user-agent"] = "TalentMesh-Posting/1.0"
        send(self.client, self.style.capitalize(), "POST", self.url, content=raw, headers=headers)

    def publish(self, content: Content) -> Published:
        self._send(content, "published")
        # A webhook gives no id back: the post's own id stands for it.
        return Published(content.post_id)

    def update(self, platform_id: str, content: Content) -> Published:
        self._send(content, "updated")
        return Published(platform_id)

    def withdraw(self, platform_id: str, content: Content) -> None:
        self._send(content, "withdrawn")
