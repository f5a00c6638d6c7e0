"""The embedded broker: found again by the processes that share its data dir, and started
again on the port it had, so clients that kept its URL reconnect."""

from __future__ import annotations

from pathlib import Path

from runtime.embedded import running_broker_url, start_embedded_broker


def test_found_while_running_and_back_on_its_port(tmp_path: Path) -> None:
    broker = start_embedded_broker(tmp_path)
    try:
        assert running_broker_url(tmp_path) == broker.url
        shared = start_embedded_broker(tmp_path)
        assert (shared.url, shared.server) == (broker.url, None)
    finally:
        broker.stop()
    assert running_broker_url(tmp_path) is None
    again = start_embedded_broker(tmp_path)
    try:
        assert again.url == broker.url
    finally:
        again.stop()
