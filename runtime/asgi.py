"""The app factory for ASGI servers that import it by name, to run several API processes:

    TALENTMESH_DATABASE_URL=... TALENTMESH_BROKER_URL=... \\
        uvicorn --factory runtime.asgi:app --host 0.0.0.0 --port 8000 --workers 4

Settings come from the environment, and the database and broker must be named: processes
started this way share them and never start embedded ones. Run ``talentmesh migrate`` first.
Each process keeps its own link cache and click buffer (docs/scaling.md).
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from runtime.settings import Settings


def app() -> FastAPI:
    return create_app(Settings())
