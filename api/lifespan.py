"""The app's lifespan: what runs once when a process starts serving and when it stops."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.click_flusher import click_flusher


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded by now (the models, spaCy, the app, ORM metadata: some 330,000
    # objects) lives as long as the process. Frozen, it is left out of the collector's
    # full passes, which otherwise walk all of it and stall every request in flight for
    # tens to hundreds of milliseconds: the tail of the redirect's latency.
    gc.collect()
    gc.freeze()
    async with click_flusher(app):
        yield
