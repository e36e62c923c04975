"""Batch ingest on a Dask distributed cluster: the per-document analysis as tasks, storing stays here.

``govcase ingest PATHS --engine dask [--scheduler tcp://HOST:8786]``. Sources are
cut into partitions of ``PARTITION_DOCS``; each partition is one task running
``api._process_source`` on a worker, whose dictionary and models were loaded once
by a worker plugin. At most ``IN_FLIGHT`` partitions per worker are submitted at
a time and their rows come back in submission order, so memory on the client
stays flat however many sources there are, and the store (SQLite or PostgreSQL)
receives them in batches as with ``--jobs``.

Resuming: a task on a lost worker is run again by Dask (``retries``); a killed
client leaves every committed batch stored, and a re-run skips the sources stored
with the same bytes and dedupes the rest by content hash, so nothing is doubled.
Without ``--scheduler`` a ``LocalCluster`` of ``--jobs`` single-threaded worker
processes runs on this machine, forked (as the ``--jobs`` pool is) from this
process once it has loaded everything: the workers share those pages instead of
each importing and loading them again.
"""

from __future__ import annotations

import gc
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

# Sources per task: a task's scheduling and hand-over cost a few milliseconds, a
# partition of short documents a few hundred; docs/CHANGELOG.md has the figures.
PARTITION_DOCS = 64
IN_FLIGHT = 4  # partitions queued per worker: enough to hide a round trip, few enough to keep memory flat
TASK_RETRIES = 3


class DaskUnavailable(RuntimeError):
    pass


def _require():
    try:
        import distributed
    except ImportError as exc:
        raise DaskUnavailable("使用 --engine dask 需要安装 dask:pip install 'dask[distributed]'") from exc
    return distributed


def _worker_plugin(options):
    distributed = _require()

    class GovcaseWorker(distributed.WorkerPlugin):
        """Loads the segmenter's dictionary and the theme model once per worker process."""

        name = "govcase"

        def __init__(self, options) -> None:
            self.options = options

        def setup(self, worker) -> None:
            from .api import warm_up

            warm_up(self.options)

    return GovcaseWorker(options)


def process_partition(sources: list[str]) -> list:
    """On a worker: each source's rows to store (or its IngestError), in order."""
    from .api import _process_source, _worker_state

    if "options" not in _worker_state:  # a worker that joined without the plugin's setup
        raise RuntimeError("govcase worker plugin not set up")
    return [_process_source(source) for source in sources]


def partitions(sources: list[str], size: int = PARTITION_DOCS) -> list[list[str]]:
    return [sources[i : i + size] for i in range(0, len(sources), size)]


def map_sources(sources: list[str], options, *, scheduler: str | None = None, workers: int = 2) -> Iterator:
    """(source, result) for every source, in input order, computed on a Dask cluster."""
    from .api import task_size

    distributed = _require()
    with ExitStack() as stack:
        if scheduler is None:
            stack.enter_context(_local_workers(options))
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
                )
            )
        client = stack.enter_context(distributed.Client(cluster if scheduler is None else scheduler, timeout="30s"))
        client.register_plugin(_worker_plugin(options))
        n_workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
        parts = partitions(sources, task_size(len(sources), n_workers, PARTITION_DOCS))
        yield from _stream(client, parts, IN_FLIGHT * n_workers)


# A LocalCluster's workers and nannies wake less often than Dask's defaults: each worker's
# statistical profiler sampled every thread's stack every 10 ms, the event loops ticked every
# 20 ms and the nannies read each worker's memory every 100 ms. On 2,000 bench documents these
# cost ~1.5 s of CPU and 10 % of the wall clock of a 2-worker run (docs/CHANGELOG.md).
QUIET_LOCAL_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


@contextmanager
def _local_workers(options) -> Iterator[None]:
    """While open, a LocalCluster's nannies fork their workers from this process, warmed up,
    and the cluster runs with ``QUIET_LOCAL_CLUSTER``.

    Spawned workers each imported govcase and loaded the dictionary, rules and models
    again, and each kept a private copy of them: on two cores that cost about a core-second
    per worker and a tenth more CPU per document than the --jobs pool's workers, whose
    pages are shared. The warm objects are frozen (no collection walks them again) until
    the cluster closes, as in api._map.
    """
    import dask

    from .api import warm_up

    config = dict(QUIET_LOCAL_CLUSTER)
    forked = sys.platform.startswith("linux")  # as api._map: fork only where it is the platform's own default
    if forked:
        warm_up(options)
        gc.freeze()
        config["distributed.worker.multiprocessing-method"] = "fork"
    try:
        with dask.config.set(config):
            yield
    finally:
        if forked:
            gc.unfreeze()


def _stream(client, parts: list[list[str]], slots: int) -> Iterator:
    pending: deque = deque()
    todo = iter(parts)
    for part in todo:
        pending.append((part, _submit(client, part)))
        if len(pending) >= slots:
            break
    while pending:
        part, future = pending.popleft()
        results = future.result()
        future.release()
        nxt = next(todo, None)
        if nxt is not None:
            pending.append((nxt, _submit(client, nxt)))
        yield from zip(part, results, strict=True)


def _submit(client, part: list[str]):
    # pure=False: a re-run of the same sources must read them again (their files may have changed).
    return client.submit(process_partition, part, pure=False, retries=TASK_RETRIES)
