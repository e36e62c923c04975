"""Helpers of the reliability suite: the real ``govcase`` command, seed copies, a local web server."""
from __future__ import annotations

import http.server
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from pipeline.resources import reports_dir

GOVCASE = Path(sys.executable).with_name("govcase")
SEEDS = sorted(reports_dir().glob("*.txt"))


def govcase_env() -> dict:
    # A proxy from the environment must not catch requests to the local test server.
    return {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "PYTHONWARNINGS": "ignore"}


def run_govcase(*args: str, cwd: Optional[Path] = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(GOVCASE), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=govcase_env(), timeout=timeout)


def start_govcase(*args: str, cwd: Optional[Path] = None) -> subprocess.Popen:
    return subprocess.Popen([str(GOVCASE), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=cwd, env=govcase_env())


def copy_seeds(directory: Path, count: int = 2) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(seed, directory / seed.name)) for seed in SEEDS[:count]]


def readonly_count(db: Path, sql: str = "SELECT count(*) FROM documents") -> int:
    """A count read through a separate read-only connection (0 while the store does not exist yet)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the schema is being created
        return 0


def wait_until(condition: Callable[[], bool], *, timeout: float, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return False


# -- a local web server -------------------------------------------------------------------------------

PAGE = ("<html><head><meta charset='utf-8'><title>柳林社区推行楼栋议事会</title></head><body><article>"
        "<h1>柳林社区推行楼栋议事会</h1><p>柳林社区把议事会开到楼栋里,居民每月第一个周六在楼道议事。</p>"
        "<p>一年来,议事会共商议加装电梯、停车管理等事项46件,办结41件,居民参与率由18%提高到52%。</p>"
        "</article></body></html>").encode("utf-8")
SLOW_SECONDS = 20.0  # longer than fetch_url's default read timeout (15 s)


class WebHandler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/slow":
            self.release.wait(SLOW_SECONDS)
        if self.path == "/page":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
        elif self.path in ("/error", "/slow"):
            self.send_error(500)
        else:
            self.send_error(404)
