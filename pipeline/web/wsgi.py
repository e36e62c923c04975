"""The web interface under gunicorn, for many users: ``govcase serve --workers N``.

Each worker process builds its own app (no preloading), so no database connection
is shared across a fork; each handles requests on THREADS threads, which wait on
the database rather than on Python. The workers keep their pages in one directory
(pipeline.web.cache), removed when the server stops. With PostgreSQL, give the server a role that
may only read (README, "A shared PostgreSQL store"); the app opens every
connection read-only in any case.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from .cache import PAGES

THREADS = 4
TIMEOUT_S = 60


def serve_gunicorn(db: str, host: str, port: int, *, workers: int) -> None:
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError as exc:
        raise RuntimeError("--workers 需要安装 gunicorn:pip install gunicorn") from exc

    from .app import create_app

    create_app(db)  # fail now, in the terminal, on a missing or newer database
    pages, master = tempfile.mkdtemp(prefix="govcase-pages-"), os.getpid()
    cache = {"CACHE_TYPE": "pipeline.web.cache.PageFiles", "CACHE_DIR": pages, "CACHE_THRESHOLD": PAGES}

    class GovcaseApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": THREADS,
                "timeout": TIMEOUT_S,
                "accesslog": None,
                "preload_app": False,
            }.items():
                self.cfg.set(key, value)

        def load(self):
            return create_app(db, cache_config=cache)

    try:
        GovcaseApplication().run()
    finally:
        if os.getpid() == master:  # a worker leaving (its SystemExit passes through here) keeps the pages
            shutil.rmtree(pages, ignore_errors=True)
