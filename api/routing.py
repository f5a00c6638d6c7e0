"""The route class of every API router: request bodies are read as strict JSON
(``runtime.strict_json``), so a body the database could not hold, or one two JSON readers
would read differently, is a 422 naming the problem before any route runs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from runtime import strict_json


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_json.loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """FastAPI reads a JSON body with ``request.json()`` and reports a ``JSONDecodeError``
    as a validation error; ``strict_json.JsonError`` is one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
