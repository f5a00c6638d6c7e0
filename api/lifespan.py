"""The app's lifespan: what runs once when a process starts serving and when it stops."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from api.click_flusher import click_flusher


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded by now (the models, spaCy, the app, ORM metadata: some 330,000
    # objects) lives as long as the process. Frozen, it is left out of the collector's
    # full passes, which otherwise walk all of it and stall every request in flight for
    # tens to hundreds of milliseconds: the tail of the redirect's latency.
    gc.collect()
    gc.freeze()
    # A young-generation pass every 20,000 net allocations instead of 700. Most of what a
    # match request allocates is gone when it ends, but a pass every 700 caught enough
    # of it alive to set off a full pass (60-80 ms over the cached profiles,
    # matching/scoring/side_cache.py) about every 20 match requests; at 20,000, none ran
    # in 120 (docs/architecture.md).
    gc.set_threshold(20_000, 10, 10)
    # numpy's BLAS on one thread. A request's products are small (a few vacancy sections
    # against a pool's 1,000 sections), and after each one a second BLAS thread spun on
    # the other core for a while, where the database was running the next search: match
    # p95 at 100,000 profiles went from 55.3 to 50.3 ms (docs/benchmarks.md, 2026-12-05,
    # night). The models' own thread pools (ONNX Runtime, PyTorch) are not BLAS's.
    threadpool_limits(limits=1, user_api="blas")
    async with click_flusher(app):
        yield
        # Cached links being read again in the background (api/routers/redirect.py)
        # finish their query before the process stops.
        await asyncio.gather(*app.state.link_refreshes, return_exceptions=True)
