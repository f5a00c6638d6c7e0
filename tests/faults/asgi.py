"""The app the fault tests serve with ``uvicorn --factory tests.faults.asgi:app``."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from runtime.settings import Settings


def app() -> FastAPI:
    return create_app(Settings())
