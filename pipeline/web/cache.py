"""Whole pages kept until the store changes (Flask-Caching), for a server many people read.

A page of a read-only server is a function of its request and of the store, so each process
keeps the pages it rendered, keyed by the request's path and query string exactly as sent
(filters, page numbers and every repeated parameter included) and by the store's generation
when the request began. An ingest, by any process, changes the generation: every page kept
before is never looked up again (it ages out). On PostgreSQL the generation is the one the
request's connection keeps its aggregates under (``Reads.generation``, re-read at most every
``pgstore.GENERATION_TTL_S``), so a page is never kept under a newer generation than the
counts inside it. A SQLite request opens a new connection, which cannot tell what changed:
its generation is SQLite's data_version read on one connection per process kept for that
alone, at most every ``CHECK_S`` seconds. Either way a page may show the store as it was a
second or so before. Only complete pages (status 200) are kept; errors, downloads and the
heatmap picture are not.

The cache is Flask-Caching's: in-process (``SimpleCache``) by default; under gunicorn
(``pipeline.web.wsgi``) a directory the workers share (``PageFiles``), so that a page one
worker rendered serves the others (a SQLite store's versions name their own connection, so
there each process keeps its own pages). ``GOVCASE_CACHE_*`` variables of the environment
configure it like Flask-Caching's own ``CACHE_*`` settings (``GOVCASE_CACHE_TYPE=NullCache``
turns it off; ``GOVCASE_CACHE_TYPE=RedisCache`` with ``GOVCASE_CACHE_REDIS_URL`` shares it
between hosts).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from flask import Flask, Response, request
from flask_caching import Cache
from flask_caching.backends.filesystemcache import FileSystemCache

from .. import api
from ..pgstore import is_url
from ..readmodel import Reads
from ..store import Store

# How often a process asks whether a SQLite store changed (PostgreSQL: pgstore.GENERATION_TTL_S).
CHECK_S = 1.0
# Pages kept per process (~20-200 KB each), and for at most this many seconds whatever happens.
PAGES = 2_000
PAGE_TIMEOUT_S = 3_600
DEFAULTS = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": PAGES, "CACHE_DEFAULT_TIMEOUT": PAGE_TIMEOUT_S}


class StoreVersion:
    """The served store's data version, read at most every ``check_s`` seconds, for requests whose
    store cannot tell its generation (SQLite's: a new connection each).

    One connection of its own, opened on the first call and opened again after an error, shared
    by the process's threads (each read takes the lock: a statement of well under a millisecond).
    """

    def __init__(self, db: str, check_s: float = CHECK_S) -> None:
        self.db = db
        self.check_s = check_s
        self._store: Store | None = None
        self._connection = ""  # which connection the versions were read on: they compare on it alone
        self._read: tuple[float, str] | None = None  # (read at, version)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            now = time.monotonic()
            if self._read is None or now - self._read[0] >= self.check_s:
                self._read = (now, self._ask())
            return self._read[1]

    def _ask(self) -> str:
        try:
            if self._store is None:
                self._store = api.open_store(self.db, readonly=True)
                self._connection = uuid.uuid4().hex
            return f"{self._connection}:{self._store.data_version()}"
        except Exception:
            if self._store is not None:
                self._store.close()
                self._store = None
            raise


class PageFiles(FileSystemCache):
    """Flask-Caching's FileSystemCache (the gunicorn workers' shared pages), pruned in bulk.

    Hand-written because cachelib, once past its threshold, opens every file on every new page to
    find the one oldest and removes that one: 32 ms a page at 2,000 pages of 25 KB, against 0.3-2.8 ms
    below the threshold. Here the oldest quarter, by modification time, goes at once (2.3-2.5 ms a
    page past the threshold, the writes themselves).
    """

    def _prune(self) -> None:
        if not self._over_threshold():
            return
        pages = []
        for entry in os.scandir(self._path):
            try:
                if not self._is_mgmt(entry.name):
                    pages.append((entry.stat().st_mtime, entry.path))
            except FileNotFoundError:  # another worker removed it meanwhile
                continue
        pages.sort()
        doomed = pages[: max(1, len(pages) // 4)]
        for _, path in doomed:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        self._update_count(value=len(pages) - len(doomed))


def environment_config(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Flask-Caching's settings from ``GOVCASE_CACHE_*`` variables (``GOVCASE_CACHE_THRESHOLD=500``
    is ``CACHE_THRESHOLD = 500``; values that read as JSON are taken as such, others as text)."""
    config: dict[str, Any] = {}
    for name, value in environ.items():
        if name.startswith("GOVCASE_CACHE_"):
            try:
                config[name.removeprefix("GOVCASE_")] = json.loads(value)
            except ValueError:
                config[name.removeprefix("GOVCASE_")] = value
    return config


def page_cache(
    app: Flask,
    db: str,
    store: Callable[[], Reads],
    *,
    config: Mapping[str, Any] | None = None,
    check_s: float | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator that keeps a view's pages for ``app`` (``store``: the request's store).

    The cache is set up with ``DEFAULTS``, then ``config``, then the environment's settings (the
    operator's word is the last); ``check_s`` (default ``CHECK_S``) is how often a SQLite store's
    version is read.
    """
    cache = Cache(app, config={**DEFAULTS, **(config or {}), **environment_config()})
    version = StoreVersion(db, CHECK_S if check_s is None else check_s)

    # A SQLite request's own connection would be opened for nothing: it cannot tell.
    server = is_url(db)

    def page_key(*_args: Any, **_kwargs: Any) -> str:
        generation: Hashable | None = store().generation() if server else None
        if generation is None:
            generation = version()
        return f"{generation} {request.full_path}"

    # response_hit_indication: a kept page carries the header hit_cache (scripts/load_test.py counts them).
    return cache.cached(make_cache_key=page_key, response_filter=_complete, response_hit_indication=True)


def _complete(page: Any) -> bool:
    return isinstance(page, str) or (isinstance(page, Response) and page.status_code == 200)
