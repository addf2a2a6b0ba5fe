"""The ASGI application behind `serve`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from storage.db import Database


def create_app(database: Database) -> FastAPI:
    app = FastAPI(title="ClubOS Tickets", version="0.1.0")

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        try:
            await database.ping()
        except (SQLAlchemyError, OSError) as exc:
            return JSONResponse(
                {"status": "unavailable", "reason": f"database: {type(exc).__name__}"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
