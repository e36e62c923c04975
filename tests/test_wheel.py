"""A wheel works away from the checkout: its data (corpus/, models/) travels inside it.

Builds the wheel, installs it into a fresh venv and runs ``govcase run`` on a copy of the
shipped reports in a temporary directory, with neither the checkout nor GOVCASE_DATA in reach.
The fresh venv borrows this venv's third-party packages through a .pth line (installing them
all again would take minutes); .pth files of that directory are not processed, so the
checkout's editable install stays out and the venv's ``pipeline`` is the wheel's.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_wheel_runs_govcase_from_any_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVCASE_", "PYTHON", "VIRTUAL_ENV"))}
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT, cwd=tmp_path, env=env)
    assert "importable but absent" not in built.stderr, built.stderr  # setuptools' package-data warning
    (wheel,) = dist.glob("govcase-*.whl")

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path, env=env
        ).stdout.strip()
    )
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel, cwd=tmp_path, env=env)

    work = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "corpus" / "reports", work / "reports")
    where = _run(python, "-c", "import pipeline; print(pipeline.__file__)", cwd=work, env=env).stdout
    assert str(site) in where and str(ROOT) not in where
    # Every list file the loader knows travels in the wheel and reads clean there.
    checked = "from pipeline import resources, vocabulary; print(resources.data_dir()); print(vocabulary.check_all())"
    data_dir, errors = _run(python, "-c", checked, cwd=work, env=env).stdout.splitlines()
    assert data_dir.startswith(str(site)) and errors == "[]", (data_dir, errors)
    _run(venv / "bin" / "govcase", "run", "reports", "--db", "out/govcase.db", "--out", "out", cwd=work, env=env)

    with sqlite3.connect(work / "out" / "govcase.db") as conn:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        measures = conn.execute("SELECT count(*) FROM measures").fetchone()[0]
    assert documents == len(list((ROOT / "corpus" / "reports").iterdir()))
    assert measures > 0
    assert (work / "out" / "compare.xlsx").stat().st_size > 1000
