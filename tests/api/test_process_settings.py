"""What a serving process sets up once when it starts (api/lifespan.py)."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient
from threadpoolctl import threadpool_info


def test_serving_runs_blas_on_one_thread_and_collects_young_objects_less_often(
    client: TestClient,
) -> None:
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, "numpy's BLAS was not found"
    assert all(pool["num_threads"] == 1 for pool in blas)
    assert gc.get_threshold()[0] == 20_000
