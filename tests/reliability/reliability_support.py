"""Helpers of the reliability suite: the real ``govcase`` command, seed copies, a local web server."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.resources import reports_dir

GOVCASE = Path(sys.executable).with_name("govcase")
SEEDS = sorted(reports_dir().glob("*.txt"))


def govcase_env() -> dict:
    # A proxy from the environment must not catch requests to the local test server.
    return {
        **os.environ,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "PYTHONWARNINGS": "ignore",
    }


def run_govcase(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(GOVCASE), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=govcase_env(), timeout=timeout
    )


def start_govcase(*args: str, cwd: Path | None = None, new_session: bool = False) -> subprocess.Popen:
    """``govcase`` in the background; with ``new_session`` its workers share its process group id."""
    return subprocess.Popen(
        [str(GOVCASE), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=govcase_env(),
        start_new_session=new_session,
    )


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

PAGE = (
    "<html><head><meta charset='utf-8'><title>柳林社区推行楼栋议事会</title></head><body><article>"
    "<h1>柳林社区推行楼栋议事会</h1><p>柳林社区把议事会开到楼栋里,居民每月第一个周六在楼道议事。</p>"
    "<p>一年来,议事会共商议加装电梯、停车管理等事项46件,办结41件,居民参与率由18%提高到52%。</p>"
    "</article></body></html>"
).encode()
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


# -- a generated corpus ---------------------------------------------------------------------------------

CITIES = ["成都市", "杭州市", "西安市", "长沙市", "青岛市", "昆明市", "合肥市", "南宁市", "兰州市", "福州市"]
DISTRICTS = ["武侯区", "西湖区", "雁塔区", "岳麓区", "市南区", "五华区", "蜀山区", "青秀区", "城关区", "鼓楼区"]
COMMUNITIES = ["桂花", "青石", "南湖", "红星", "柳林", "东园", "白塔", "金沙", "望江", "清水", "玉泉", "新华"]
TOPICS = ["养老服务", "志愿服务", "网格化治理", "协商议事", "物业管理", "社区慈善", "三社联动", "平安建设"]
DUPLICATE_EVERY = 40  # every 40th file is a byte copy of an earlier one
_LEADING_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+[是、]|\([一二三四五六七八九十]+\))")


def body_paragraphs() -> list[str]:
    """Body paragraphs of the seeds and of our own reports, normalized (Simplified)."""
    from reliability_texts import CONSULTATION, ELDERLY, GRID, PROPERTY, VOLUNTEERS

    from pipeline.ingest.normalize import normalize

    texts = [normalize(seed.read_text(encoding="utf-8")).text for seed in SEEDS]
    texts += [ELDERLY, VOLUNTEERS, GRID, CONSULTATION, PROPERTY]
    return [line for text in texts for line in text.split("\n") if len(line) >= 30]


def make_corpus(directory: Path, count: int, *, seed: int = 7) -> list[Path]:
    """``count`` small reports recombined from body paragraphs with varied places and numbers.

    Returns the written files in the order ``govcase ingest DIR`` visits them.
    """
    import random

    rnd = random.Random(seed)
    pool = body_paragraphs()
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(count):
        path = directory / f"case_{i:05d}.txt"
        if i and i % DUPLICATE_EVERY == 0:
            path.write_bytes(rnd.choice(paths).read_bytes())
        else:
            city, district = rnd.choice(CITIES), rnd.choice(DISTRICTS)
            community, topic = rnd.choice(COMMUNITIES), rnd.choice(TOPICS)
            lines = [
                f"{city}{district}{community}社区推进{topic}工作({i})",
                f"{community}社区共有居民{rnd.randint(800, 9000)}户、{rnd.randint(2000, 30000)}人,"
                f"{rnd.randint(2015, 2023)}年以来持续推进{topic}。",
            ]
            lines.append(rnd.choice(["主要做法", "一、主要做法", "具体措施"]))
            for marker, paragraph in zip(
                ("一是", "二是", "三是", "四是", "五是"), rnd.sample(pool, rnd.randint(2, 5)), strict=False
            ):
                paragraph = re.sub(r"\d+", lambda m: str(rnd.randint(1, 5000)), _LEADING_MARKER.sub("", paragraph))
                lines.append(marker + paragraph)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
