"""Request and response shapes of tracked links (field names are part of the public API)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from matching.types import StrictModel

LinkChannel = Literal["linkedin", "facebook", "x", "whatsapp", "email", "intranet", "direct"]


class ReshareRequest(StrictModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"channel": "whatsapp"}]})

    channel: LinkChannel = Field(
        default="direct",
        description="Where the visitor means to share the new link; it becomes the link's "
        "`utm_source`.",
    )


class ReshareOut(StrictModel):
    code: str = Field(description="Short code of the new link.")
    url: str = Field(description="The link to share: `PUBLIC_URL/r/{code}`.")
    parent_code: str = Field(description="Code of the link the visitor arrived through.")
    depth: int = Field(description="Steps from the employee's own link (which has depth 0).")
    channel: LinkChannel
    share: dict[str, str] = Field(
        description="Share-intent URL per channel (linkedin, facebook, x, whatsapp, email, "
        "intranet, direct), each with a ready-made text carrying the new link."
    )
