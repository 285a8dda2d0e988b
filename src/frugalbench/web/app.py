"""``create_app(settings)``: the challenge server's application.

It migrates the database, builds the queue and the leaderboard cache, and joins the routers of
``web/routes`` (the JSON API and the pages). A user's mistake becomes ``{"detail": "one line"}``
with the status its error class carries, never a 500; paths of the server never show in it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from frugalbench.errors import UnknownNameError, UserError
from frugalbench.web.board import LeaderboardCache
from frugalbench.web.db import make_engine, make_sessionmaker
from frugalbench.web.public import scrub_paths
from frugalbench.web.settings import Settings


def create_app(settings: Settings, queue: Any = None, start_worker: bool | None = None) -> FastAPI:
    """The application over the database and queue that ``settings`` name.

    The database is migrated on start. With ``start_worker`` (default: ``settings.embedded_worker``)
    one evaluation worker runs inside the server process, so the quick start needs nothing else.
    """
    from frugalbench.web.db import migrate
    from frugalbench.web.queue import EvaluationQueue
    from frugalbench.web.routes import api, pages

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    factory = make_sessionmaker(engine)
    queue = queue or EvaluationQueue(settings, factory)
    embedded = settings.embedded_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = queue.start_thread() if embedded else None
        try:
            yield
        finally:
            if worker is not None:
                worker[1].set()
                worker[0].join(timeout=5)
            engine.dispose()

    app = FastAPI(title="frugalbench challenge server", lifespan=lifespan)
    app.state.settings = settings
    app.state.queue = queue
    app.state.factory = factory
    app.state.boards = LeaderboardCache(factory, pages.render_board, settings.leaderboard_fresh_s)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        status = getattr(exc, "status", 404 if isinstance(exc, UnknownNameError) else 422)
        return JSONResponse({"detail": scrub_paths(str(exc), settings)}, status_code=status)

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
