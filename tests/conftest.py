"""Shared fixtures: stores built from the shipped seeds and the hand-written reports.

Stores live in pytest's tmp dirs, never in the user's outputs/.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "corpus" / "reports"
SEED_GOLD_DIR = ROOT / "corpus" / "gold"
FIXTURE_REPORTS_DIR = ROOT / "tests" / "fixtures" / "reports"
# Reports in the shapes of real web pages (portal chrome, question and two-part sub-headings, WeChat
# markup, untitled briefs), written with their gold by helpers who never read the extractor.
FIXTURE_PAGES_DIR = ROOT / "tests" / "fixtures" / "pages"


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory):
    """Path of a store holding the four seed reports, ingested once per session."""
    from pipeline import api

    db = tmp_path_factory.mktemp("seed-store") / "seeds.db"
    summary = api.ingest([SEEDS_DIR], db=db)
    assert summary.failed == 0, summary.errors
    return db


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory):
    """Path of a store holding the hand-written generality reports (other cities, layouts)."""
    from pipeline import api

    db = tmp_path_factory.mktemp("fixture-store") / "fixtures.db"
    sources = sorted(p for p in FIXTURE_REPORTS_DIR.iterdir() if p.suffix in {".txt", ".html", ".docx", ".pdf"})
    summary = api.ingest(sources, db=db)
    assert summary.failed == 0, summary.errors
    return db


@pytest.fixture(scope="session")
def page_store(tmp_path_factory):
    """Path of a store holding the page-shaped reports of tests/fixtures/pages."""
    from pipeline import api

    db = tmp_path_factory.mktemp("page-store") / "pages.db"
    summary = api.ingest(sorted(FIXTURE_PAGES_DIR.glob("*.txt")), db=db)
    assert summary.failed == 0, summary.errors
    return db


# Short reports written to test the profile chooser (issue 19), each with its expected profile block only.
FIXTURE_PROFILE_DIR = ROOT / "tests" / "fixtures" / "profile"


@pytest.fixture(scope="session")
def profile_store(tmp_path_factory):
    """Path of a store holding the profile chooser's own test reports."""
    from pipeline import api

    db = tmp_path_factory.mktemp("profile-store") / "profile.db"
    summary = api.ingest(sorted(FIXTURE_PROFILE_DIR.glob("*.txt")), db=db)
    assert summary.failed == 0, summary.errors
    return db


def pytest_addoption(parser):
    parser.addoption(
        "--update-scores",
        action="store_true",
        help="rewrite tests/expected_scores.json with the current scores (make update-scores)",
    )


# -- PostgreSQL: a real server for the second store backend ------------------------------------------
# CI (.ci/run) starts one and sets GOVCASE_TEST_PG. Elsewhere the tests start a throw-away server
# themselves when PostgreSQL's binaries are installed, and are skipped, saying why, when they are not.
# In CI a missing server is an error, never a skip. Each test run starts its own server on a port
# the OS hands out, in its own data directory, so that runs in two worktrees never meet. The
# directory is not under pytest's tmp root: every pytest session makes that root 0700 again, which
# locks the postgres user out of a server another session is still running (it then fails with
# "server closed the connection" or "template database template0 does not exist").
PG_START_TRIES = 3


def _free_port() -> int:
    """A loopback port nothing listens on now (another process may take it before the server does)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """URL of a PostgreSQL server's maintenance database (a user allowed to create databases)."""
    import os
    import shutil
    import subprocess
    import tempfile

    url = os.environ.get("GOVCASE_TEST_PG")
    if url:
        yield url
        return
    if os.environ.get("CI"):
        pytest.fail("CI must provide a PostgreSQL server: GOVCASE_TEST_PG is not set (see .ci/run)")
    data = Path(tempfile.mkdtemp(prefix="govcase-test-pg-"))
    script = ROOT / "scripts" / "pg_server.sh"
    for _ in range(PG_START_TRIES):  # a port taken between the probe and the start: try another
        started = subprocess.run([script, "start", str(data), str(_free_port())], capture_output=True, text=True)
        if started.returncode in (0, 3):  # 3: no server binaries here
            break
    if started.returncode != 0:
        pytest.skip(f"no PostgreSQL server could be started here: {started.stderr.strip()[-300:]}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([script, "stop", str(data)], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_database(pg_server):
    """A factory: the URL of a new, empty database on the test server."""
    import itertools
    import uuid

    psycopg = pytest.importorskip("psycopg", reason="psycopg is needed for the PostgreSQL backend")
    counter = itertools.count()
    created: list[str] = []

    def make() -> str:
        name = f"govcase_t{uuid.uuid4().hex[:8]}_{next(counter)}"
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING UTF8')
        created.append(name)
        return pg_server.rsplit("/", 1)[0] + "/" + name

    yield make
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def make_store(request, tmp_path_factory):
    """A factory: an empty writable store of a backend ("sqlite" or "postgresql")."""
    from pipeline.api import open_store

    def make(backend: str):
        if backend == "sqlite":
            return open_store(tmp_path_factory.mktemp("store") / "t.db")
        return open_store(request.getfixturevalue("pg_database")())

    return make


# -- Dask: a scheduler and workers as separate processes on loopback ------------------------------------
@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory):
    """Address of a Dask scheduler with two single-threaded workers, each its own process.

    CI (.ci/run) starts them and sets GOVCASE_TEST_DASK; elsewhere they are started here.
    """
    import os
    import socket
    import subprocess
    import sys
    import time

    address = os.environ.get("GOVCASE_TEST_DASK")
    if address:
        yield address
        return
    pytest.importorskip("distributed", reason="dask[distributed] is needed for the Dask engine")
    dask = str(Path(sys.executable).with_name("dask"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=open(logs / "scheduler.log", "w"),  # noqa: SIM115 (closed with the process)
        )
    ]
    for i in range(2):
        procs.append(
            subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                stdout=subprocess.DEVNULL,
                stderr=open(logs / f"worker{i}.log", "w"),  # noqa: SIM115
            )
        )
    from distributed import Client

    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        time.sleep(0.1)
