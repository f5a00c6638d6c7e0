"""The reference of bench_redirect.py: a bare FastAPI app whose ``GET /r/{code}`` answers a
constant 302 (a sync route, like the real one, so both pay the same thread-pool hop)."""

from __future__ import annotations

from fastapi import FastAPI, Response

app = FastAPI()
LOCATION = "https://werkenbij.example.org/vacatures/17?lang=nl&utm_medium=referral"


@app.get("/r/{code}")
def follow(code: str) -> Response:
    return Response(status_code=302, headers={"Location": LOCATION, "Cache-Control": "no-store"})
