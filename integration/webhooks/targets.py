"""Where webhooks may be sent.

An API client chooses a webhook URL, but our worker fetches it from inside our network and
keeps the start of each answer in the delivery log. Without a check a URL could reach the
database, the broker or a cloud metadata service (169.254.169.254) and show their answers to
the client. So a URL must resolve to public addresses only, checked when it is registered
and again before every attempt (a DNS name can change what it points at). Development and
tests, whose receivers run on this machine, switch the check off with
``TALENTMESH_WEBHOOK_ALLOW_PRIVATE``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def refusal(url: str) -> str | None:
    """Why ``url`` may not receive webhooks, or None when it may."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return "the URL names no host"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return f"the host {host} does not resolve"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return f"the host {host} resolves to {address}, a private, local or reserved address"
    return None
