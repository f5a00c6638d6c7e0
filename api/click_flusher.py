"""The API process's click buffer and the loop that writes it (``distribution/links/clicks``).

Started and stopped with the app (its lifespan): every ``click_flush_seconds`` the buffer
is written in a worker thread; on shutdown (uvicorn's SIGTERM or SIGINT) the loop stops
and one last flush writes what remains before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from distribution.links.clicks import ClickBuffer

logger = logging.getLogger(__name__)


async def _flush(app: FastAPI) -> None:
    buffer: ClickBuffer = app.state.click_buffer
    try:
        await to_thread.run_sync(buffer.flush, app.state.session_factory)
    except Exception:
        # The rows are back in the buffer; the next flush tries again.
        logger.exception("writing %d buffered clicks failed; retrying", buffer.pending_hits())


async def _loop(app: FastAPI, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await _flush(app)


@asynccontextmanager
async def click_flusher(app: FastAPI) -> AsyncIterator[None]:
    buffer: ClickBuffer = app.state.click_buffer
    task = None
    if buffer.flush_seconds > 0:
        task = asyncio.create_task(_loop(app, buffer.flush_seconds), name="click-flusher")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            # A flush in progress runs to its end in its thread; wait for it.
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await _flush(app)
        left = buffer.pending_hits()
        if left:
            logger.error("shutting down with %d clicks not written", left)
